// The record path, one Tenant method each (docs/SEMANTICS.md, "Records"):
// field mappings, map_records (map and compare, reading only), commit_records
// (remember, and move the job's counts, in one write transaction) and
// finish_full_sync (forget what a full import did not see).
//
// map_records does its CPU work (parsing, transforms, hashing) with no
// transaction open: it reads what it needs in one read transaction, maps,
// then reads the remembered hashes in another. A commit checks again
// everything the map relied on that could have changed (the job's lease).
#include "linkvault/tenant.hpp"

#include "core/message_text.hpp"
#include "jobs/job_rules.hpp"
#include "jobs/job_summary.hpp"
#include "linkvault/error.hpp"
#include "records/mapping_rules.hpp"
#include "records/record_batch_access.hpp"
#include "records/record_mapper.hpp"
#include "records/records_key.hpp"
#include "vault/input_rules.hpp"
#include "vault/job_changes.hpp"
#include "vault/operation.hpp"
#include "vault/transaction.hpp"
#include "vault/vault_core.hpp"

#include <fmt/format.h>

#include <utility>

namespace linkvault {

namespace {

using Access = detail::RecordBatchAccess;

// The job a batch belongs to, as map_records and commit_records require it:
// this tenant's (else NOT_FOUND), this integration's and running (else
// FAILED_PRECONDITION), held by `worker_id` (else CONFLICT).
JobRecord load_batch_job(JobStore& jobs, std::string_view tenant,
                         std::string_view integration_id, std::string_view job_id,
                         std::string_view worker_id) {
  auto record = jobs.load_job(tenant, job_id);
  if (!record) throw_job_not_found(job_id);
  const SyncJob& job = record->job;
  if (job.integration_id != integration_id) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("job {} belongs to integration {}, not {}", quote_for_message(job.id),
                            quote_for_message(job.integration_id),
                            quote_for_message(integration_id)));
  }
  if (job.status != JobStatus::running) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("job {} is {}, not running", quote_for_message(job.id),
                            to_string(job.status)));
  }
  if (job.worker_id != worker_id) {
    throw Error(ErrorCode::conflict,
                fmt::format("job {} is held by worker {}, not by {}", quote_for_message(job.id),
                            quote_for_message(job.worker_id.value_or("")),
                            quote_for_message(worker_id)));
  }
  return std::move(*record);
}

void require_map_options(const MapOptions& options) {
  if (options.job_id.has_value() != options.worker_id.has_value()) {
    throw Error(ErrorCode::invalid_argument,
                "map_records takes job_id and worker_id together, or neither");
  }
  if (options.worker_id) require_worker_id(*options.worker_id);
}

// What map_records reads before it maps.
struct MapContext {
  std::vector<FieldMapping> mappings;
  std::string lease_token;
};

MapContext read_map_context(VaultCore& core, std::string_view tenant,
                            std::string_view integration_id, const MapOptions& options) {
  auto session = core.session();
  Transaction read(*session, TransactionMode::read);
  const IntegrationRecord record = load_or_throw(*session, tenant, integration_id);
  MapContext context;
  context.mappings = mappings_for(core, *session, record.integration);
  if (context.mappings.empty()) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("integration {} has no field mappings, and provider {} has no "
                            "defaults: set them with set_field_mappings",
                            quote_for_message(integration_id),
                            quote_for_message(record.integration.provider)));
  }
  if (options.job_id) {
    context.lease_token =
        load_batch_job(*session, tenant, integration_id, *options.job_id, *options.worker_id)
            .lease_token;
  }
  read.commit();
  return context;
}

// Sorts the mapped records into created / updated / unchanged against what
// is remembered, and fills the batch.
void compare_and_fill(VaultCore& core, std::string_view tenant, std::string_view integration_id,
                      MappedPayload mapped, RecordBatch& batch) {
  std::vector<std::string_view> ids;
  ids.reserve(mapped.mapped.size());
  for (const MappedRecord& record : mapped.mapped) ids.push_back(record.external_id);
  std::vector<std::optional<RememberedRecord>> remembered;
  {
    auto session = core.session();
    Transaction read(*session, TransactionMode::read);
    remembered = session->remembered_records(tenant, integration_id, ids);
    read.commit();
  }
  if (remembered.size() != ids.size()) {
    throw Error(ErrorCode::internal, "the store answered for a different number of records");
  }

  auto& seen = Access::seen(batch);
  auto& changed = Access::changed(batch);
  RecordCounts& counts = Access::counts(batch);
  seen.reserve(mapped.mapped.size() + mapped.unmapped.size());
  for (std::size_t i = 0; i < mapped.mapped.size(); ++i) {
    MappedRecord& record = mapped.mapped[i];
    seen.push_back(Access::Seen{record.external_id, record.hash, true});
    const auto& known = remembered[i];
    if (known && !known->stale && known->hash == record.hash) {
      ++counts.unchanged;
      continue;
    }
    const RecordAction action = known ? RecordAction::updated : RecordAction::created;
    ++(action == RecordAction::created ? counts.created : counts.updated);
    changed.push_back(ChangedRecord{std::move(record.external_id), action,
                                    std::move(record.record)});
  }
  auto& errors = Access::errors(batch);
  for (UnmappedRecord& failure : mapped.unmapped) {
    ++counts.failed;
    if (failure.external_id) seen.push_back(Access::Seen{*failure.external_id, {}, false});
    if (errors.size() < max_reported_record_errors) {
      errors.push_back(RecordError{failure.index, std::move(failure.external_id),
                                   std::move(failure.field), std::move(failure.message)});
    }
  }
}

}  // namespace

void Tenant::set_field_mappings(const Actor& actor, std::string_view integration_id,
                                const std::vector<FieldMapping>& mappings) {
  VaultCore& core = require_open(core_);
  require_change_permission(actor, "set field mappings");
  if (!mappings.empty()) validate_field_mappings(mappings);
  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  load_or_throw(*session, id_, integration_id);
  const std::optional<std::string> rules =
      mappings.empty() ? std::nullopt : std::optional<std::string>(to_json(mappings));
  session->save_field_mappings(id_, integration_id, rules, actor.user_id, core.now_ms());
  transaction.commit();
}

std::vector<FieldMapping> Tenant::field_mappings(std::string_view integration_id) const {
  VaultCore& core = require_open(core_);
  auto session = core.session();
  Transaction read(*session, TransactionMode::read);
  const IntegrationRecord record = load_or_throw(*session, id_, integration_id);
  auto mappings = mappings_for(core, *session, record.integration);
  read.commit();
  return mappings;
}

RecordBatch Tenant::map_records(std::string_view integration_id, std::string_view payload,
                                const MapOptions& options) const {
  VaultCore& core = require_open(core_);
  require_map_options(options);
  if (payload.size() > max_record_payload_bytes) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("the payload is {} bytes; at most {} are allowed", payload.size(),
                            max_record_payload_bytes));
  }
  MapContext context = read_map_context(core, id_, integration_id, options);
  const SecretBytes key = records_key(core, id_);
  const RecordMapper mapper(std::move(context.mappings));
  MappedPayload mapped = mapper.map(payload, options.records_at, options.id_at, key);

  RecordBatch batch;
  Access::tenant(batch) = id_;
  Access::integration_id(batch) = std::string(integration_id);
  Access::job_id(batch) = options.job_id;
  Access::worker_id(batch) = options.worker_id;
  Access::lease_token(batch) = std::move(context.lease_token);
  compare_and_fill(core, id_, integration_id, std::move(mapped), batch);
  return batch;
}

void Tenant::commit_records(const RecordBatch& batch) {
  VaultCore& core = require_open(core_);
  if (batch.tenant() != id_) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("this batch was mapped for tenant {}, not {}",
                            quote_for_message(batch.tenant()), quote_for_message(id_)));
  }
  std::vector<SeenRecord> rows;
  rows.reserve(Access::seen(batch).size());
  for (const auto& seen : Access::seen(batch)) {
    rows.push_back(SeenRecord{seen.external_id,
                              seen.mapped ? std::optional<RecordHash>(seen.hash) : std::nullopt});
  }

  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  const TimeMs now = core.now_ms();
  load_or_throw(*session, id_, batch.integration_id());
  std::optional<JobRecord> loaded;
  if (batch.job_id()) {
    loaded = load_batch_job(*session, id_, batch.integration_id(), *batch.job_id(),
                            *batch.worker_id());
    if (loaded->lease_token != Access::lease_token(batch)) {
      // The same worker claimed the job again since: the lease this batch
      // was mapped under is gone, and its records may be mapped twice.
      throw Error(ErrorCode::conflict,
                  fmt::format("job {} was claimed again since this batch was mapped; map it again",
                              quote_for_message(*batch.job_id())));
    }
  }
  session->remember_records(id_, batch.integration_id(), rows, batch.job_id(), now);
  if (loaded) {
    JobRecord next = *loaded;
    SyncJob& job = next.job;
    const RecordCounts& counts = batch.counts();
    job.records_processed += counts.created + counts.updated + counts.unchanged + counts.failed;
    if (job.records_total && job.records_processed > *job.records_total) {
      job.records_total = job.records_processed;
    }
    if (job.records_total && *job.records_total > 0) {
      job.progress_percent = static_cast<int>((job.records_processed * 100) / *job.records_total);
    }
    job.summary = add_record_tally(job.summary, RecordTally{counts, 0, &batch.errors()});
    job.updated_at = now;
    write_job_change(*session, *loaded, next);
  }
  transaction.commit();
}

std::vector<std::string> Tenant::finish_full_sync(std::string_view integration_id,
                                                  std::string_view job_id) {
  VaultCore& core = require_open(core_);
  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  load_or_throw(*session, id_, integration_id);
  auto loaded = session->load_job(id_, job_id);
  if (!loaded) throw_job_not_found(job_id);
  const SyncJob& job = loaded->job;
  if (job.integration_id != integration_id) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("job {} belongs to integration {}, not {}", quote_for_message(job.id),
                            quote_for_message(job.integration_id),
                            quote_for_message(integration_id)));
  }
  if (job.type != JobType::full_import || job.status != JobStatus::completed ||
      job.outcome != SyncOutcome::success || !job.started_at) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("job {} is a {} that is {}{}: deletions need a full_import that "
                            "completed with outcome success",
                            quote_for_message(job.id), to_string(job.type), to_string(job.status),
                            job.outcome ? fmt::format(" ({})", to_string(*job.outcome)) : ""));
  }
  std::vector<std::string> forgotten =
      session->forget_unseen_records(id_, integration_id, job_id, *job.started_at);
  if (!forgotten.empty()) {
    JobRecord next = *loaded;
    next.job.summary = add_record_tally(
        next.job.summary,
        RecordTally{{}, static_cast<std::int64_t>(forgotten.size()), nullptr});
    next.job.updated_at = core.now_ms();
    write_job_change(*session, *loaded, next);
  }
  transaction.commit();
  return forgotten;
}

}  // namespace linkvault
