// JobStore — the sync-job operations of the Store seam (store.hpp says the
// isolation rules shared by every operation). No SQL above this line: the
// jobs layer (src/jobs/) decides every transition from the table in
// core/job_transitions.hpp and writes it with update_job_if, so a second
// backend implements only these.
#pragma once

#include "linkvault/integration.hpp"
#include "linkvault/sync_job.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// A job row: the public record plus what only the store and the jobs layer
// see. lease_token is a fresh random value per claim ("" when no one holds
// the job), so a write that read the job under one lease cannot land on the
// next one. lease_ms is the claim's lease length, which heartbeats renew by
// default.
struct JobRecord {
  SyncJob job;
  std::string lease_token;
  std::int64_t lease_ms = 0;
};

// Tenant::jobs() after its checks; before_* is the cursor job's place
// (newest first is created_at descending, then id descending).
struct JobListFilter {
  std::optional<std::string> integration_id;
  std::optional<JobStatus> status;
  int limit = 50;
  std::optional<TimeMs> before_created_at;
  std::optional<std::string> before_id;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Atomic (write transaction): inserts the job unless its integration
  // already has an active (pending or running) job, whose id it returns
  // instead; nullopt when inserted. The one-active-job rule is a unique
  // index over active jobs, so it holds even against a writer that skipped
  // this check (PostgreSQL: a partial unique index and INSERT ... ON
  // CONFLICT DO NOTHING).
  virtual std::optional<std::string> insert_job_unless_active(const JobRecord& record) = 0;

  // Lookups. load_job is scoped by tenant; find_job (for workers, which
  // name a job by id alone) is not.
  virtual std::optional<JobRecord> load_job(std::string_view tenant, std::string_view id) = 0;
  virtual std::optional<JobRecord> find_job(std::string_view id) = 0;
  virtual std::optional<JobRecord> active_job(std::string_view tenant,
                                              std::string_view integration_id) = 0;
  virtual std::vector<SyncJob> list_jobs(std::string_view tenant,
                                         const JobListFilter& filter) = 0;

  // In a write transaction: the oldest due pending job (run_after <= now,
  // then created_at, then id) of one of `types` (empty: any), held against
  // other claimers until commit (PostgreSQL: FOR UPDATE SKIP LOCKED, so
  // claimers pass each other instead of queueing). nullopt if none is due.
  virtual std::optional<JobRecord> next_due_job(TimeMs now, const std::vector<JobType>& types) = 0;
  // Whether a claim at `now` could find work: a pending job due by then, or
  // a running job whose lease passed before it. Any transaction (a read one
  // is enough): workers polling an idle queue look here first and take no
  // write lock when there is nothing to do.
  virtual bool has_due_work(TimeMs now) = 0;
  // In a write transaction: up to `limit` running jobs whose lease_until is
  // before `now`, oldest lease first, held as next_due_job holds its job.
  virtual std::vector<JobRecord> expired_jobs(TimeMs now, int limit) = 0;

  // The one way a job changes state: writes every column of `next` that
  // can change (all but id, tenant, integration_id, type, config,
  // max_attempts, retry_base_seconds and created_at, which are fixed at the
  // insert) to the row with next.job.id, only if the row still has
  // `expected_status` and `expected_token` as its lease token. False
  // (nothing written) otherwise.
  virtual bool update_job_if(const JobRecord& next, JobStatus expected_status,
                             std::string_view expected_token) = 0;
  // A heartbeat: writes only the progress (records_processed,
  // records_total, progress_percent), the lease (lease_ms, lease_until) and
  // updated_at of `next`, only if the row is still running under
  // `expected_token`. False otherwise. Narrow on purpose: no index covers
  // these columns, so the most frequent write touches only the row.
  virtual bool update_progress_if(const JobRecord& next, std::string_view expected_token) = 0;

  // Connected integrations of every tenant that have a sync_config and no
  // active job: the candidates of schedule_due_syncs, which reads their
  // sync_config and last_sync_at to decide.
  virtual std::vector<Integration> auto_sync_candidates() = 0;
};

}  // namespace linkvault
