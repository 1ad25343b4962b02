// The sync-job rules of issue 9 / docs/SEMANTICS.md "Sync jobs", one
// behaviour per case, on a vault whose clock only moves when a test moves it.
// Concurrency and crashes: test_job_workers.cpp, test_job_crash.cpp.
#include "vault_fixture.hpp"

#include "core/job_transitions.hpp"
#include "jobs/retry_backoff.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

constexpr std::chrono::milliseconds lease_30s{30'000};

struct JobFixture : VaultFixture {
  Tenant tenant = vault.tenant("acme");
  Integration slack = connect_slack(tenant);

  SyncJob enqueue(JobType type = JobType::full_import, EnqueueOptions options = {}) {
    return tenant.enqueue_sync(admin, slack.id, type, options);
  }
  SyncJob claim(const char* worker = "worker-1", std::chrono::milliseconds lease = lease_30s) {
    ClaimOptions options;
    options.lease = lease;
    auto job = vault.claim_job(worker, options);
    REQUIRE(job.has_value());
    return *job;
  }
  std::vector<std::string> actions(const std::string& integration_id) {
    std::vector<std::string> out;
    for (const auto& entry : tenant.activity(integration_id)) out.push_back(entry.action);
    return out;  // newest first
  }
};

JobProgress progress(std::int64_t processed, std::optional<std::int64_t> total = std::nullopt) {
  JobProgress p;
  p.processed = processed;
  p.total = total;
  return p;
}

}  // namespace

TEST_CASE("enqueue_sync queues a pending job and logs sync_queued") {
  JobFixture f;
  EnqueueOptions options;
  options.config = R"({"since":"2026-01-01"})";
  options.max_attempts = 5;
  options.retry_base_seconds = 10;
  const SyncJob job = f.enqueue(JobType::full_import, options);
  CHECK(job.id.size() == 36);
  CHECK(job.tenant == "acme");
  CHECK(job.integration_id == f.slack.id);
  CHECK(job.type == JobType::full_import);
  CHECK(job.status == JobStatus::pending);
  CHECK(job.config == R"({"since":"2026-01-01"})");
  CHECK(job.progress_percent == 0);
  CHECK(job.records_processed == 0);
  CHECK_FALSE(job.records_total.has_value());
  CHECK(job.attempt == 0);
  CHECK(job.max_attempts == 5);
  CHECK(job.retry_base_seconds == 10);
  CHECK(job.run_after == f.clock->now_ms());
  CHECK(job.created_at == f.clock->now_ms());
  CHECK_FALSE(job.worker_id.has_value());
  CHECK_FALSE(job.started_at.has_value());

  const SyncJob stored = f.tenant.get_job(job.id);
  CHECK(stored.config == job.config);
  CHECK(stored.status == JobStatus::pending);
  const auto log = f.tenant.activity(f.slack.id);
  REQUIRE(log.size() == 2);
  CHECK(log[0].action == "sync_queued");
  CHECK(log[0].user_id == "u-admin");
  CHECK(log[0].details.find(job.id) != std::string::npos);
}

TEST_CASE("enqueue_sync needs admin or system and changes nothing otherwise") {
  JobFixture f;
  CHECK(code_of([&] { f.tenant.enqueue_sync(member, f.slack.id, JobType::export_); }) ==
        ErrorCode::permission_denied);
  CHECK(f.tenant.jobs().empty());
  CHECK(f.tenant.enqueue_sync(system_actor, f.slack.id, JobType::export_).type ==
        JobType::export_);
}

TEST_CASE("enqueue_sync refuses integrations that are not connected") {
  JobFixture f;
  SUBCASE("unknown or another tenant's integration is NOT_FOUND") {
    CHECK(code_of([&] { f.tenant.enqueue_sync(admin, "nope", JobType::full_import); }) ==
          ErrorCode::not_found);
    auto other = f.vault.tenant("globex");
    CHECK(code_of([&] { other.enqueue_sync(admin, f.slack.id, JobType::full_import); }) ==
          ErrorCode::not_found);
  }
  SUBCASE("error status") {
    f.tenant.mark_error(admin, f.slack.id, "token revoked");
    CHECK(code_of([&] { f.enqueue(); }) == ErrorCode::failed_precondition);
  }
  SUBCASE("disconnected") {
    f.tenant.disconnect(admin, f.slack.id);
    CHECK(code_of([&] { f.enqueue(); }) == ErrorCode::failed_precondition);
  }
  CHECK(f.tenant.jobs().empty());
}

TEST_CASE("one active job per integration: a second enqueue is CONFLICT") {
  JobFixture f;
  const SyncJob first = f.enqueue();
  CHECK(code_of([&] { f.enqueue(JobType::incremental_sync); }) == ErrorCode::conflict);
  f.claim();
  CHECK(code_of([&] { f.enqueue(JobType::incremental_sync); }) == ErrorCode::conflict);
  f.vault.complete_job(first.id, "worker-1");
  CHECK(f.enqueue(JobType::incremental_sync).status == JobStatus::pending);
  // Another integration of the same tenant is independent.
  const auto second = f.connect_slack(f.tenant, "second");
  CHECK(f.tenant.enqueue_sync(admin, second.id, JobType::full_import).status ==
        JobStatus::pending);
}

TEST_CASE("the one-active-job rule holds in the store itself, below the checks") {
  JobFixture f;
  const SyncJob first = f.enqueue();
  // A second active row for the same integration, written past the library.
  CHECK(code_of([&] {
          f.raw_exec("acme",
                     {"INSERT INTO sync_jobs (id, tenant, integration_id, type, status, config, "
                      "max_attempts, retry_base_seconds, run_after, created_at, updated_at) "
                      "VALUES ('x', 'acme', ?1, 'export', 'running', '{}', 3, 30, 0, 0, 0)"},
                     {f.slack.id});
        }) != ErrorCode::ok);
  CHECK(f.tenant.jobs().size() == 1);
  CHECK(f.tenant.get_job(first.id).status == JobStatus::pending);
}

TEST_CASE("enqueue_sync validates type, config and attempts") {
  JobFixture f;
  EnqueueOptions options;
  SUBCASE("config must be a JSON object") {
    for (const char* bad : {"", "[]", "1", "\"x\"", "{", "{\"a\":}", "null"}) {
      options.config = bad;
      CHECK_MESSAGE(code_of([&] { f.enqueue(JobType::full_import, options); }) ==
                        ErrorCode::invalid_argument,
                    bad);
    }
    options.config = "{\"big\":\"" + std::string(max_job_json_bytes, 'x') + "\"}";
    CHECK(code_of([&] { f.enqueue(JobType::full_import, options); }) ==
          ErrorCode::invalid_argument);
  }
  SUBCASE("max_attempts is 1..20") {
    for (int bad : {0, -1, 21}) {
      options.max_attempts = bad;
      CHECK(code_of([&] { f.enqueue(JobType::full_import, options); }) ==
            ErrorCode::invalid_argument);
    }
  }
  SUBCASE("retry_base_seconds is 0..3600") {
    for (int bad : {-1, 3601}) {
      options.retry_base_seconds = bad;
      CHECK(code_of([&] { f.enqueue(JobType::full_import, options); }) ==
            ErrorCode::invalid_argument);
    }
  }
  SUBCASE("a type outside the enum") {
    CHECK(code_of([&] { f.enqueue(static_cast<JobType>(42)); }) == ErrorCode::invalid_argument);
  }
  CHECK(f.tenant.jobs().empty());
  CHECK(parse_job_type("export") == JobType::export_);
  CHECK_FALSE(parse_job_type("Export").has_value());
}

TEST_CASE("get_job and jobs are scoped by tenant") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  auto other = f.vault.tenant("globex");
  CHECK(code_of([&] { other.get_job(job.id); }) == ErrorCode::not_found);
  CHECK(code_of([&] { f.tenant.get_job("no-such-job"); }) == ErrorCode::not_found);
  CHECK(other.jobs().empty());
  CHECK(code_of([&] { other.cancel_job(admin, job.id); }) == ErrorCode::not_found);
  CHECK(f.tenant.get_job(job.id).status == JobStatus::pending);
}

TEST_CASE("jobs lists newest first, filters and pages") {
  JobFixture f;
  const auto second = f.connect_slack(f.tenant, "second");
  std::vector<std::string> ids;  // oldest first
  for (int i = 0; i < 4; ++i) {
    const SyncJob job = f.enqueue();
    ids.push_back(job.id);
    f.clock->advance(1000);
    f.tenant.cancel_job(admin, job.id);
  }
  const SyncJob other = f.tenant.enqueue_sync(admin, second.id, JobType::export_);

  const auto all = f.tenant.jobs();
  REQUIRE(all.size() == 5);
  CHECK(all[0].id == other.id);
  CHECK(all[1].id == ids[3]);
  CHECK(all[4].id == ids[0]);

  JobQuery query;
  query.integration_id = f.slack.id;
  query.limit = 2;
  const auto page1 = f.tenant.jobs(query);
  REQUIRE(page1.size() == 2);
  CHECK(page1[0].id == ids[3]);
  CHECK(page1[1].id == ids[2]);
  query.before = page1[1].id;
  const auto page2 = f.tenant.jobs(query);
  REQUIRE(page2.size() == 2);
  CHECK(page2[0].id == ids[1]);
  CHECK(page2[1].id == ids[0]);

  JobQuery pending;
  pending.status = JobStatus::pending;
  const auto active = f.tenant.jobs(pending);
  REQUIRE(active.size() == 1);
  CHECK(active[0].id == other.id);

  SUBCASE("bad queries") {
    JobQuery bad;
    bad.limit = 0;
    CHECK(code_of([&] { f.tenant.jobs(bad); }) == ErrorCode::invalid_argument);
    bad.limit = 1001;
    CHECK(code_of([&] { f.tenant.jobs(bad); }) == ErrorCode::invalid_argument);
    JobQuery unknown_cursor;
    unknown_cursor.before = "nope";
    CHECK(code_of([&] { f.tenant.jobs(unknown_cursor); }) == ErrorCode::not_found);
    JobQuery unknown_integration;
    unknown_integration.integration_id = "nope";
    CHECK(code_of([&] { f.tenant.jobs(unknown_integration); }) == ErrorCode::not_found);
  }
}

TEST_CASE("claim_job takes the oldest due job, starts it and logs sync_started") {
  JobFixture f;
  CHECK_FALSE(f.vault.claim_job("worker-1").has_value());
  const auto second = f.connect_slack(f.tenant, "second");
  const SyncJob older = f.enqueue();
  f.clock->advance(5);
  const SyncJob newer = f.tenant.enqueue_sync(admin, second.id, JobType::export_);

  const SyncJob claimed = f.claim("worker-1");
  CHECK(claimed.id == older.id);
  CHECK(claimed.status == JobStatus::running);
  CHECK(claimed.attempt == 1);
  CHECK(claimed.worker_id == "worker-1");
  CHECK(claimed.lease_until == f.clock->now_ms() + 30'000);
  CHECK(claimed.started_at == f.clock->now_ms());
  CHECK(f.tenant.get_job(older.id).status == JobStatus::running);
  const auto log = f.tenant.activity(f.slack.id);
  CHECK(log[0].action == "sync_started");
  CHECK(log[0].user_id == "worker-1");

  CHECK(f.claim("worker-2").id == newer.id);
  CHECK_FALSE(f.vault.claim_job("worker-3").has_value());
}

TEST_CASE("claim_job filters by type and skips jobs not yet due") {
  JobFixture f;
  const auto second = f.connect_slack(f.tenant, "second");
  const SyncJob import = f.enqueue(JobType::full_import);
  const SyncJob exporting = f.tenant.enqueue_sync(admin, second.id, JobType::export_);
  ClaimOptions exports;
  exports.types = {JobType::export_, JobType::field_mapping_update};
  const auto claimed = f.vault.claim_job("exporter", exports);
  REQUIRE(claimed.has_value());
  CHECK(claimed->id == exporting.id);
  CHECK_FALSE(f.vault.claim_job("exporter", exports).has_value());
  CHECK(f.claim("importer").id == import.id);

  // A job failed retryably is not due before its run_after.
  f.vault.fail_job(import.id, "importer", "provider 503");
  CHECK_FALSE(f.vault.claim_job("importer").has_value());
  f.clock->set(f.tenant.get_job(import.id).run_after);
  CHECK(f.claim("importer").attempt == 2);
}

TEST_CASE("claim_job validates the worker and the lease") {
  JobFixture f;
  f.enqueue();
  ClaimOptions options;
  CHECK(code_of([&] { f.vault.claim_job("", options); }) == ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.vault.claim_job(std::string(129, 'w'), options); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.vault.claim_job("bad\xff", options); }) == ErrorCode::invalid_argument);
  options.lease = std::chrono::milliseconds(0);
  CHECK(code_of([&] { f.vault.claim_job("w", options); }) == ErrorCode::invalid_argument);
  options.lease = std::chrono::hours(25);
  CHECK(code_of([&] { f.vault.claim_job("w", options); }) == ErrorCode::invalid_argument);
  options.lease = lease_30s;
  options.types = {static_cast<JobType>(9)};
  CHECK(code_of([&] { f.vault.claim_job("w", options); }) == ErrorCode::invalid_argument);
  CHECK(f.tenant.jobs()[0].status == JobStatus::pending);
}

TEST_CASE("heartbeat records progress and renews the holder's lease") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-1", std::chrono::milliseconds(10'000));
  f.clock->advance(4000);
  SyncJob beat = f.vault.heartbeat(job.id, "worker-1", progress(10, 100));
  CHECK(beat.records_processed == 10);
  CHECK(beat.records_total == 100);
  CHECK(beat.progress_percent == 10);
  CHECK(beat.lease_until == f.clock->now_ms() + 10'000);  // the claim's length
  beat = f.vault.heartbeat(job.id, "worker-1", progress(33), std::chrono::milliseconds(60'000));
  CHECK(beat.records_total == 100);  // kept
  CHECK(beat.progress_percent == 33);
  CHECK(beat.lease_until == f.clock->now_ms() + 60'000);
  beat = f.vault.heartbeat(job.id, "worker-1", progress(2, 3));
  CHECK(beat.progress_percent == 66);  // floor
  beat = f.vault.heartbeat(job.id, "worker-1");
  CHECK(beat.records_processed == 2);
  CHECK(f.tenant.get_job(job.id).records_processed == 2);
}

TEST_CASE("heartbeat refuses bad progress, strangers and jobs not running") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "worker-1"); }) ==
        ErrorCode::failed_precondition);
  f.claim("worker-1");
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "worker-2"); }) == ErrorCode::conflict);
  CHECK(code_of([&] { f.vault.heartbeat("no-such-job", "worker-1"); }) == ErrorCode::not_found);
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "worker-1", progress(-1)); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "worker-1", progress(0, -5)); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "worker-1", progress(11, 10)); }) ==
        ErrorCode::invalid_argument);
  f.vault.heartbeat(job.id, "worker-1", progress(5, 10));
  JobProgress more;
  more.processed = 11;  // over the stored total
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "worker-1", more); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] {
          f.vault.heartbeat(job.id, "worker-1", {}, std::chrono::milliseconds(0));
        }) == ErrorCode::invalid_argument);
  CHECK(f.tenant.get_job(job.id).records_processed == 5);
  f.vault.complete_job(job.id, "worker-1");
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "worker-1"); }) ==
        ErrorCode::failed_precondition);
}

TEST_CASE("complete_job finishes the job and records the sync on the integration") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-1");
  f.vault.heartbeat(job.id, "worker-1", progress(40, 80));
  f.clock->advance(2500);
  SUBCASE("success") {
    const SyncJob done =
        f.vault.complete_job(job.id, "worker-1", SyncOutcome::success, R"({"created":40})");
    CHECK(done.status == JobStatus::completed);
    CHECK(done.outcome == SyncOutcome::success);
    CHECK(done.progress_percent == 100);
    CHECK(done.summary == R"({"created":40})");
    CHECK(done.completed_at == f.clock->now_ms());
    CHECK_FALSE(done.lease_until.has_value());
    const Integration i = f.tenant.get(f.slack.id);
    CHECK(i.last_sync_at == f.clock->now_ms());
    CHECK(i.last_sync_status == SyncOutcome::success);
    CHECK(f.actions(f.slack.id)[0] == "sync_completed");
  }
  SUBCASE("partial keeps the progress") {
    const SyncJob done = f.vault.complete_job(job.id, "worker-1", SyncOutcome::partial);
    CHECK(done.outcome == SyncOutcome::partial);
    CHECK(done.progress_percent == 50);
    CHECK_FALSE(done.summary.has_value());
    CHECK(f.tenant.get(f.slack.id).last_sync_status == SyncOutcome::partial);
  }
}

TEST_CASE("complete_job refuses strangers, failures and bad summaries") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  CHECK(code_of([&] { f.vault.complete_job(job.id, "worker-1"); }) ==
        ErrorCode::failed_precondition);
  f.claim("worker-1");
  CHECK(code_of([&] { f.vault.complete_job(job.id, "worker-2"); }) == ErrorCode::conflict);
  CHECK(code_of([&] { f.vault.complete_job(job.id, "worker-1", SyncOutcome::failed); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] {
          f.vault.complete_job(job.id, "worker-1", SyncOutcome::success, std::string("[1]"));
        }) == ErrorCode::invalid_argument);
  CHECK(f.tenant.get_job(job.id).status == JobStatus::running);
  f.vault.complete_job(job.id, "worker-1");
  CHECK(code_of([&] { f.vault.complete_job(job.id, "worker-1"); }) ==
        ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.vault.fail_job(job.id, "worker-1", "late"); }) ==
        ErrorCode::failed_precondition);
}

TEST_CASE("fail_job retries with exponential backoff, then fails for good") {
  JobFixture f;
  EnqueueOptions options;
  options.max_attempts = 3;
  options.retry_base_seconds = 30;
  const SyncJob job = f.enqueue(JobType::full_import, options);

  f.claim("worker-1");
  TimeMs now = f.clock->now_ms();
  SyncJob failed = f.vault.fail_job(job.id, "worker-1", "provider 503");
  CHECK(failed.status == JobStatus::pending);
  CHECK(failed.error == "provider 503");
  CHECK(failed.run_after >= now + 24'000);  // 30 s ± 20 %
  CHECK(failed.run_after <= now + 36'000);
  CHECK_FALSE(failed.lease_until.has_value());
  CHECK(f.actions(f.slack.id)[0] == "sync_started");  // a retry is not logged

  f.clock->set(failed.run_after);
  CHECK(f.claim("worker-1").attempt == 2);
  now = f.clock->now_ms();
  failed = f.vault.fail_job(job.id, "worker-1", "provider 503 again");
  CHECK(failed.run_after >= now + 48'000);  // 60 s ± 20 %
  CHECK(failed.run_after <= now + 72'000);

  f.clock->set(failed.run_after);
  CHECK(f.claim("worker-1").attempt == 3);
  failed = f.vault.fail_job(job.id, "worker-1", "still down");
  CHECK(failed.status == JobStatus::failed);
  CHECK(failed.outcome == SyncOutcome::failed);
  CHECK(failed.error == "still down");
  CHECK(failed.completed_at == f.clock->now_ms());
  const Integration i = f.tenant.get(f.slack.id);
  CHECK(i.last_sync_status == SyncOutcome::failed);
  CHECK(f.actions(f.slack.id)[0] == "sync_failed");
}

TEST_CASE("fail_job not retryable fails at once; bad errors are refused") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-1");
  CHECK(code_of([&] { f.vault.fail_job(job.id, "worker-2", "x"); }) == ErrorCode::conflict);
  CHECK(code_of([&] { f.vault.fail_job(job.id, "worker-1", ""); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] {
          f.vault.fail_job(job.id, "worker-1", std::string(max_message_bytes + 1, 'e'));
        }) == ErrorCode::invalid_argument);
  const SyncJob failed = f.vault.fail_job(job.id, "worker-1", "bad credentials", false);
  CHECK(failed.status == JobStatus::failed);
  CHECK(failed.attempt == 1);
}

TEST_CASE("retry delays double, cap at an hour and stay within the jitter") {
  CHECK(retry_delay_ms(30, 1, 1.0) == 30'000);
  CHECK(retry_delay_ms(30, 2, 1.0) == 60'000);
  CHECK(retry_delay_ms(30, 5, 1.0) == 480'000);
  CHECK(retry_delay_ms(30, 20, 1.0) == 3'600'000);
  CHECK(retry_delay_ms(30, 20, 1.2) == 3'600'000);
  CHECK(retry_delay_ms(30, 20, 0.8) == 2'880'000);
  CHECK(retry_delay_ms(30, 1, 0.8) == 24'000);
  CHECK(retry_delay_ms(0, 7, 1.2) == 0);
  CHECK(retry_delay_ms(3600, 1, 1.2) == 3'600'000);
  for (int i = 0; i < 1000; ++i) {
    const double jitter = random_retry_jitter();
    CHECK(jitter >= 0.8);
    CHECK(jitter <= 1.2);
  }
}

TEST_CASE("an expired lease is recovered: retried while attempts remain, then failed") {
  JobFixture f;
  EnqueueOptions options;
  options.max_attempts = 2;
  const SyncJob job = f.enqueue(JobType::full_import, options);
  f.claim("worker-1", std::chrono::milliseconds(1000));
  f.clock->advance(1000);
  CHECK(f.vault.recover_expired_jobs() == 0);  // lease_until is not yet passed
  f.clock->advance(1);
  CHECK(f.vault.recover_expired_jobs() == 1);
  SyncJob recovered = f.tenant.get_job(job.id);
  CHECK(recovered.status == JobStatus::pending);
  CHECK(recovered.error == "lease expired");
  CHECK(recovered.run_after == f.clock->now_ms());
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "worker-1"); }) ==
        ErrorCode::failed_precondition);

  // Claiming recovers on its own; this time the last attempt runs out.
  CHECK(f.claim("worker-2", std::chrono::milliseconds(1000)).attempt == 2);
  f.clock->advance(5000);
  CHECK_FALSE(f.vault.claim_job("worker-3").has_value());
  recovered = f.tenant.get_job(job.id);
  CHECK(recovered.status == JobStatus::failed);
  CHECK(recovered.error == "lease expired");
  CHECK(recovered.outcome == SyncOutcome::failed);
  CHECK(f.tenant.get(f.slack.id).last_sync_status == SyncOutcome::failed);
  const auto log = f.tenant.activity(f.slack.id);
  CHECK(log[0].action == "sync_failed");
  CHECK(log[0].user_id == "system");
  CHECK(code_of([&] { f.vault.complete_job(job.id, "worker-2"); }) ==
        ErrorCode::failed_precondition);
}

TEST_CASE("a reclaimed job belongs to its new holder: the old one gets CONFLICT") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  f.claim("slow", std::chrono::milliseconds(1000));
  f.clock->advance(1001);
  const SyncJob reclaimed = f.claim("fast");
  CHECK(reclaimed.id == job.id);
  CHECK(reclaimed.attempt == 2);
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "slow"); }) == ErrorCode::conflict);
  CHECK(code_of([&] { f.vault.complete_job(job.id, "slow"); }) == ErrorCode::conflict);
  CHECK(code_of([&] { f.vault.fail_job(job.id, "slow", "x"); }) == ErrorCode::conflict);
  CHECK(f.vault.complete_job(job.id, "fast").status == JobStatus::completed);
}

TEST_CASE("a holder whose lease passed may go on until someone recovers the job") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-1", std::chrono::milliseconds(1000));
  f.clock->advance(5000);
  CHECK(f.vault.heartbeat(job.id, "worker-1").lease_until == f.clock->now_ms() + 1000);
  CHECK(f.vault.complete_job(job.id, "worker-1").status == JobStatus::completed);
  CHECK(f.vault.recover_expired_jobs() == 0);
}

TEST_CASE("cancel_job cancels a pending job at once") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  CHECK(code_of([&] { f.tenant.cancel_job(member, job.id); }) == ErrorCode::permission_denied);
  const SyncJob cancelled = f.tenant.cancel_job(admin, job.id);
  CHECK(cancelled.status == JobStatus::cancelled);
  CHECK(cancelled.completed_at == f.clock->now_ms());
  CHECK(f.actions(f.slack.id)[0] == "sync_cancelled");
  CHECK_FALSE(f.vault.claim_job("worker-1").has_value());
  CHECK(code_of([&] { f.tenant.cancel_job(admin, job.id); }) == ErrorCode::failed_precondition);
  CHECK(f.enqueue().status == JobStatus::pending);  // the slot is free again
}

TEST_CASE("cancel_job on a running job asks the holder, whose heartbeat stops it") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-1");
  SyncJob requested = f.tenant.cancel_job(admin, job.id);
  CHECK(requested.status == JobStatus::running);
  CHECK(requested.cancel_requested);
  CHECK(f.tenant.cancel_job(admin, job.id).cancel_requested);  // again: the same
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "worker-2"); }) == ErrorCode::conflict);
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "worker-1", progress(3, 9)); }) ==
        ErrorCode::cancelled);
  const SyncJob cancelled = f.tenant.get_job(job.id);
  CHECK(cancelled.status == JobStatus::cancelled);
  CHECK(cancelled.records_processed == 3);
  CHECK_FALSE(cancelled.lease_until.has_value());
  CHECK(f.actions(f.slack.id)[0] == "sync_cancelled");
  CHECK(code_of([&] { f.vault.complete_job(job.id, "worker-1"); }) ==
        ErrorCode::failed_precondition);
}

TEST_CASE("a cancel-requested job is not retried: its failure is final") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-1");
  f.tenant.cancel_job(admin, job.id);
  CHECK(f.vault.fail_job(job.id, "worker-1", "stopping", true).status == JobStatus::failed);
}

TEST_CASE("disconnect cancels the pending job and asks the running one to stop") {
  JobFixture f;
  const auto second = f.connect_slack(f.tenant, "second");
  const SyncJob pending = f.enqueue();
  const SyncJob running = f.tenant.enqueue_sync(admin, second.id, JobType::export_);
  ClaimOptions exports;
  exports.types = {JobType::export_};
  REQUIRE(f.vault.claim_job("worker-1", exports).has_value());

  f.tenant.disconnect(admin, f.slack.id);
  CHECK(f.tenant.get_job(pending.id).status == JobStatus::cancelled);
  const auto log = f.actions(f.slack.id);
  CHECK(log[0] == "disconnected");
  CHECK(log[1] == "sync_cancelled");

  f.tenant.disconnect(admin, second.id);
  CHECK(f.tenant.get_job(running.id).cancel_requested);
  CHECK(code_of([&] { f.vault.heartbeat(running.id, "worker-1"); }) == ErrorCode::cancelled);
  CHECK(f.vault.verify_audit().ok);
}

TEST_CASE("an expired cancel-requested job is cancelled, not retried") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-1", std::chrono::milliseconds(100));
  f.tenant.cancel_job(admin, job.id);
  f.clock->advance(200);
  CHECK(f.vault.recover_expired_jobs() == 1);
  CHECK(f.tenant.get_job(job.id).status == JobStatus::cancelled);
}

TEST_CASE("schedule_due_syncs queues auto syncs that are due, as the system") {
  JobFixture f;
  ConnectOptions automatic;
  automatic.name = "auto";
  automatic.sync_config = SyncConfig{true, 15, SyncDirection::import_only,
                                     ConflictResolution::newest_wins, false};
  const auto auto_sync = f.tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-a"}}),
                                          automatic);
  ConnectOptions manual = automatic;
  manual.name = "manual";
  manual.sync_config->auto_sync = false;
  f.tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-b"}}), manual);
  ConnectOptions gone = automatic;
  gone.name = "gone";
  const auto disconnected =
      f.tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-c"}}), gone);
  f.tenant.disconnect(admin, disconnected.id);
  auto globex = f.vault.tenant("globex");
  const auto other =
      globex.connect(admin, "slack", creds({{"bot_token", "xoxb-d"}}), automatic);

  auto queued = f.vault.schedule_due_syncs();  // never synced: both due
  REQUIRE(queued.size() == 2);
  std::set<std::string> integrations;
  for (const auto& job : queued) {
    integrations.insert(job.integration_id);
    CHECK(job.type == JobType::incremental_sync);
  }
  CHECK(integrations == std::set<std::string>{auto_sync.id, other.id});
  CHECK(f.tenant.activity(auto_sync.id)[0].user_id == "system");
  CHECK(f.vault.schedule_due_syncs().empty());  // they have active jobs

  // Run ours; it is due again 15 minutes after it ended, not before.
  ClaimOptions any;
  while (auto job = f.vault.claim_job("worker-1", any)) {
    f.vault.complete_job(job->id, "worker-1");
  }
  f.clock->advance(15 * 60'000 - 1);
  CHECK(f.vault.schedule_due_syncs().empty());
  f.clock->advance(1);
  CHECK(f.vault.schedule_due_syncs().size() == 2);
}

TEST_CASE("purge_tenant counts and deletes the tenant's jobs") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-1");
  f.vault.complete_job(job.id, "worker-1");
  f.enqueue();
  auto globex = f.vault.tenant("globex");
  const auto other = f.connect_slack(globex);
  globex.enqueue_sync(admin, other.id, JobType::full_import);
  const PurgeReport report = f.vault.purge_tenant(admin, "acme");
  CHECK(report.jobs == 2);
  CHECK(f.vault.tenant("acme").jobs().empty());
  CHECK(globex.jobs().size() == 1);
  const auto next = f.vault.claim_job("worker-1");
  REQUIRE(next.has_value());
  CHECK(next->tenant == "globex");
}

TEST_CASE("every job transition is in the table; others are refused") {
  for (const JobStatus from : {JobStatus::completed, JobStatus::failed, JobStatus::cancelled}) {
    for (int e = 0; e <= static_cast<int>(JobEvent::acknowledge_cancel); ++e) {
      CHECK_FALSE(next_status(from, static_cast<JobEvent>(e)).has_value());
    }
  }
  CHECK(next_status(JobStatus::pending, JobEvent::claim) == JobStatus::running);
  CHECK_FALSE(next_status(JobStatus::pending, JobEvent::complete).has_value());
  CHECK_FALSE(next_status(JobStatus::pending, JobEvent::heartbeat).has_value());
  CHECK_FALSE(next_status(JobStatus::running, JobEvent::claim).has_value());
  CHECK_FALSE(next_status(JobStatus::running, JobEvent::cancel).has_value());
  CHECK(code_of([] { require_transition("j", JobStatus::failed, JobEvent::claim); }) ==
        ErrorCode::failed_precondition);
}

TEST_CASE("a closed vault refuses the job operations") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  f.vault.close();
  CHECK(code_of([&] { f.vault.claim_job("w"); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.vault.heartbeat(job.id, "w"); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.vault.recover_expired_jobs(); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.vault.schedule_due_syncs(); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.tenant.get_job(job.id); }) == ErrorCode::failed_precondition);
}

TEST_CASE("the job chain verifies after a full life cycle") {
  JobFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-1");
  f.vault.heartbeat(job.id, "worker-1", progress(1, 2));
  f.vault.complete_job(job.id, "worker-1");
  const auto log = f.actions(f.slack.id);
  CHECK(log == std::vector<std::string>{"sync_completed", "sync_started", "sync_queued",
                                        "connected"});
  CHECK(f.vault.verify_audit().ok);
}

TEST_CASE("a schema 2 vault migrates to sync jobs and keeps its integrations" *
          doctest::test_suite("sqlcipher")) {
  JobFixture f;
  {
    // Back to what a library before schema 3 left behind (schemas 4 and
    // 5's tables and index go too: they come after).
    auto raw = f.raw();
    raw->exec("DROP TABLE records");
    raw->exec("DROP TABLE field_mappings");
    raw->exec("DROP INDEX integrations_expiring");
    raw->exec("DROP TABLE token_refresh");
    raw->exec("DROP TABLE oauth_clients");
    raw->exec("DROP TABLE oauth_grants");
    raw->exec("DROP TABLE rate_buckets");
    raw->exec("DROP TABLE sync_jobs");
    raw->exec("PRAGMA user_version = 2");
  }
  f.vault.close();
  f.vault = Vault::open(f.path, f.master, options_with(f.clock));
  {
    auto raw = f.raw();
    sql::Statement version(raw->handle(), "PRAGMA user_version");
    REQUIRE(version.step());
    CHECK(version.column_int(0) == latest_schema_version());
  }
  auto tenant = f.vault.tenant("acme");
  CHECK(tenant.get(f.slack.id).status == IntegrationStatus::connected);
  CHECK(tenant.enqueue_sync(admin, f.slack.id, JobType::full_import).status ==
        JobStatus::pending);
  CHECK(f.vault.verify_audit().ok);
}
