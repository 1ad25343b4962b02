// The JobStore operations of PostgresSession. Row-level security keeps each
// tenant's jobs to itself; workers read every tenant's queue through the
// 'workers' scope (read only), and lock and write a job only after entering
// its tenant. The one-active-job rule is the partial unique index
// sync_jobs_one_active.
//
// Claims (next_due_job, expired_jobs) take their locks in the session's one
// order, tenant row then job row: candidates are read unlocked, then each is
// taken with SKIP LOCKED on its tenant's row and on its own row, so a
// claimer passes jobs and tenants other transactions hold. Only when every
// due job is under a busy tenant does next_due_job wait, for one tenant
// row, and only for a tenant after every tenant it holds (ascending, as
// writers that hold several take them): a waiting claimer can then close no
// cycle with another claimer, and a tenant writer waits only for rows under
// its own tenant.
#include "store/postgres_session.hpp"

#include "core/message_text.hpp"
#include "store/postgres_params.hpp"
#include "store/postgres_rows.hpp"
#include "store/store_rows.hpp"

#include <fmt/format.h>

#include <string>

namespace linkvault {

namespace {

// How many unlocked candidates a claim reads at a time: enough to pass the
// jobs other claimers hold, few enough that a busy queue is not read whole.
constexpr int claim_batch = 16;
const std::string batch_text = std::to_string(claim_batch);

int small_int(const pg::Result& rows, int row, int column, const char* what) {
  return stored_small_int(rows.integer(row, column), what);
}

// Row `row` of a text-format SELECT of LV_JOB_COLUMNS.
JobRecord read_job(const pg::Result& rows, int row) {
  JobRecord record;
  SyncJob& j = record.job;
  j.id = rows.text(row, 0);
  j.tenant = rows.text(row, 1);
  j.integration_id = rows.text(row, 2);
  j.type = parse_stored<JobType>(rows.text(row, 3), parse_job_type, "job type");
  j.status = parse_stored<JobStatus>(rows.text(row, 4), parse_job_status, "job status");
  j.config = rows.text(row, 5);
  j.progress_percent = small_int(rows, row, 6, "job progress_percent");
  j.records_processed = rows.integer(row, 7);
  j.records_total = optional_integer(rows, row, 8);
  j.attempt = small_int(rows, row, 9, "job attempt");
  j.max_attempts = small_int(rows, row, 10, "job max_attempts");
  j.retry_base_seconds = small_int(rows, row, 11, "job retry_base_seconds");
  j.run_after = rows.integer(row, 12);
  j.worker_id = rows.optional_text(row, 13);
  record.lease_token = rows.text(row, 14);
  record.lease_ms = rows.integer(row, 15);
  j.lease_until = optional_integer(rows, row, 16);
  j.cancel_requested = rows.integer(row, 17) != 0;
  j.error = rows.optional_text(row, 18);
  if (!rows.is_null(row, 19)) {
    j.outcome = parse_stored<SyncOutcome>(rows.text(row, 19), parse_sync_outcome, "job outcome");
  }
  j.summary = rows.optional_text(row, 20);
  j.created_at = rows.integer(row, 21);
  j.started_at = optional_integer(rows, row, 22);
  j.completed_at = optional_integer(rows, row, 23);
  j.updated_at = rows.integer(row, 24);
  return record;
}

std::optional<JobRecord> first_job(const pg::Result& rows) {
  if (rows.rows() == 0) return std::nullopt;
  return read_job(rows, 0);
}

const char* outcome_text(const std::optional<SyncOutcome>& outcome) {
  return outcome ? to_string(*outcome) : nullptr;
}

// The wanted types as a PostgreSQL text[] literal ("{}" for any). The
// elements are our own enum names (letters and underscores), never input.
std::string type_array(const std::vector<JobType>& types) {
  std::string array = "{";
  for (const JobType type : types) {
    if (array.size() > 1) array += ',';
    array += to_string(type);
  }
  array += '}';
  return array;
}

}  // namespace

std::optional<std::string> PostgresSession::insert_job_unless_active(const JobRecord& record) {
  require_write_transaction("insert_job_unless_active");
  const SyncJob& j = record.job;
  enter_tenant(j.tenant);
  pg::ParamList params;
  params.text(j.id).text(j.tenant).text(j.integration_id).text(to_string(j.type));
  params.text(to_string(j.status)).text(j.config).integer(j.progress_percent);
  params.integer(j.records_processed).optional_integer(j.records_total);
  params.integer(j.attempt).integer(j.max_attempts).integer(j.retry_base_seconds);
  params.integer(j.run_after).optional_text(j.worker_id).text(record.lease_token);
  params.integer(record.lease_ms).optional_integer(j.lease_until);
  params.integer(j.cancel_requested ? 1 : 0).optional_text(j.error);
  if (const char* outcome = outcome_text(j.outcome)) {
    params.text(outcome);
  } else {
    params.null();
  }
  params.optional_text(j.summary).integer(j.created_at).optional_integer(j.started_at);
  params.optional_integer(j.completed_at).integer(j.updated_at);
  // DO NOTHING on the active-job index only: a refused row is no failed
  // statement (the transaction goes on), and the active job's id is then
  // read back. Any other conflict (a reused id) is still an error.
  pg::Result inserted = run(
      "lv_insert_job",
      "INSERT INTO sync_jobs (" LV_JOB_COLUMNS ") VALUES "
      "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
      "$18, $19, $20, $21, $22, $23, $24, $25) "
      "ON CONFLICT (integration_id) WHERE status IN ('pending', 'running') DO NOTHING",
      params.params());
  if (inserted.affected() == 1) return std::nullopt;
  if (auto active = active_job(j.tenant, j.integration_id)) return std::move(active->job.id);
  throw Error(ErrorCode::internal,
              fmt::format("job {} was neither inserted nor refused by an active job",
                          quote_for_message(j.id)));
}

std::optional<JobRecord> PostgresSession::load_job(std::string_view tenant,
                                                   std::string_view id) {
  enter_tenant(tenant);
  return first_job(run("lv_load_job",
                       "SELECT " LV_JOB_COLUMNS " FROM sync_jobs WHERE id = $1 AND tenant = $2",
                       {pg::Param::of(id), pg::Param::of(tenant)}));
}

std::optional<JobRecord> PostgresSession::find_job(std::string_view id) {
  // Workers name a job by id alone; the 'workers' scope reads any tenant's
  // jobs (reads only: a write enters the job's tenant).
  enter_scope("workers");
  return first_job(run("lv_find_job", "SELECT " LV_JOB_COLUMNS " FROM sync_jobs WHERE id = $1",
                       {pg::Param::of(id)}));
}

std::optional<JobRecord> PostgresSession::active_job(std::string_view tenant,
                                                     std::string_view integration_id) {
  enter_tenant(tenant);
  return first_job(run("lv_active_job",
                       "SELECT " LV_JOB_COLUMNS " FROM sync_jobs "
                       "WHERE integration_id = $1 AND status IN ('pending', 'running') "
                       "AND tenant = $2",
                       {pg::Param::of(integration_id), pg::Param::of(tenant)}));
}

std::vector<SyncJob> PostgresSession::list_jobs(std::string_view tenant,
                                                const JobListFilter& filter) {
  enter_tenant(tenant);
  // The cursor is (created_at, id) of the `before` job: strictly older
  // rows. No cursor binds NULL, and no status filter binds NULL.
  pg::ParamList params;
  params.text(tenant).optional_integer(filter.before_created_at);
  params.text(filter.before_id ? std::string_view(*filter.before_id) : std::string_view());
  if (filter.status) {
    params.text(to_string(*filter.status));
  } else {
    params.null();
  }
  params.integer(filter.limit);
  pg::Result rows = [&] {
    if (filter.integration_id) {
      params.text(*filter.integration_id);
      return run("lv_list_jobs_by_integration",
                 "SELECT " LV_JOB_COLUMNS " FROM sync_jobs "
                 "WHERE tenant = $1 AND integration_id = $6 "
                 "AND ($2::bigint IS NULL OR (created_at, id) < ($2::bigint, $3::text)) "
                 "AND ($4::text IS NULL OR status = $4::text) "
                 "ORDER BY created_at DESC, id DESC LIMIT $5",
                 params.params());
    }
    return run("lv_list_jobs",
               "SELECT " LV_JOB_COLUMNS " FROM sync_jobs WHERE tenant = $1 "
               "AND ($2::bigint IS NULL OR (created_at, id) < ($2::bigint, $3::text)) "
               "AND ($4::text IS NULL OR status = $4::text) "
               "ORDER BY created_at DESC, id DESC LIMIT $5",
               params.params());
  }();
  std::vector<SyncJob> jobs;
  jobs.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) jobs.push_back(std::move(read_job(rows, row).job));
  return jobs;
}

std::optional<JobRecord> PostgresSession::next_due_job(TimeMs now,
                                                       const std::vector<JobType>& types) {
  require_write_transaction("next_due_job");
  enter_scope("workers");
  const std::string now_text = std::to_string(now);
  const std::string wanted = type_array(types);
  for (;;) {
    // The first tenant passed over because another transaction held it,
    // among those this one may wait for (may_wait_for_tenant).
    std::optional<std::string> busy;
    // Keyset over the queue order (run_after, created_at, id), so each
    // batch starts after the candidates already passed over.
    std::optional<std::string> after_run, after_created, after_id;
    for (;;) {
      pg::Result candidates = run(
          "lv_due_job_candidates",
          "SELECT id, tenant, run_after, created_at FROM sync_jobs "
          "WHERE status = 'pending' AND run_after <= $1 "
          "AND (cardinality($2::text[]) = 0 OR type = ANY ($2::text[])) "
          "AND ($3::bigint IS NULL OR (run_after, created_at, id) > ($3::bigint, $4::bigint, "
          "$5::text)) "
          "ORDER BY run_after, created_at, id LIMIT $6",
          {pg::Param::of(now_text), pg::Param::of(wanted),
           after_run ? pg::Param::of(*after_run) : pg::Param::null_value(),
           after_created ? pg::Param::of(*after_created) : pg::Param::null_value(),
           after_id ? pg::Param::of(*after_id) : pg::Param::null_value(),
           pg::Param::of(batch_text)});
      for (int row = 0; row < candidates.rows(); ++row) {
        const std::string_view tenant = candidates.text(row, 1);
        if (!try_enter_tenant(tenant)) {
          if (!busy && may_wait_for_tenant(tenant)) busy = std::string(tenant);
          continue;
        }
        // Still due (another claimer may have taken it since the read),
        // and not held by anyone: ours until commit.
        auto job = first_job(run("lv_lock_due_job",
                                 "SELECT " LV_JOB_COLUMNS " FROM sync_jobs "
                                 "WHERE id = $1 AND status = 'pending' AND run_after <= $2 "
                                 "FOR UPDATE SKIP LOCKED",
                                 {pg::Param::of(candidates.text(row, 0)),
                                  pg::Param::of(now_text)}));
        if (job) return job;
      }
      if (candidates.rows() < claim_batch) break;
      const int last = candidates.rows() - 1;
      after_id = std::string(candidates.text(last, 0));
      after_run = std::string(candidates.text(last, 2));
      after_created = std::string(candidates.text(last, 3));
    }
    // Nothing free, but due jobs under busy tenants: "nullopt" would say
    // none is due. Wait for the first such tenant (allowed by the lock
    // order, so no deadlock), then take its oldest due job still there.
    if (!busy) return std::nullopt;
    enter_tenant(*busy);
    auto job = first_job(run("lv_lock_tenant_due_job",
                             "SELECT " LV_JOB_COLUMNS " FROM sync_jobs "
                             "WHERE tenant = $1 AND status = 'pending' AND run_after <= $2 "
                             "AND (cardinality($3::text[]) = 0 OR type = ANY ($3::text[])) "
                             "ORDER BY run_after, created_at, id LIMIT 1 "
                             "FOR UPDATE SKIP LOCKED",
                             {pg::Param::of(*busy), pg::Param::of(now_text),
                              pg::Param::of(wanted)}));
    if (job) return job;
    // Its holder took what was due there: look again (this tenant is now
    // held, so every round waits for a later tenant, and the rounds end).
  }
}

bool PostgresSession::has_due_work(TimeMs now) {
  enter_scope("workers");
  const std::string now_text = std::to_string(now);
  pg::Result due = run("lv_has_due_work",
                       "SELECT EXISTS (SELECT 1 FROM sync_jobs "
                       "WHERE status = 'pending' AND run_after <= $1::bigint) "
                       "OR EXISTS (SELECT 1 FROM sync_jobs "
                       "WHERE status = 'running' AND lease_until < $1::bigint)",
                       {pg::Param::of(now_text)});
  return due.text(0, 0) == "t";
}

std::vector<JobRecord> PostgresSession::expired_jobs(TimeMs now, int limit) {
  require_write_transaction("expired_jobs");
  enter_scope("workers");
  std::vector<JobRecord> jobs;
  if (limit <= 0) return jobs;
  const std::string now_text = std::to_string(now);
  // Keyset over (lease_until, id): oldest lease first, as next_due_job
  // walks the queue.
  std::optional<std::string> after_until, after_id;
  for (;;) {
    pg::Result candidates = run(
        "lv_expired_job_candidates",
        "SELECT id, tenant, lease_until FROM sync_jobs "
        "WHERE status = 'running' AND lease_until < $1 "
        "AND ($2::bigint IS NULL OR (lease_until, id) > ($2::bigint, $3::text)) "
        "ORDER BY lease_until, id LIMIT $4",
        {pg::Param::of(now_text),
         after_until ? pg::Param::of(*after_until) : pg::Param::null_value(),
         after_id ? pg::Param::of(*after_id) : pg::Param::null_value(),
         pg::Param::of(batch_text)});
    for (int row = 0; row < candidates.rows(); ++row) {
      // A busy tenant's expired jobs wait for a later claim: recovery is
      // not urgent, and waiting here would queue claimers behind writers.
      if (!try_enter_tenant(candidates.text(row, 1))) continue;
      auto job = first_job(run("lv_lock_expired_job",
                               "SELECT " LV_JOB_COLUMNS " FROM sync_jobs "
                               "WHERE id = $1 AND status = 'running' AND lease_until < $2 "
                               "FOR UPDATE SKIP LOCKED",
                               {pg::Param::of(candidates.text(row, 0)),
                                pg::Param::of(now_text)}));
      if (!job) continue;
      jobs.push_back(std::move(*job));
      if (static_cast<int>(jobs.size()) == limit) return jobs;
    }
    if (candidates.rows() < claim_batch) return jobs;
    const int last = candidates.rows() - 1;
    after_id = std::string(candidates.text(last, 0));
    after_until = std::string(candidates.text(last, 2));
  }
}

bool PostgresSession::update_job_if(const JobRecord& next, JobStatus expected_status,
                                    std::string_view expected_token) {
  require_write_transaction("update_job_if");
  const SyncJob& j = next.job;
  // Tenant row first (the lock order), and the tenant policy then lets the
  // UPDATE touch this tenant's rows only.
  enter_tenant(j.tenant);
  pg::ParamList params;
  params.text(j.id).text(to_string(j.status)).integer(j.progress_percent);
  params.integer(j.records_processed).optional_integer(j.records_total).integer(j.attempt);
  params.integer(j.run_after).optional_text(j.worker_id).text(next.lease_token);
  params.integer(next.lease_ms).optional_integer(j.lease_until);
  params.integer(j.cancel_requested ? 1 : 0).optional_text(j.error);
  if (const char* outcome = outcome_text(j.outcome)) {
    params.text(outcome);
  } else {
    params.null();
  }
  params.optional_text(j.summary).optional_integer(j.started_at);
  params.optional_integer(j.completed_at).integer(j.updated_at);
  params.text(to_string(expected_status)).text(expected_token);
  // Only the columns that can change: the listing indexes' columns
  // (tenant, integration_id, created_at, id) are left alone.
  pg::Result updated = run(
      "lv_update_job_if",
      "UPDATE sync_jobs SET status = $2, progress_percent = $3, records_processed = $4, "
      "records_total = $5, attempt = $6, run_after = $7, worker_id = $8, lease_token = $9, "
      "lease_ms = $10, lease_until = $11, cancel_requested = $12, error = $13, "
      "outcome = $14, summary = $15, started_at = $16, completed_at = $17, updated_at = $18 "
      "WHERE id = $1 AND status = $19 AND lease_token = $20",
      params.params());
  return updated.affected() == 1;
}

bool PostgresSession::update_progress_if(const JobRecord& next, std::string_view expected_token) {
  require_write_transaction("update_progress_if");
  const SyncJob& j = next.job;
  enter_tenant(j.tenant);
  pg::ParamList params;
  params.text(j.id).integer(j.records_processed).optional_integer(j.records_total);
  params.integer(j.progress_percent).integer(next.lease_ms).optional_integer(j.lease_until);
  params.integer(j.updated_at).text(expected_token);
  pg::Result updated = run(
      "lv_update_progress_if",
      "UPDATE sync_jobs SET records_processed = $2, records_total = $3, progress_percent = $4, "
      "lease_ms = $5, lease_until = $6, updated_at = $7 "
      "WHERE id = $1 AND status = 'running' AND lease_token = $8",
      params.params());
  return updated.affected() == 1;
}

}  // namespace linkvault
