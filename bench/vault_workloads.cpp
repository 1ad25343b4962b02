// Vault workloads (DESIGN.md §9): connect against a bare SQLCipher insert of
// the same two rows with the same pragmas, the activity tail with a million
// entries in the vault, and cpp_get for bench/python_get.py.
#include "bench.hpp"
#include "bench_vaults.hpp"

#include "core/uuid.hpp"
#include "linkvault/linkvault.hpp"
#include "store/sqlcipher_session.hpp"
#include "store/sqlcipher_store.hpp"
#include "store/sqlite.hpp"
#include "vault/audit_log.hpp"
#include "vault/transaction.hpp"
#include "vault/vault_access.hpp"

#include <botan/hex.h>
#include <botan/system_rng.h>
#include <fmt/format.h>

#include <chrono>
#include <random>

namespace linkvault::bench {
namespace {

double connect_through_linkvault(double seconds, int round) {
  Vault vault = Vault::open(fmt::format("{}/connect-{}.vault", scratch_directory(), round), bench_master());
  Tenant tenant = vault.tenant("bench");
  Credentials credentials;
  credentials.emplace("bot_token", make_secret("xoxb-0000000000-1111111111-abcdefghijklmnop"));
  std::uint64_t n = 0;
  return measure_per_second([&] {
    ConnectOptions options;
    options.name = fmt::format("account-{}", n++);
    tenant.connect(bench_admin, "slack", credentials, options);
  }, seconds);
}

// The bare minimum: the same two rows (integration + activity entry, blobs of
// the sizes linkvault writes) in one BEGIN IMMEDIATE transaction, on a file
// with the same schema, key and pragmas, through cached statements.
double connect_baseline(double seconds, int round) {
  auto store = open_baseline_store(fmt::format("{}/baseline-{}.vault", scratch_directory(), round));
  auto connection = store->open_connection();
  std::vector<std::uint8_t> sealed(96), mac(32);
  Botan::system_rng().randomize(sealed.data(), sealed.size());
  Botan::system_rng().randomize(mac.data(), mac.size());
  std::int64_t n = 0;
  return measure_per_second([&] {
    ++n;
    const std::string id = new_uuid_v7();
    const std::int64_t now = now_ms();
    connection->exec("BEGIN IMMEDIATE");
    {
      auto insert = connection->cached(
          "INSERT INTO integrations (id, tenant, provider, name, account, status, credentials, "
          "credential_mask, scopes, connected_by, connected_at, created_at, updated_at) "
          "VALUES (?1, 'bench', 'slack', ?2, NULL, 'connected', ?3, '••••mnop', '[]', "
          "'u-bench', ?4, ?4, ?4)");
      insert->bind(1, id).bind(2, fmt::format("account-{}", n)).bind(3, std::span<const std::uint8_t>(sealed)).bind(4, now);
      insert->run();
    }
    {
      auto insert = connection->cached(
          "INSERT INTO activity (tenant, sequence, id, integration_id, action, user_id, "
          "user_name, details, created_at, key_version, mac) VALUES ('bench', ?1, ?2, ?3, "
          "'connected', 'u-bench', 'Bench Admin', ?4, ?5, 1, ?6)");
      insert->bind(1, n).bind(2, new_uuid_v7()).bind(3, id)
          .bind(4, fmt::format("{{\"provider\":\"slack\",\"name\":\"account-{}\",\"reconnected\":false}}", n))
          .bind(5, now).bind(6, std::span<const std::uint8_t>(mac));
      insert->run();
    }
    connection->exec("COMMIT");
  }, seconds);
}

}  // namespace

LINKVAULT_WORKLOAD("connect") {
  const auto [linkvault_rate, baseline_rate] = alternate(connect_through_linkvault, connect_baseline);
  report_throughput("connect", linkvault_rate, baseline_rate);
}

LINKVAULT_WORKLOAD("activity_tail_1m") {
  constexpr int integrations_count = 1000;
  const std::int64_t entries_total =
      option("entries").empty() ? 1'000'000 : std::stoll(option("entries"));
  Vault vault = Vault::open(scratch_directory() + "/activity.vault", bench_master());
  Tenant tenant = vault.tenant("bench");
  std::vector<std::string> ids;
  Credentials credentials;
  credentials.emplace("api_key", make_secret("tave-0000000000000000"));
  for (int n = 0; n < integrations_count; ++n) {
    ConnectOptions options;
    options.name = fmt::format("studio-{}", n);
    ids.push_back(tenant.connect(bench_admin, "tave", credentials, options).id);
  }
  // Fill the log through the same append path operations use, in large
  // transactions so the set-up stays quick.
  const auto start = std::chrono::steady_clock::now();
  {
    auto core = VaultAccess::core(vault);
    auto session = core->session();
    std::int64_t written = integrations_count;
    while (written < entries_total) {
      Transaction transaction(*session, TransactionMode::write);
      // Set-up only: a larger page cache for the bulk fill, so pages are
      // encrypted once per commit instead of spilling and being re-read. On
      // the connection the write runs on (the process's writer connection).
      dynamic_cast<SqlCipherSession&>(*session).connection().exec("PRAGMA cache_size = -131072");
      for (int n = 0; n < 20'000 && written < entries_total; ++n, ++written) {
        append_activity(*session, core->keyring(), core->clock(), "bench",
                        ids[static_cast<std::size_t>(written % integrations_count)],
                        action::test_success, bench_admin, R"({"message":"ok"})");
      }
      transaction.commit();
    }
  }
  const double fill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::mt19937 random(7);
  std::vector<double> samples;
  for (int n = 0; n < 3000; ++n) {
    const std::string& id = ids[random() % ids.size()];
    const auto t0 = std::chrono::steady_clock::now();
    const auto entries = tenant.activity(id, ActivityQuery{50, std::nullopt});
    const auto t1 = std::chrono::steady_clock::now();
    if (entries.size() != 50) std::abort();
    if (n >= 100) samples.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  report_latency("activity_tail_1m", samples,
                 fmt::format(", \"entries\": {}, \"fill_s\": {:.1f}", entries_total, fill_s));
}

// For bench/python_get.py: the per-call cost of Tenant::get() in C++ on the
// vault the script made. Not part of the default run.
LINKVAULT_WORKLOAD_WITH("cpp_get", true) {
  const auto key = Botan::hex_decode_locked(option("key"));
  Vault vault = Vault::open(option("vault"), MasterSecret::from_key(SecretBytes(key.begin(), key.end())),
                            OpenOptions{false});
  Tenant tenant = vault.tenant(option("tenant"));
  const std::string id = option("id");
  const int calls = option("calls").empty() ? 20000 : std::stoi(option("calls"));
  for (int n = 0; n < 1000; ++n) tenant.get(id);  // warm the pool and caches
  const auto t0 = std::chrono::steady_clock::now();
  for (int n = 0; n < calls; ++n) tenant.get(id);
  const auto t1 = std::chrono::steady_clock::now();
  fmt::print("{{\"workload\": \"cpp_get\", \"per_call_us\": {:.2f}, \"calls\": {}}}\n",
             std::chrono::duration<double, std::micro>(t1 - t0).count() / calls, calls);
}

}  // namespace linkvault::bench
