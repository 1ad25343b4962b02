// OAuth workloads (issue 10): refresh_coalesce, sixteen threads asking for
// one expiring token while the refresher takes 50 ms (the refresher must run
// once per round; the wait each caller sees is reported as latency); and
// acquire_rate, Tenant::acquire from one thread against the bare minimum of
// one SQLCipher write transaction per call (BEGIN IMMEDIATE, one UPDATE,
// COMMIT) on a file with the same pragmas.
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

// per_minute so high that every acquire is granted, and so writes.
constexpr const char* bench_provider = R"({
  "key": "bench_oauth", "name": "Bench", "auth_type": "oauth2",
  "credential_fields": [
    {"name": "access_token", "label": "Access", "type": "secret", "required": true, "placeholder": ""},
    {"name": "refresh_token", "label": "Refresh", "type": "secret", "required": false, "placeholder": ""}
  ],
  "rate_limits": {"per_minute": 1000000000000}
})";

Integration connect_expiring(Vault& vault, Tenant& tenant) {
  vault.register_provider(bench_provider);
  Credentials credentials;
  credentials.emplace("access_token", make_secret("ya29.bench-access-token-0000000000"));
  credentials.emplace("refresh_token", make_secret("1//bench-refresh-token-0000000000"));
  ConnectOptions options;
  options.expires_at = now_ms();
  return tenant.connect(bench_admin, "bench_oauth", credentials, options);
}

}  // namespace

LINKVAULT_WORKLOAD("refresh_coalesce") {
  constexpr int threads = 16;
  constexpr int rounds = 10;
  constexpr auto refresher_takes = std::chrono::milliseconds(50);
  Vault vault = Vault::open(scratch_directory() + "/refresh-coalesce.vault", bench_master());
  Tenant tenant = vault.tenant("bench");
  const Integration integration = connect_expiring(vault, tenant);

  std::atomic<int> calls{0};
  const Refresher refresher = [&](const Credentials&) {
    ++calls;
    std::this_thread::sleep_for(refresher_takes);
    TokenGrant grant;
    grant.access_token = make_secret("ya29.bench-access-token-refreshed");
    grant.expires_in = 60;  // inside the 15-minute margin: the next round refreshes again
    return grant;
  };
  std::vector<double> waits_us;
  std::mutex mutex;
  int most_calls_in_a_round = 0;
  // Round 0 warms up (the pool's connections, the tenant's keys) and is
  // not counted; its refresher call is.
  for (int round = 0; round <= rounds; ++round) {
    if (round == 1) waits_us.clear();
    const int before = calls.load();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        const auto t0 = std::chrono::steady_clock::now();
        try {
          tenant.valid_credentials(bench_admin, integration.id, refresher);
        } catch (const std::exception& error) {
          fmt::print(stderr, "refresh_coalesce: {}\n", error.what());
          std::abort();
        }
        const double us =
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count();
        const std::lock_guard lock(mutex);
        waits_us.push_back(us);
      });
    }
    for (auto& thread : pool) thread.join();
    most_calls_in_a_round = std::max(most_calls_in_a_round, calls.load() - before);
  }
  report_latency("refresh_coalesce", std::move(waits_us),
                 fmt::format(", \"threads\": {}, \"rounds\": {}, \"refresher_ms\": {}, "
                             "\"refresher_calls\": {}, \"most_calls_in_a_round\": {}",
                             threads, rounds, refresher_takes.count(), calls.load() - 1,
                             most_calls_in_a_round));
}

namespace {

double acquire_through_linkvault(double seconds, int round) {
  Vault vault = Vault::open(fmt::format("{}/acquire-{}.vault", scratch_directory(), round),
                            bench_master());
  Tenant tenant = vault.tenant("bench");
  const Integration integration = connect_expiring(vault, tenant);
  return measure_per_second([&] {
    if (tenant.acquire(integration.id) != std::chrono::milliseconds(0)) std::abort();
  }, seconds);
}

// One write transaction per call: BEGIN IMMEDIATE, one UPDATE of one small
// row through a cached statement, COMMIT.
double acquire_baseline(double seconds, int round) {
  auto store = open_baseline_store(fmt::format("{}/acquire-baseline-{}.vault", scratch_directory(), round));
  auto connection = store->open_connection();
  const std::string id = new_uuid_v7();
  {
    auto insert = connection->cached(
        "INSERT INTO rate_buckets (tenant, integration_id, minute_tokens, hour_tokens, "
        "refilled_at, blocked_until) VALUES ('bench', ?1, 1e12, 0, ?2, 0)");
    insert->bind(1, id).bind(2, now_ms());
    insert->run();
  }
  return measure_per_second([&] {
    connection->exec("BEGIN IMMEDIATE");
    {
      auto update = connection->cached(
          "UPDATE rate_buckets SET minute_tokens = minute_tokens - 1, refilled_at = ?1 "
          "WHERE tenant = 'bench' AND integration_id = ?2");
      update->bind(1, now_ms()).bind(2, id);
      update->run();
    }
    connection->exec("COMMIT");
  }, seconds);
}

}  // namespace

LINKVAULT_WORKLOAD("acquire_rate") {
  const auto [linkvault_rate, baseline_rate] = alternate(acquire_through_linkvault, acquire_baseline);
  report_throughput("acquire_rate", linkvault_rate, baseline_rate);
}

}  // namespace linkvault::bench
