// A job's summary is the sync log the host shows (docs/SEMANTICS.md,
// "Records"): the host's own JSON object from complete_job, plus the record
// counts the vault keeps while the job's batches are committed — "created",
// "updated", "unchanged", "failed", "deleted" and the first "errors". These
// functions merge the two; the vault's keys always win over the host's
// keys of the same names.
#pragma once

#include "linkvault/records.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace linkvault {

// What one commit (or one finish_full_sync) adds to a job's summary.
struct RecordTally {
  RecordCounts counts;
  std::int64_t deleted = 0;
  const std::vector<RecordError>* errors = nullptr;  // appended up to max_reported_record_errors
};

// `summary` (a JSON object, or none) with `tally` added to its record keys.
std::string add_record_tally(const std::optional<std::string>& summary, const RecordTally& tally);

// complete_job: the host's summary object (or none) with the record keys of
// `stored` (the job's summary so far) put over it. Without record keys in
// `stored`, the host's summary as given.
std::optional<std::string> merge_host_summary(const std::optional<std::string>& stored,
                                              const std::optional<std::string>& host);

}  // namespace linkvault
