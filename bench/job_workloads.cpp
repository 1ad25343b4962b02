// Sync job workloads (DESIGN.md §9): job_cycle, one job's whole life
// (enqueue, claim, heartbeat, complete: four write transactions) against a
// bare SQLCipher loop of four BEGIN IMMEDIATE / one UPDATE / COMMIT
// transactions on a file with the same pragmas; and job_claim_4w, the claim
// latency seen by four worker threads draining one queue.
#include "bench.hpp"
#include "bench_vaults.hpp"

#include "core/uuid.hpp"
#include "linkvault/linkvault.hpp"
#include "store/sqlcipher_store.hpp"
#include "store/sqlite.hpp"

#include <botan/system_rng.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace linkvault::bench {
namespace {

constexpr int transactions_per_cycle = 4;

Integration connect_one(Tenant& tenant, int n) {
  Credentials credentials;
  credentials.emplace("bot_token", make_secret("xoxb-0000000000-1111111111-abcdefghijklmnop"));
  ConnectOptions options;
  options.name = fmt::format("workspace-{}", n);
  return tenant.connect(bench_admin, "slack", credentials, options);
}

// One integration's jobs back to back: each ends before the next is queued,
// as the one-active-job rule wants.
double job_cycle_through_linkvault(double seconds, int round) {
  Vault vault = Vault::open(fmt::format("{}/job-cycle-{}.vault", scratch_directory(), round), bench_master());
  Tenant tenant = vault.tenant("bench");
  const Integration integration = connect_one(tenant, 0);
  ClaimOptions claim;
  claim.lease = std::chrono::seconds(30);
  return measure_per_second([&] {
    const SyncJob queued = tenant.enqueue_sync(bench_admin, integration.id, JobType::incremental_sync);
    const auto job = vault.claim_job("bench-worker", claim);
    if (!job || job->id != queued.id) std::abort();
    vault.heartbeat(job->id, "bench-worker", JobProgress{50, 100});
    vault.complete_job(job->id, "bench-worker", SyncOutcome::success, R"({"records":100})");
  }, seconds);
}

// The bare minimum for the same four commits: each a BEGIN IMMEDIATE, one
// UPDATE of one integration row (the size linkvault writes) through a cached
// statement, and a COMMIT, on a file with the same schema, key and pragmas.
double job_cycle_baseline(double seconds, int round) {
  auto store = open_baseline_store(fmt::format("{}/job-cycle-baseline-{}.vault", scratch_directory(), round));
  auto connection = store->open_connection();
  std::vector<std::uint8_t> sealed(96);
  Botan::system_rng().randomize(sealed.data(), sealed.size());
  const std::string id = new_uuid_v7();
  {
    auto insert = connection->cached(
        "INSERT INTO integrations (id, tenant, provider, name, account, status, credentials, "
        "credential_mask, scopes, connected_by, connected_at, created_at, updated_at) "
        "VALUES (?1, 'bench', 'slack', 'workspace-0', NULL, 'connected', ?2, '••••mnop', '[]', "
        "'u-bench', ?3, ?3, ?3)");
    insert->bind(1, id).bind(2, std::span<const std::uint8_t>(sealed)).bind(3, now_ms());
    insert->run();
  }
  return measure_per_second([&] {
    for (int n = 0; n < transactions_per_cycle; ++n) {
      connection->exec("BEGIN IMMEDIATE");
      {
        auto update = connection->cached(
            "UPDATE integrations SET updated_at = ?1, refresh_count = refresh_count + 1 WHERE id = ?2");
        update->bind(1, now_ms()).bind(2, id);
        update->run();
      }
      connection->exec("COMMIT");
    }
  }, seconds);
}

}  // namespace

LINKVAULT_WORKLOAD("job_cycle") {
  const auto [linkvault_rate, baseline_rate] = alternate(job_cycle_through_linkvault, job_cycle_baseline);
  report_throughput("job_cycle", linkvault_rate, baseline_rate,
                    fmt::format(", \"transactions_per_cycle\": {}", transactions_per_cycle));
}

LINKVAULT_WORKLOAD("job_claim_4w") {
  constexpr int worker_count = 4;
  const int job_count = option("jobs").empty() ? 1200 : std::stoi(option("jobs"));
  Vault vault = Vault::open(scratch_directory() + "/job-claim.vault", bench_master());
  Tenant tenant = vault.tenant("bench");
  for (int n = 0; n < job_count; ++n) {
    tenant.enqueue_sync(bench_admin, connect_one(tenant, n).id, JobType::full_import);
  }

  std::mutex mutex;
  std::vector<double> samples;
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < worker_count; ++w) {
    workers.emplace_back([&, w] {
      const std::string worker_id = fmt::format("bench-worker-{}", w);
      std::vector<double> mine;
      ClaimOptions claim;
      claim.lease = std::chrono::seconds(30);
      try {
        for (;;) {
          const auto t0 = std::chrono::steady_clock::now();
          const auto job = vault.claim_job(worker_id, claim);
          const auto t1 = std::chrono::steady_clock::now();
          if (!job) break;  // the queue is empty
          mine.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
          vault.complete_job(job->id, worker_id);
        }
      } catch (const std::exception& error) {
        fmt::print(stderr, "job_claim_4w: {}: {}\n", worker_id, error.what());
        failed = true;
      }
      std::lock_guard lock(mutex);
      samples.insert(samples.end(), mine.begin(), mine.end());
    });
  }
  for (auto& worker : workers) worker.join();
  if (failed || static_cast<int>(samples.size()) != job_count) std::abort();
  report_latency("job_claim_4w", samples,
                 fmt::format(", \"workers\": {}, \"jobs\": {}", worker_count, job_count));
}

}  // namespace linkvault::bench
