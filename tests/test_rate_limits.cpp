// Rate limits (issue 10, docs/SEMANTICS.md "Rate limits"): token buckets per
// integration from the provider's per_minute / per_hour, penalize, and the
// limit held across processes. The buckets' arithmetic is checked on a
// manual clock; the cross-process bound on the system clock, counting
// grants, never timing anything.
#include "oauth_fixture.hpp"

#include <doctest/doctest.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace linkvault;
using namespace linkvault::testing;
using std::chrono::milliseconds;

TEST_CASE("acquire grants a full bucket, then says how long to wait, and refills") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(3'600'000);
  for (int n = 0; n < 60; ++n) REQUIRE(f.tenant.acquire(i.id) == milliseconds(0));
  CHECK(f.tenant.acquire(i.id) == milliseconds(1000));  // one token per second
  CHECK(f.tenant.acquire(i.id, 5) == milliseconds(5000));
  f.clock->advance(999);
  CHECK(f.tenant.acquire(i.id) == milliseconds(1));
  f.clock->advance(1);
  CHECK(f.tenant.acquire(i.id) == milliseconds(0));
  CHECK(f.tenant.acquire(i.id) > milliseconds(0));  // a refusal took nothing...
  f.clock->advance(1000);
  CHECK(f.tenant.acquire(i.id) == milliseconds(0));  // ...so one second is enough

  SUBCASE("the hourly bucket holds when the minute one refills") {
    // per_hour 600: 62 spent so far; spend the rest minute by minute.
    int granted = 62;
    for (int minute = 0; minute < 9; ++minute) {
      f.clock->advance(60'000);
      while (f.tenant.acquire(i.id) == milliseconds(0)) ++granted;
    }
    // 600 to start with, plus what refilled at 600 per hour over ~9 minutes.
    CHECK(granted <= 600 + 92);
    CHECK(granted >= 600);
    const auto wait = f.tenant.acquire(i.id);
    CHECK(wait > milliseconds(0));
    CHECK(wait <= milliseconds(6000));  // one hourly token every 6 s
  }
}

TEST_CASE("penalize blocks until the provider's retry-after has passed") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(3'600'000);
  CHECK(f.tenant.acquire(i.id, 10) == milliseconds(0));
  f.tenant.penalize(i.id, milliseconds(5000));
  CHECK(f.tenant.acquire(i.id) == milliseconds(5000));
  f.clock->advance(2000);
  CHECK(f.tenant.acquire(i.id) == milliseconds(3000));
  f.tenant.penalize(i.id, milliseconds(1000));  // a shorter one does not shorten it
  CHECK(f.tenant.acquire(i.id) == milliseconds(3000));
  f.clock->advance(3000);
  CHECK(f.tenant.acquire(i.id) == milliseconds(0));

  SUBCASE("buckets are per integration") {
    const Integration other = f.connect_oauth(3'600'000, "second");
    CHECK(f.tenant.acquire(other.id, 60) == milliseconds(0));
  }
}

TEST_CASE("acquire and penalize check their inputs") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(3'600'000);
  CHECK(code_of([&] { f.tenant.acquire(i.id, 0); }) == ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.tenant.acquire(i.id, 61); }) == ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.tenant.acquire(i.id, 2'000'000); }) == ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.tenant.penalize(i.id, milliseconds(-1)); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.tenant.penalize(i.id, std::chrono::hours(24 * 8)); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.vault.tenant("other").acquire(i.id); }) == ErrorCode::not_found);
  CHECK(code_of([&] { f.vault.tenant("other").penalize(i.id, milliseconds(1)); }) ==
        ErrorCode::not_found);
  f.tenant.disconnect(admin, i.id);
  CHECK(code_of([&] { f.tenant.acquire(i.id); }) == ErrorCode::failed_precondition);
}

TEST_CASE("a provider without per_minute or per_hour is not limited, unless penalized") {
  OAuthFixture f;
  f.vault.register_provider(R"({"key":"free","name":"Free","auth_type":"api_key",
    "credential_fields":[{"name":"k","label":"K","type":"secret","required":true,"placeholder":""}],
    "rate_limits":{"requests_per_day":10}})");
  const Integration i = f.tenant.connect(admin, "free", creds({{"k", "v"}}));
  for (int n = 0; n < 200; ++n) REQUIRE(f.tenant.acquire(i.id, 1000) == milliseconds(0));
  f.tenant.penalize(i.id, milliseconds(1500));
  CHECK(f.tenant.acquire(i.id) == milliseconds(1500));
  f.clock->advance(1500);
  CHECK(f.tenant.acquire(i.id) == milliseconds(0));
}

TEST_CASE("3 processes acquiring as fast as they can stay within the limit together") {
  // On the system clock: every process has its own Vault on one file.
  const std::string dir = make_temp_dir();
  const std::string path = test_vault_location(dir, "rate.vault");
  const MasterSecret master = random_master();
  std::string integration_id;
  {
    Vault vault = Vault::open(path, master);
    vault.register_provider(acme_oauth_spec);
    integration_id =
        vault.tenant("acme")
            .connect(admin, "acme_oauth", creds({{"access_token", "at"}}))
            .id;
  }
  constexpr int processes = 3;
  constexpr auto run_for = std::chrono::milliseconds(2500);
  // Each child writes its grant count here (shared with the parent).
  auto* granted = static_cast<std::int64_t*>(mmap(nullptr, sizeof(std::int64_t) * processes,
                                                  PROT_READ | PROT_WRITE,
                                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  REQUIRE(granted != MAP_FAILED);
  const auto started = std::chrono::steady_clock::now();
  std::vector<pid_t> children;
  for (int p = 0; p < processes; ++p) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int status = 0;
      try {
        Vault vault = Vault::open(path, master);
        Tenant tenant = vault.tenant("acme");
        std::int64_t count = 0;
        while (std::chrono::steady_clock::now() - started < run_for) {
          try {
            if (tenant.acquire(integration_id) == milliseconds(0)) ++count;
          } catch (const Error& error) {
            if (error.code() != ErrorCode::busy) throw;
          }
        }
        granted[p] = count;
      } catch (...) {
        status = 2;
      }
      _exit(status);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::int64_t total = 0;
  for (int p = 0; p < processes; ++p) total += granted[p];
  munmap(granted, sizeof(std::int64_t) * processes);
  // A full bucket of 60, plus one token per second for as long as the
  // children ran (bounded by the parent's elapsed time), plus one for the
  // partial token at the end.
  CHECK(total >= 60);
  CHECK(static_cast<double>(total) <= 60 + elapsed_s * 1.0 + 1);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}
