// WriterGate: this process's writers take turns in arrival order, and a
// writer that waits past its deadline gives up without blocking the others.
#include "store/writer_gate.hpp"
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

using namespace linkvault;
using namespace linkvault::testing;
using namespace std::chrono_literals;

namespace {
std::chrono::steady_clock::time_point in(std::chrono::milliseconds delay) {
  return std::chrono::steady_clock::now() + delay;
}
}  // namespace

TEST_CASE("writer gate: one writer at a time, in arrival order") {
  WriterGate gate;
  REQUIRE(gate.enter(in(1000ms)));
  std::mutex mutex;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  std::atomic<int> inside{0};
  for (int n = 0; n < 4; ++n) {
    waiters.emplace_back([&, n] {
      REQUIRE(gate.enter(in(10'000ms)));
      CHECK(++inside == 1);
      {
        std::lock_guard lock(mutex);
        order.push_back(n);
      }
      --inside;
      gate.leave();
    });
    std::this_thread::sleep_for(20ms);  // each arrives after the one before
  }
  gate.leave();
  for (auto& waiter : waiters) waiter.join();
  CHECK(order == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("writer gate: a waiter past its deadline gives up and the next still gets in") {
  WriterGate gate;
  REQUIRE(gate.enter(in(1000ms)));
  std::atomic<bool> second_in{false};
  std::thread impatient([&] { CHECK_FALSE(gate.enter(in(50ms))); });
  std::this_thread::sleep_for(10ms);
  std::thread patient([&] {
    REQUIRE(gate.enter(in(10'000ms)));
    second_in = true;
    gate.leave();
  });
  impatient.join();  // gave up while the gate was held
  CHECK_FALSE(second_in);
  gate.leave();
  patient.join();
  CHECK(second_in);
  CHECK(gate.enter(in(100ms)));  // nothing left stuck in the queue
  gate.leave();
}

TEST_CASE("a write held by one thread makes another thread's write BUSY within the timeout" *
          doctest::test_suite("sqlcipher")) {
  VaultFixture f;
  f.vault.close();
  OpenOptions options = options_with(f.clock);
  options.busy_timeout_ms = 200;
  f.vault = Vault::open(f.path, f.master, options);
  auto& core = *VaultAccess::core(f.vault);
  auto holder = core.session();
  holder->begin(TransactionMode::write);
  const auto started = std::chrono::steady_clock::now();
  CHECK(code_of([&] { f.vault.tenant("acme").set_quota(admin, 3); }) == ErrorCode::busy);
  const auto waited = std::chrono::steady_clock::now() - started;
  CHECK(waited >= 150ms);  // it waited, then gave up (no upper bound: a slow machine)
  holder->rollback();
  f.vault.tenant("acme").set_quota(admin, 3);  // the turn was handed back
  CHECK(f.vault.tenant("acme").quota() == 3);
}

TEST_CASE("a write in flight when the vault closes finishes on its connection") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  auto& core = *VaultAccess::core(f.vault);
  {
    auto session = core.session();
    session->begin(TransactionMode::write);
    session->set_quota("acme", 7);
    f.vault.close();  // the writer connection stays with the session
    session->commit();
  }
  CHECK(code_of([&] { tenant.set_quota(admin, 1); }) == ErrorCode::failed_precondition);
  Vault reopened = Vault::open(f.path, f.master, options_with(f.clock));
  CHECK(reopened.tenant("acme").quota() == 7);
}

TEST_CASE("writes from many threads share one writer connection and all land") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 5; ++n) {
        f.connect_slack(tenant, ("t" + std::to_string(t) + "-" + std::to_string(n)).c_str());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(tenant.list().size() == 30);
  CHECK(tenant.activity(std::nullopt, ActivityQuery{100, std::nullopt}).size() == 30);
  CHECK(f.vault.verify_audit().ok);
}
