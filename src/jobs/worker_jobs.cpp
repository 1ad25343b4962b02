// The workers' side of sync jobs, one Vault method each: claim, heartbeat,
// complete, fail, and lease recovery (docs/SEMANTICS.md, "Sync jobs"). Every
// method is one write transaction: load the job, check it against the state
// table (core/job_transitions.hpp) and the caller's hold on it, write it
// guarded by what was loaded, log, commit.
#include "linkvault/vault.hpp"

#include "core/job_transitions.hpp"
#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "core/uuid.hpp"
#include "jobs/job_endings.hpp"
#include "jobs/job_queue.hpp"
#include "jobs/job_rules.hpp"
#include "jobs/job_summary.hpp"
#include "jobs/retry_backoff.hpp"
#include "linkvault/error.hpp"
#include "vault/input_rules.hpp"
#include "vault/job_changes.hpp"
#include "vault/transaction.hpp"

#include <fmt/format.h>

namespace linkvault {

namespace {

// How many expired leases one claim recovers before it looks for work; the
// rest wait for the next claim or recover_expired_jobs().
constexpr int recoveries_per_claim = 64;

// The job `worker_id` holds: running (else FAILED_PRECONDITION, through the
// state table) and held by this worker (else CONFLICT).
JobRecord load_held_job(JobStore& jobs, std::string_view job_id, std::string_view worker_id,
                        JobEvent event) {
  auto record = jobs.find_job(job_id);
  if (!record) throw_job_not_found(job_id);
  const SyncJob& job = record->job;
  require_transition(job.id, job.status, event);
  if (job.worker_id != worker_id) {
    throw Error(ErrorCode::conflict,
                fmt::format("job {} is held by worker {}, not by {}", quote_for_message(job.id),
                            quote_for_message(job.worker_id.value_or("")),
                            quote_for_message(worker_id)));
  }
  return std::move(*record);
}

// processed ≤ total once both are known; progress_percent follows.
void apply_progress(SyncJob& job, const JobProgress& progress) {
  const std::int64_t processed = progress.processed.value_or(job.records_processed);
  const std::optional<std::int64_t> total = progress.total ? progress.total : job.records_total;
  if (total && processed > *total) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("processed ({}) is more than total ({})", processed, *total));
  }
  job.records_processed = processed;
  job.records_total = total;
  if (total && *total > 0) {
    job.progress_percent = static_cast<int>((processed * 100) / *total);
  }
}

}  // namespace

std::optional<SyncJob> Vault::claim_job(std::string_view worker_id, const ClaimOptions& options) {
  VaultCore& core = require_open(core_);
  require_worker_id(worker_id);
  require_lease(options.lease);
  for (const JobType type : options.types) require_job_type(type);
  auto session = core.session();
  {
    // An idle queue is the common case for a polling worker: it looks
    // without the write lock, so polls never hold up other writers. Work
    // that becomes due right after the look is found by the next poll.
    Transaction look(*session, TransactionMode::read);
    const bool work = session->has_due_work(core.now_ms());
    look.commit();
    if (!work) return std::nullopt;
  }
  Transaction transaction(*session, TransactionMode::write);
  const TimeMs now = core.now_ms();
  recover_expired_leases(*session, core, now, recoveries_per_claim);
  const auto loaded = session->next_due_job(now, options.types);
  if (!loaded) {
    transaction.commit();  // the recoveries, if any
    return std::nullopt;
  }
  JobRecord next = *loaded;
  SyncJob& job = next.job;
  job.status = require_transition(job.id, job.status, JobEvent::claim);
  job.attempt += 1;
  job.worker_id = std::string(worker_id);
  next.lease_token = new_uuid_v7();  // 74 random bits: never reused
  next.lease_ms = options.lease.count();
  job.lease_until = now + next.lease_ms;
  if (!job.started_at) job.started_at = now;
  job.updated_at = now;
  write_job_change(*session, *loaded, next);
  if (job.type == JobType::field_mapping_update) {
    // The mappings changed: whatever this job or a later one maps next is
    // reported updated, even if its hash matches (docs/SEMANTICS.md,
    // "Records").
    session->mark_records_stale(job.tenant, job.integration_id);
  }
  log_job_activity(*session, core, job, action::sync_started, worker_actor(worker_id),
                   fmt::format("{{\"job_id\":{},\"type\":\"{}\",\"attempt\":{}}}",
                               json_quote(job.id), to_string(job.type), job.attempt));
  transaction.commit();
  return job;
}

SyncJob Vault::heartbeat(std::string_view job_id, std::string_view worker_id,
                         const JobProgress& progress,
                         std::optional<std::chrono::milliseconds> lease) {
  VaultCore& core = require_open(core_);
  require_worker_id(worker_id);
  require_progress(progress);
  if (lease) require_lease(*lease);
  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  const JobRecord loaded = load_held_job(*session, job_id, worker_id, JobEvent::heartbeat);
  JobRecord next = loaded;
  SyncJob& job = next.job;
  const TimeMs now = core.now_ms();
  apply_progress(job, progress);
  job.updated_at = now;
  if (job.cancel_requested) {
    job.status = require_transition(job.id, job.status, JobEvent::acknowledge_cancel);
    job.completed_at = now;
    release_lease(next);
    write_job_change(*session, loaded, next);
    log_job_activity(*session, core, job, action::sync_cancelled, worker_actor(worker_id),
                     fmt::format("{{\"job_id\":{},\"reason\":\"cancel requested\"}}",
                                 json_quote(job.id)));
    transaction.commit();
    throw Error(ErrorCode::cancelled,
                fmt::format("job {} was cancelled; stop working on it", quote_for_message(job.id)));
  }
  // load_held_job checked the heartbeat against the state table: the job
  // stays running.
  if (lease) next.lease_ms = lease->count();
  job.lease_until = now + next.lease_ms;
  write_job_progress(*session, loaded, next);
  transaction.commit();
  return job;
}

SyncJob Vault::complete_job(std::string_view job_id, std::string_view worker_id,
                            SyncOutcome outcome, const std::optional<std::string>& summary) {
  VaultCore& core = require_open(core_);
  require_worker_id(worker_id);
  if (outcome != SyncOutcome::success && outcome != SyncOutcome::partial) {
    throw Error(ErrorCode::invalid_argument,
                "a job completes with outcome success or partial; use fail_job for a failure");
  }
  if (summary) require_job_json_object(*summary, "job summary");
  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  const JobRecord loaded = load_held_job(*session, job_id, worker_id, JobEvent::complete);
  JobRecord next = loaded;
  SyncJob& job = next.job;
  const TimeMs now = core.now_ms();
  job.status = require_transition(job.id, job.status, JobEvent::complete);
  job.outcome = outcome;
  // The record counts the job's commits kept stay; the host's summary
  // joins them.
  job.summary = merge_host_summary(loaded.job.summary, summary);
  if (outcome == SyncOutcome::success) job.progress_percent = 100;
  job.completed_at = now;
  job.updated_at = now;
  release_lease(next);
  write_job_change(*session, loaded, next);
  record_sync_result(*session, job, outcome, now);
  log_job_activity(*session, core, job, action::sync_completed, worker_actor(worker_id),
                   fmt::format("{{\"job_id\":{},\"outcome\":\"{}\",\"records_processed\":{}}}",
                               json_quote(job.id), to_string(outcome), job.records_processed));
  transaction.commit();
  return job;
}

SyncJob Vault::fail_job(std::string_view job_id, std::string_view worker_id,
                        std::string_view error, bool retryable) {
  VaultCore& core = require_open(core_);
  require_worker_id(worker_id);
  require_text(error, "job error", max_message_bytes);
  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  const JobRecord loaded = load_held_job(*session, job_id, worker_id, JobEvent::fail);
  JobRecord next = loaded;
  SyncJob& job = next.job;
  const TimeMs now = core.now_ms();
  if (retryable && job.attempt < job.max_attempts && !job.cancel_requested) {
    job.status = require_transition(job.id, job.status, JobEvent::retry);
    job.error = std::string(error);
    job.run_after = now + retry_delay_ms(job.retry_base_seconds, job.attempt,
                                         random_retry_jitter());
    job.updated_at = now;
    release_lease(next);
    write_job_change(*session, loaded, next);
  } else {
    job = fail_for_good(*session, core, loaded, next, JobEvent::fail, error,
                        worker_actor(worker_id));
  }
  transaction.commit();
  return job;
}

std::int64_t Vault::recover_expired_jobs() {
  VaultCore& core = require_open(core_);
  constexpr int batch = 256;  // jobs per transaction: other writers get turns
  std::int64_t recovered = 0;
  for (;;) {
    auto session = core.session();
    Transaction transaction(*session, TransactionMode::write);
    const std::int64_t done = recover_expired_leases(*session, core, core.now_ms(), batch);
    transaction.commit();
    recovered += done;
    if (done < batch) return recovered;
  }
}

}  // namespace linkvault
