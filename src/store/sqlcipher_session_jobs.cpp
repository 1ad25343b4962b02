// The JobStore operations of SqlCipherSession. Every write runs under the
// caller's BEGIN IMMEDIATE, which holds the file's one write lock: that is
// what makes "held against other claimers until commit" true here. The
// one-active-job rule is also a partial unique index (migration 0003).
#include "store/sqlcipher_session.hpp"

#include "core/message_text.hpp"
#include "store/sqlite.hpp"
#include "store/store_rows.hpp"

#include <fmt/format.h>

#include <limits>

namespace linkvault {

namespace {

int column_small_int(const sql::Statement& row, int column, const char* what) {
  return stored_small_int(row.column_int(column), what);
}

JobRecord read_job(const sql::Statement& row) {
  JobRecord record;
  SyncJob& j = record.job;
  j.id = row.column_text(0);
  j.tenant = row.column_text(1);
  j.integration_id = row.column_text(2);
  j.type = parse_stored<JobType>(row.column_text_view(3), parse_job_type, "job type");
  j.status = parse_stored<JobStatus>(row.column_text_view(4), parse_job_status, "job status");
  j.config = row.column_text(5);
  j.progress_percent = column_small_int(row, 6, "job progress_percent");
  j.records_processed = row.column_int(7);
  j.records_total = row.column_optional_int(8);
  j.attempt = column_small_int(row, 9, "job attempt");
  j.max_attempts = column_small_int(row, 10, "job max_attempts");
  j.retry_base_seconds = column_small_int(row, 11, "job retry_base_seconds");
  j.run_after = row.column_int(12);
  j.worker_id = row.column_optional_text(13);
  record.lease_token = row.column_text(14);
  record.lease_ms = row.column_int(15);
  j.lease_until = row.column_optional_int(16);
  j.cancel_requested = row.column_int(17) != 0;
  j.error = row.column_optional_text(18);
  if (!row.is_null(19)) {
    j.outcome =
        parse_stored<SyncOutcome>(row.column_text_view(19), parse_sync_outcome, "job outcome");
  }
  j.summary = row.column_optional_text(20);
  j.created_at = row.column_int(21);
  j.started_at = row.column_optional_int(22);
  j.completed_at = row.column_optional_int(23);
  j.updated_at = row.column_int(24);
  return record;
}

// Binds every column in LV_JOB_COLUMNS order to ?1..?25.
void bind_job(sql::Statement& statement, const JobRecord& record) {
  const SyncJob& j = record.job;
  statement.bind(1, j.id).bind(2, j.tenant).bind(3, j.integration_id);
  statement.bind(4, std::string_view(to_string(j.type)));
  statement.bind(5, std::string_view(to_string(j.status)));
  statement.bind(6, j.config).bind(7, std::int64_t{j.progress_percent});
  statement.bind(8, j.records_processed).bind(9, j.records_total);
  statement.bind(10, std::int64_t{j.attempt}).bind(11, std::int64_t{j.max_attempts});
  statement.bind(12, std::int64_t{j.retry_base_seconds}).bind(13, j.run_after);
  statement.bind(14, j.worker_id).bind(15, record.lease_token).bind(16, record.lease_ms);
  statement.bind(17, j.lease_until).bind(18, std::int64_t{j.cancel_requested ? 1 : 0});
  statement.bind(19, j.error);
  if (j.outcome) {
    statement.bind(20, std::string_view(to_string(*j.outcome)));
  } else {
    statement.bind_null(20);
  }
  statement.bind(21, j.summary).bind(22, j.created_at).bind(23, j.started_at);
  statement.bind(24, j.completed_at).bind(25, j.updated_at);
}

bool type_wanted(JobType type, const std::vector<JobType>& types) {
  if (types.empty()) return true;
  for (const JobType wanted : types) {
    if (wanted == type) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> SqlCipherSession::insert_job_unless_active(const JobRecord& record) {
  require_write_transaction("insert_job_unless_active");
  // OR IGNORE: a row the unique index over active jobs refuses is skipped
  // (no failed statement, so the transaction goes on); the active job's id
  // is then read back.
  auto statement = active_->cached(
      "INSERT OR IGNORE INTO sync_jobs (" LV_JOB_COLUMNS ") VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
      "?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)");
  bind_job(*statement, record);
  statement->run();
  if (active_->changes() == 1) return std::nullopt;
  if (auto active = active_job(record.job.tenant, record.job.integration_id)) {
    return std::move(active->job.id);
  }
  throw Error(ErrorCode::internal,
              fmt::format("job {} was neither inserted nor refused by an active job",
                          quote_for_message(record.job.id)));
}

std::optional<JobRecord> SqlCipherSession::load_job(std::string_view tenant,
                                                    std::string_view id) {
  auto statement = active_->cached(
      "SELECT " LV_JOB_COLUMNS " FROM sync_jobs WHERE id = ?1 AND tenant = ?2");
  statement->bind(1, id).bind(2, tenant);
  if (!statement->step()) return std::nullopt;
  return read_job(*statement);
}

std::optional<JobRecord> SqlCipherSession::find_job(std::string_view id) {
  auto statement = active_->cached("SELECT " LV_JOB_COLUMNS " FROM sync_jobs WHERE id = ?1");
  statement->bind(1, id);
  if (!statement->step()) return std::nullopt;
  return read_job(*statement);
}

std::optional<JobRecord> SqlCipherSession::active_job(std::string_view tenant,
                                                      std::string_view integration_id) {
  auto statement = active_->cached(
      "SELECT " LV_JOB_COLUMNS " FROM sync_jobs INDEXED BY sync_jobs_one_active "
      "WHERE integration_id = ?1 AND status IN ('pending', 'running') AND tenant = ?2");
  statement->bind(1, integration_id).bind(2, tenant);
  if (!statement->step()) return std::nullopt;
  return read_job(*statement);
}

std::vector<SyncJob> SqlCipherSession::list_jobs(std::string_view tenant,
                                                 const JobListFilter& filter) {
  // The cursor is (created_at, id) of the `before` job: strictly older rows.
  const std::int64_t before_at =
      filter.before_created_at.value_or(std::numeric_limits<std::int64_t>::max());
  const std::string_view before_id = filter.before_id ? std::string_view(*filter.before_id) : "";
  const bool has_cursor = filter.before_created_at.has_value();
  std::vector<SyncJob> jobs;
  const auto collect = [&](sql::Statement& statement) {
    while (statement.step()) jobs.push_back(std::move(read_job(statement).job));
  };
  const auto bind_common = [&](sql::Statement& statement) {
    statement.bind(1, tenant).bind(2, before_at).bind(3, before_id);
    statement.bind(4, std::int64_t{has_cursor ? 1 : 0});
    if (filter.status) {
      statement.bind(5, std::string_view(to_string(*filter.status)));
    } else {
      statement.bind_null(5);
    }
    statement.bind(6, std::int64_t{filter.limit});
  };
  if (filter.integration_id) {
    auto statement = active_->cached(
        "SELECT " LV_JOB_COLUMNS " FROM sync_jobs INDEXED BY sync_jobs_by_integration "
        "WHERE tenant = ?1 AND integration_id = ?7 "
        "AND (?4 = 0 OR created_at < ?2 OR (created_at = ?2 AND id < ?3)) "
        "AND (?5 IS NULL OR status = ?5) ORDER BY created_at DESC, id DESC LIMIT ?6");
    bind_common(*statement);
    statement->bind(7, *filter.integration_id);
    collect(*statement);
  } else {
    auto statement = active_->cached(
        "SELECT " LV_JOB_COLUMNS " FROM sync_jobs INDEXED BY sync_jobs_by_tenant "
        "WHERE tenant = ?1 "
        "AND (?4 = 0 OR created_at < ?2 OR (created_at = ?2 AND id < ?3)) "
        "AND (?5 IS NULL OR status = ?5) ORDER BY created_at DESC, id DESC LIMIT ?6");
    bind_common(*statement);
    collect(*statement);
  }
  return jobs;
}

std::optional<JobRecord> SqlCipherSession::next_due_job(TimeMs now,
                                                        const std::vector<JobType>& types) {
  require_write_transaction("next_due_job");
  // The queue index holds pending jobs oldest due first; the type filter is
  // applied while walking it (a handful of types, few skipped). Its own
  // WHERE term is repeated so SQLite 3.15 can use the partial index.
  auto statement = active_->cached(
      "SELECT " LV_JOB_COLUMNS " FROM sync_jobs INDEXED BY sync_jobs_queue "
      "WHERE status IN ('pending', 'running') AND status = 'pending' AND run_after <= ?1 "
      "ORDER BY status, run_after, created_at, id");
  statement->bind(1, now);
  while (statement->step()) {
    JobRecord record = read_job(*statement);
    if (type_wanted(record.job.type, types)) return record;
  }
  return std::nullopt;
}

bool SqlCipherSession::has_due_work(TimeMs now) {
  auto statement = active_->cached(
      "SELECT EXISTS (SELECT 1 FROM sync_jobs INDEXED BY sync_jobs_queue "
      "WHERE status IN ('pending', 'running') AND status = 'pending' AND run_after <= ?1) "
      "OR EXISTS (SELECT 1 FROM sync_jobs INDEXED BY sync_jobs_queue "
      "WHERE status IN ('pending', 'running') AND status = 'running' AND lease_until < ?1)");
  statement->bind(1, now);
  statement->step();
  return statement->column_int(0) != 0;
}

std::vector<JobRecord> SqlCipherSession::expired_jobs(TimeMs now, int limit) {
  require_write_transaction("expired_jobs");
  // Running jobs are few (about one per worker): read them all from the
  // queue index and keep those whose lease has passed.
  auto statement = active_->cached(
      "SELECT " LV_JOB_COLUMNS " FROM sync_jobs INDEXED BY sync_jobs_queue "
      "WHERE status IN ('pending', 'running') AND status = 'running' AND lease_until < ?1 "
      "ORDER BY lease_until LIMIT ?2");
  statement->bind(1, now).bind(2, std::int64_t{limit});
  std::vector<JobRecord> jobs;
  while (statement->step()) jobs.push_back(read_job(*statement));
  return jobs;
}

bool SqlCipherSession::update_job_if(const JobRecord& next, JobStatus expected_status,
                                     std::string_view expected_token) {
  require_write_transaction("update_job_if");
  // Only the columns that can change: the listing indexes (tenant,
  // integration_id, created_at, id) are then left alone.
  const SyncJob& j = next.job;
  auto statement = active_->cached(
      "UPDATE sync_jobs SET status = ?2, progress_percent = ?3, records_processed = ?4, "
      "records_total = ?5, attempt = ?6, run_after = ?7, worker_id = ?8, lease_token = ?9, "
      "lease_ms = ?10, lease_until = ?11, cancel_requested = ?12, error = ?13, "
      "outcome = ?14, summary = ?15, started_at = ?16, completed_at = ?17, updated_at = ?18 "
      "WHERE id = ?1 AND status = ?19 AND lease_token = ?20");
  statement->bind(1, j.id).bind(2, std::string_view(to_string(j.status)));
  statement->bind(3, std::int64_t{j.progress_percent}).bind(4, j.records_processed);
  statement->bind(5, j.records_total).bind(6, std::int64_t{j.attempt}).bind(7, j.run_after);
  statement->bind(8, j.worker_id).bind(9, next.lease_token).bind(10, next.lease_ms);
  statement->bind(11, j.lease_until).bind(12, std::int64_t{j.cancel_requested ? 1 : 0});
  statement->bind(13, j.error);
  if (j.outcome) {
    statement->bind(14, std::string_view(to_string(*j.outcome)));
  } else {
    statement->bind_null(14);
  }
  statement->bind(15, j.summary).bind(16, j.started_at).bind(17, j.completed_at);
  statement->bind(18, j.updated_at);
  statement->bind(19, std::string_view(to_string(expected_status))).bind(20, expected_token);
  statement->run();
  return active_->changes() == 1;
}

bool SqlCipherSession::update_progress_if(const JobRecord& next, std::string_view expected_token) {
  require_write_transaction("update_progress_if");
  const SyncJob& j = next.job;
  auto statement = active_->cached(
      "UPDATE sync_jobs SET records_processed = ?2, records_total = ?3, progress_percent = ?4, "
      "lease_ms = ?5, lease_until = ?6, updated_at = ?7 "
      "WHERE id = ?1 AND status = 'running' AND lease_token = ?8");
  statement->bind(1, j.id).bind(2, j.records_processed).bind(3, j.records_total);
  statement->bind(4, std::int64_t{j.progress_percent}).bind(5, next.lease_ms);
  statement->bind(6, j.lease_until).bind(7, j.updated_at).bind(8, expected_token);
  statement->run();
  return active_->changes() == 1;
}

}  // namespace linkvault
