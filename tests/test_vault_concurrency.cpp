// Threads and processes sharing one vault lose no update; a process killed at
// any moment leaves a vault that opens and verifies.
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <csignal>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace linkvault;
using namespace linkvault::testing;

TEST_CASE("8 threads on one vault: no lost update and the audit chain verifies") {
  VaultFixture f;
  auto shared_tenant = f.vault.tenant("shared");
  const auto shared = f.connect_slack(shared_tenant, "shared", "xoxb-shared-000000000");
  constexpr int threads = 8;
  constexpr int rounds = 15;
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        auto own_tenant = f.vault.tenant("tenant-" + std::to_string(t % 2));
        for (int r = 0; r < rounds; ++r) {
          const std::string name = "w" + std::to_string(t) + "-" + std::to_string(r);
          const auto mine = f.connect_slack(own_tenant, name.c_str(), ("xoxb-" + name + "-000000").c_str());
          own_tenant.update_credentials(admin, mine.id, creds({{"bot_token", ("tok-" + name).c_str()}}));
          own_tenant.test(admin, mine.id, [&](const Credentials& c) {
            return TestResult{secret_view(c.at("bot_token")) == "tok-" + name, "checked"};
          });
          if (r % 3 == 0) own_tenant.disconnect(admin, mine.id);
          // Everyone also hammers the one shared integration.
          shared_tenant.mark_error(admin, shared.id, name);
        }
      } catch (const std::exception& error) {
        ++failures;
        MESSAGE(error.what());
      }
    });
  }
  for (auto& worker : workers) worker.join();
  CHECK(failures == 0);

  std::size_t integrations = 0;
  for (int tenant = 0; tenant < 2; ++tenant) {
    auto t = f.vault.tenant("tenant-" + std::to_string(tenant));
    for (const auto& i : t.list()) {
      ++integrations;
      if (i.status != IntegrationStatus::disconnected) {
        // Every test passed: the update was not lost.
        CHECK(i.status == IntegrationStatus::connected);
      }
    }
  }
  CHECK(integrations == threads * rounds);
  const auto shared_log = shared_tenant.activity(shared.id, ActivityQuery{1000, std::nullopt});
  CHECK(shared_log.size() == 1 + threads * rounds);
  const auto report = f.vault.verify_audit();
  CHECK(report.ok);
  // connect + update + test per round, a disconnect every third, plus the shared log.
  CHECK(report.checked == threads * rounds * 3 + threads * 5 + 1 + threads * rounds);
}

TEST_CASE("two processes appending activity to one tenant: nothing lost, chain verifies") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const auto i = f.connect_slack(tenant);
  f.vault.close();
  constexpr int per_process = 60;

  const auto work = [&](const char* who) {
    Vault vault = Vault::open(f.path, f.master);
    auto t = vault.tenant("acme");
    for (int n = 0; n < per_process; ++n) t.mark_error(admin, i.id, std::string(who) + std::to_string(n));
  };
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int status = 0;
    try {
      work("child-");
    } catch (...) {
      status = 1;
    }
    _exit(status);
  }
  work("parent-");
  int status = -1;
  waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  Vault vault = Vault::open(f.path, f.master);
  const auto log = vault.tenant("acme").activity(i.id, ActivityQuery{1000, std::nullopt});
  CHECK(log.size() == 1 + 2 * per_process);
  const auto report = vault.verify_audit();
  CHECK(report.ok);
  CHECK(report.checked == 1 + 2 * per_process);
}

TEST_CASE("a process killed at any moment leaves a vault that opens and verifies") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  f.connect_slack(tenant);
  f.vault.close();
  std::mt19937 random(12345);
  for (int round = 0; round < 6; ++round) {
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // Only the SIGKILL ends this loop; a throw must end the child too, never
      // unwind into doctest and run the rest of the suite here.
      try {
        Vault vault = Vault::open(f.path, f.master);
        auto t = vault.tenant("acme");
        for (int n = 0;; ++n) {
          const auto i = f.connect_slack(t, ("k" + std::to_string(round) + "-" + std::to_string(n)).c_str());
          t.mark_error(admin, i.id, "x");
          if (n % 2 == 0) t.disconnect(admin, i.id);
        }
      } catch (...) {
      }
      _exit(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(40 + random() % 120));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));

    Vault vault = Vault::open(f.path, f.master);
    const auto report = vault.verify_audit();
    CAPTURE(round);
    CHECK(report.ok);
    CHECK(report.checked > 0);
  }
}
