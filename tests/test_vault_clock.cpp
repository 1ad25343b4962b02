// Every timestamp the vault writes comes from OpenOptions::clock: with a
// ManualClock, each one equals the manual time exactly.
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

using namespace linkvault;
using namespace linkvault::testing;

TEST_CASE("connect, update, test, disconnect and their activity carry the manual clock's time") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  f.clock->set(1'800'000'000'000);
  ConnectOptions options;
  options.expires_at = 1'800'000'060'000;  // one minute after the manual now
  const auto connected = tenant.connect(admin, "gmail", creds({{"access_token", "tok-0001"}}),
                                        options);
  CHECK(connected.created_at == 1'800'000'000'000);
  CHECK(connected.updated_at == 1'800'000'000'000);
  CHECK(connected.connected_at == 1'800'000'000'000);
  CHECK(connected.expires_at == 1'800'000'060'000);

  f.clock->advance(61'000);  // past the expiry
  const auto renewed = tenant.update_credentials(
      admin, connected.id, creds({{"access_token", "tok-0002"}}), 1'800'000'120'000);
  CHECK(renewed.updated_at == 1'800'000'061'000);
  CHECK(renewed.created_at == 1'800'000'000'000);
  CHECK(renewed.expires_at == 1'800'000'120'000);

  f.clock->advance(1'000);
  tenant.test(admin, connected.id, [](const Credentials&) { return TestResult{true, "ok"}; });
  const auto tested = tenant.get(connected.id);
  CHECK(tested.last_used_at == 1'800'000'062'000);
  CHECK(tested.updated_at == 1'800'000'062'000);

  f.clock->advance(1'000);
  const auto gone = tenant.disconnect(admin, connected.id);
  CHECK(gone.disconnected_at == 1'800'000'063'000);
  CHECK(gone.updated_at == 1'800'000'063'000);

  const auto log = tenant.activity(connected.id);
  REQUIRE(log.size() == 4);
  CHECK(log[0].created_at == 1'800'000'063'000);  // disconnected
  CHECK(log[1].created_at == 1'800'000'062'000);  // test_success
  CHECK(log[2].created_at == 1'800'000'061'000);  // credentials_updated
  CHECK(log[3].created_at == 1'800'000'000'000);  // connected
  CHECK(f.vault.verify_audit().ok);
}

TEST_CASE("a key version's created_at is the manual clock's time") {
  VaultFixture f;
  f.clock->set(1'750'000'000'000);
  auto tenant = f.vault.tenant("acme");
  f.connect_slack(tenant);
  CHECK(f.raw_texts("acme", "SELECT DISTINCT created_at FROM keyring WHERE tenant = 'acme'") ==
        std::vector<std::optional<std::string>>{"1750000000000"});
}

TEST_CASE("a reconnect takes the manual time and keeps created_at") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  f.clock->set(1'700'000'000'000);
  const auto first = f.connect_slack(tenant);
  tenant.disconnect(admin, first.id);
  f.clock->advance(5'000);
  const auto again = f.connect_slack(tenant, "default", "xoxb-again-000000000");
  CHECK(again.id == first.id);
  CHECK(again.created_at == 1'700'000'000'000);
  CHECK(again.connected_at == 1'700'000'005'000);
  CHECK(again.updated_at == 1'700'000'005'000);
  CHECK_FALSE(again.disconnected_at.has_value());
}

TEST_CASE("a negative busy_timeout_ms is INVALID_ARGUMENT") {
  const std::string dir = make_temp_dir();
  OpenOptions options;
  options.busy_timeout_ms = -1;
  CHECK(code_of([&] { Vault::open(test_vault_location(dir, "v.vault"), random_master(), options); }) ==
        ErrorCode::invalid_argument);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}
