// Sync jobs under concurrency: many worker threads on one vault never claim a
// job twice and each sees its job's progress only grow; a worker whose lease
// ran out loses its job to the next claimer and can no longer touch it, on
// the system clock (real sleeps) and on a ManualClock (no sleeping); a lease
// that runs out on the last attempt fails the job. The per-rule cases are in
// test_sync_jobs.cpp; the multi-process SIGKILL test is test_job_crash.cpp.
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <mutex>
#include <thread>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

// What one worker thread saw of one job: the values each heartbeat returned.
struct Observed {
  std::string job_id;
  std::vector<std::int64_t> processed;
  std::vector<int> percent;
};

std::size_t count_action(const std::vector<ActivityEntry>& entries, std::string_view action) {
  return static_cast<std::size_t>(std::count_if(
      entries.begin(), entries.end(), [&](const ActivityEntry& e) { return e.action == action; }));
}

ClaimOptions lease_of(std::chrono::milliseconds lease) {
  ClaimOptions options;
  options.lease = lease;
  return options;
}

}  // namespace

TEST_CASE("10 worker threads sync 10 integrations at once: all complete, progress only grows, no job is claimed twice") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  constexpr int job_count = 10;
  constexpr int worker_count = 10;
  constexpr std::int64_t total = 200;
  constexpr std::int64_t step = 20;  // ten heartbeats per job

  std::map<std::string, std::string> integration_of_job;
  for (int n = 0; n < job_count; ++n) {
    const auto integration = f.connect_slack(tenant, ("sync-" + std::to_string(n)).c_str());
    const auto job = tenant.enqueue_sync(admin, integration.id, JobType::full_import);
    integration_of_job[job.id] = integration.id;
  }

  std::mutex mutex;
  std::map<std::string, int> claims;  // job id -> claims it got
  std::vector<std::vector<Observed>> seen(worker_count);
  std::vector<std::string> errors;
  std::atomic<int> completed{0};
  // Every worker's first claim races the others'.
  std::latch start(worker_count);

  std::vector<std::thread> workers;
  for (int w = 0; w < worker_count; ++w) {
    workers.emplace_back([&, w] {
      const std::string worker_id = "worker-" + std::to_string(w);
      try {
        start.arrive_and_wait();
        // Until every job is done: a worker that finds nothing due waits
        // for the others rather than leaving early, so a job that went back
        // to the queue would still be taken.
        while (completed.load() < job_count) {
          const auto job = f.vault.claim_job(worker_id);
          if (!job) {
            // A short nap, not a spin: spinning claimers would crowd the
            // heartbeats out of the write lock.
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
          }
          {
            std::lock_guard lock(mutex);
            ++claims[job->id];
          }
          Observed observed{job->id, {job->records_processed}, {job->progress_percent}};
          for (std::int64_t processed = step; processed <= total; processed += step) {
            const auto beat = f.vault.heartbeat(job->id, worker_id, JobProgress{processed, total});
            observed.processed.push_back(beat.records_processed);
            observed.percent.push_back(beat.progress_percent);
            std::this_thread::yield();
          }
          f.vault.complete_job(job->id, worker_id, SyncOutcome::success,
                               R"({"imported":)" + std::to_string(total) + "}");
          seen[static_cast<std::size_t>(w)].push_back(std::move(observed));
          ++completed;
        }
      } catch (const std::exception& error) {
        std::lock_guard lock(mutex);
        errors.push_back(worker_id + ": " + error.what());
        completed = job_count;  // let the others stop too
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (const auto& error : errors) FAIL_CHECK(error);
  REQUIRE(errors.empty());

  // No job was claimed twice, and every job was claimed.
  CHECK(claims.size() == job_count);
  for (const auto& [job_id, count] : claims) {
    CAPTURE(job_id);
    CHECK(count == 1);
  }

  // Each worker saw its jobs' progress only grow, ending at the total.
  std::size_t observed_jobs = 0;
  for (const auto& per_worker : seen) {
    for (const auto& observed : per_worker) {
      ++observed_jobs;
      CAPTURE(observed.job_id);
      CHECK(std::is_sorted(observed.processed.begin(), observed.processed.end()));
      CHECK(std::adjacent_find(observed.processed.begin(), observed.processed.end()) ==
            observed.processed.end());  // every heartbeat moved it
      CHECK(std::is_sorted(observed.percent.begin(), observed.percent.end()));
      CHECK(observed.processed.front() == 0);
      CHECK(observed.processed.back() == total);
      CHECK(observed.percent.back() == 100);
    }
  }
  CHECK(observed_jobs == job_count);

  // The vault agrees: each job completed on its first attempt, by the
  // worker that claimed it, and was started and completed once.
  for (const auto& [job_id, integration_id] : integration_of_job) {
    CAPTURE(job_id);
    const auto job = tenant.get_job(job_id);
    CHECK(job.status == JobStatus::completed);
    CHECK(job.attempt == 1);
    CHECK(job.records_processed == total);
    CHECK(job.progress_percent == 100);
    CHECK(job.outcome == SyncOutcome::success);
    const auto log = tenant.activity(integration_id, ActivityQuery{1000, std::nullopt});
    CHECK(count_action(log, action::sync_started) == 1);
    CHECK(count_action(log, action::sync_completed) == 1);
    CHECK(tenant.get(integration_id).last_sync_status == SyncOutcome::success);
  }
  CHECK(f.vault.verify_audit().ok);
}

// The same story twice: on the system clock with real sleeps, and on a
// ManualClock that the test moves.
TEST_CASE("a worker whose lease ran out loses the job to the next claimer and can neither heartbeat nor complete it") {
  constexpr auto lease = std::chrono::milliseconds(200);

  SUBCASE("system clock, real sleeps") {
    const std::string dir = make_temp_dir();
    const std::string location = test_vault_location(dir, "lease.vault");
    const MasterSecret master = random_master();
    {
      Vault vault = Vault::open(location, master);
      auto tenant = vault.tenant("acme");
      const auto integration = tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-lease-0000000"}}));
      const auto queued = tenant.enqueue_sync(admin, integration.id, JobType::incremental_sync);

      const auto held = vault.claim_job("worker-a", lease_of(lease));
      REQUIRE(held);
      CHECK(held->id == queued.id);
      REQUIRE(held->lease_until);
      // A stalls past its lease (the lease is measured on the wall clock).
      while (now_ms() <= *held->lease_until) std::this_thread::sleep_for(lease / 4);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));

      const auto taken = vault.claim_job("worker-b", lease_of(std::chrono::minutes(5)));
      REQUIRE(taken);
      CHECK(taken->id == queued.id);
      CHECK(taken->worker_id == "worker-b");
      CHECK(taken->attempt == 2);

      CHECK(code_of([&] { vault.heartbeat(queued.id, "worker-a", JobProgress{5, 10}); }) ==
            ErrorCode::conflict);
      CHECK(code_of([&] { vault.complete_job(queued.id, "worker-a"); }) == ErrorCode::conflict);
      CHECK(code_of([&] { vault.fail_job(queued.id, "worker-a", "stalled"); }) == ErrorCode::conflict);

      const auto beat = vault.heartbeat(queued.id, "worker-b", JobProgress{10, 10});
      CHECK(beat.progress_percent == 100);
      const auto done = vault.complete_job(queued.id, "worker-b", SyncOutcome::partial);
      CHECK(done.status == JobStatus::completed);
      CHECK(done.worker_id == "worker-b");
      CHECK(done.outcome == SyncOutcome::partial);
      CHECK(code_of([&] { vault.complete_job(queued.id, "worker-a"); }) ==
            ErrorCode::failed_precondition);

      const auto log = tenant.activity(integration.id, ActivityQuery{1000, std::nullopt});
      CHECK(count_action(log, action::sync_started) == 2);
      CHECK(count_action(log, action::sync_completed) == 1);
      CHECK(count_action(log, action::sync_failed) == 0);
      CHECK(tenant.get(integration.id).last_sync_status == SyncOutcome::partial);
      CHECK(vault.verify_audit().ok);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  SUBCASE("ManualClock, no sleeping") {
    VaultFixture f;
    auto tenant = f.vault.tenant("acme");
    const auto integration = f.connect_slack(tenant);
    const auto queued = tenant.enqueue_sync(admin, integration.id, JobType::incremental_sync);

    const auto held = f.vault.claim_job("worker-a", lease_of(lease));
    REQUIRE(held);
    CHECK(held->lease_until == f.clock->now_ms() + lease.count());
    // Up to the last millisecond of the lease the job is A's.
    f.clock->advance(lease.count());
    CHECK_FALSE(f.vault.claim_job("worker-b", lease_of(lease)));
    CHECK(tenant.get_job(queued.id).worker_id == "worker-a");

    f.clock->advance(1);
    const auto taken = f.vault.claim_job("worker-b", lease_of(std::chrono::minutes(5)));
    REQUIRE(taken);
    CHECK(taken->id == queued.id);
    CHECK(taken->worker_id == "worker-b");
    CHECK(taken->attempt == 2);
    CHECK(taken->lease_until == f.clock->now_ms() + std::chrono::milliseconds(std::chrono::minutes(5)).count());

    CHECK(code_of([&] { f.vault.heartbeat(queued.id, "worker-a", JobProgress{5, 10}); }) ==
          ErrorCode::conflict);
    CHECK(code_of([&] { f.vault.complete_job(queued.id, "worker-a"); }) == ErrorCode::conflict);
    CHECK(code_of([&] { f.vault.fail_job(queued.id, "worker-a", "stalled"); }) == ErrorCode::conflict);
    // A's refused calls changed nothing.
    const auto still = tenant.get_job(queued.id);
    CHECK(still.status == JobStatus::running);
    CHECK(still.worker_id == "worker-b");
    CHECK(still.records_processed == 0);

    f.vault.heartbeat(queued.id, "worker-b", JobProgress{10, 10});
    const auto done = f.vault.complete_job(queued.id, "worker-b");
    CHECK(done.status == JobStatus::completed);
    CHECK(done.worker_id == "worker-b");
    CHECK(done.completed_at == f.clock->now_ms());
    CHECK(code_of([&] { f.vault.complete_job(queued.id, "worker-a"); }) ==
          ErrorCode::failed_precondition);

    const auto log = tenant.activity(integration.id, ActivityQuery{1000, std::nullopt});
    CHECK(count_action(log, action::sync_started) == 2);
    CHECK(count_action(log, action::sync_completed) == 1);
    CHECK(tenant.get(integration.id).last_sync_at == f.clock->now_ms());
    CHECK(f.vault.verify_audit().ok);
  }
}

TEST_CASE("recover_expired_jobs: a lease that runs out with attempts left requeues the job, on the last attempt fails it with \"lease expired\"") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const auto integration = f.connect_slack(tenant);
  EnqueueOptions options;
  options.max_attempts = 2;
  const auto queued = tenant.enqueue_sync(admin, integration.id, JobType::export_, options);
  constexpr auto lease = std::chrono::milliseconds(200);

  // Attempt 1 of 2 expires: back to pending, due at once.
  REQUIRE(f.vault.claim_job("worker-a", lease_of(lease)));
  CHECK(f.vault.recover_expired_jobs() == 0);  // not expired yet
  f.clock->advance(lease.count() + 1);
  CHECK(f.vault.recover_expired_jobs() == 1);
  const auto requeued = tenant.get_job(queued.id);
  CHECK(requeued.status == JobStatus::pending);
  CHECK(requeued.attempt == 1);
  CHECK(requeued.error == "lease expired");
  CHECK(requeued.run_after <= f.clock->now_ms());
  CHECK_FALSE(requeued.lease_until);
  CHECK(code_of([&] { f.vault.heartbeat(queued.id, "worker-a"); }) == ErrorCode::failed_precondition);

  // Attempt 2 of 2 expires: failed for good.
  const auto second = f.vault.claim_job("worker-b", lease_of(lease));
  REQUIRE(second);
  CHECK(second->attempt == 2);
  f.clock->advance(lease.count() + 1);
  CHECK(f.vault.recover_expired_jobs() == 1);
  CHECK(f.vault.recover_expired_jobs() == 0);  // recovered once only

  const auto failed = tenant.get_job(queued.id);
  CHECK(failed.status == JobStatus::failed);
  CHECK(failed.error == "lease expired");
  CHECK(failed.outcome == SyncOutcome::failed);
  CHECK(failed.completed_at == f.clock->now_ms());
  CHECK(failed.attempt == 2);
  CHECK(code_of([&] { f.vault.complete_job(queued.id, "worker-b"); }) ==
        ErrorCode::failed_precondition);
  CHECK_FALSE(f.vault.claim_job("worker-c", lease_of(lease)));

  const auto after = tenant.get(integration.id);
  CHECK(after.last_sync_status == SyncOutcome::failed);
  CHECK(after.last_sync_at == f.clock->now_ms());
  const auto log = tenant.activity(integration.id, ActivityQuery{1000, std::nullopt});
  CHECK(count_action(log, action::sync_failed) == 1);
  CHECK(count_action(log, action::sync_completed) == 0);
  CHECK(f.vault.verify_audit().ok);

  // The integration takes a new job once the failed one is over.
  CHECK(tenant.enqueue_sync(admin, integration.id, JobType::export_).status == JobStatus::pending);
}
