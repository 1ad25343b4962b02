// The records layer's way into RecordBatch's private parts: the batch
// carries what commit_records writes (every seen record's hash, the job's
// lease token), which hosts can neither read nor forge through the public
// API.
#pragma once

#include "linkvault/records.hpp"

#include <string>
#include <vector>

namespace linkvault::detail {

struct RecordBatchAccess {
  using Seen = RecordBatch::Seen;

  static std::string& tenant(RecordBatch& batch) { return batch.tenant_; }
  static std::string& integration_id(RecordBatch& batch) { return batch.integration_id_; }
  static std::optional<std::string>& job_id(RecordBatch& batch) { return batch.job_id_; }
  static std::optional<std::string>& worker_id(RecordBatch& batch) { return batch.worker_id_; }
  static std::string& lease_token(RecordBatch& batch) { return batch.lease_token_; }
  static const std::string& lease_token(const RecordBatch& batch) { return batch.lease_token_; }
  static std::vector<ChangedRecord>& changed(RecordBatch& batch) { return batch.changed_; }
  static RecordCounts& counts(RecordBatch& batch) { return batch.counts_; }
  static std::vector<RecordError>& errors(RecordBatch& batch) { return batch.errors_; }
  static std::vector<Seen>& seen(RecordBatch& batch) { return batch.seen_; }
  static const std::vector<Seen>& seen(const RecordBatch& batch) { return batch.seen_; }
};

}  // namespace linkvault::detail
