// A connected integration whose sealed credentials were emptied behind the
// library's back (NULL or a zero-length blob, through raw SQL on the
// stored rows, on either backend) is tampering: INTEGRITY, the same as a flipped byte.
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

// The integration's sealed credentials become NULL, or `blob`.
void set_credentials(VaultFixture& f, const std::string& id,
                     std::optional<std::vector<std::uint8_t>> blob) {
  const auto changed =
      blob ? f.raw_exec("acme", {"UPDATE integrations SET credentials = ?2 WHERE id = ?1"},
                        {id, *blob})
           : f.raw_exec("acme", {"UPDATE integrations SET credentials = NULL WHERE id = ?1"},
                        {id});
  REQUIRE(changed == 1);
}

}  // namespace

TEST_CASE("an emptied sealed credentials blob is INTEGRITY on reveal and test") {
  VaultFixture f;
  auto acme = f.vault.tenant("acme");
  const auto integration = f.connect_slack(acme);
  std::optional<std::vector<std::uint8_t>> emptied;
  SUBCASE("NULL") { emptied = std::nullopt; }
  SUBCASE("zero-length blob") { emptied = std::vector<std::uint8_t>{}; }
  set_credentials(f, integration.id, emptied);

  CHECK(code_of([&] { acme.reveal_credentials(admin, integration.id); }) ==
        ErrorCode::integrity);
  bool tester_ran = false;
  CHECK(code_of([&] {
          acme.test(admin, integration.id, [&tester_ran](const Credentials&) {
            tester_ran = true;
            return TestResult{true, "ok"};
          });
        }) == ErrorCode::integrity);
  CHECK_FALSE(tester_ran);
  // Nothing was recorded for the refused calls.
  const auto entries = acme.activity(integration.id);
  REQUIRE(entries.size() == 1);
  CHECK(entries.front().action == action::connected);
  CHECK(acme.get(integration.id).status == IntegrationStatus::connected);
}

TEST_CASE("an integration in error with an emptied blob is INTEGRITY too") {
  VaultFixture f;
  auto acme = f.vault.tenant("acme");
  const auto integration = f.connect_slack(acme);
  acme.mark_error(admin, integration.id, "provider down");
  set_credentials(f, integration.id, std::vector<std::uint8_t>{});
  CHECK(code_of([&] { acme.reveal_credentials(admin, integration.id); }) ==
        ErrorCode::integrity);
}

TEST_CASE("a disconnected integration is still FAILED_PRECONDITION, not INTEGRITY") {
  VaultFixture f;
  auto acme = f.vault.tenant("acme");
  const auto integration = f.connect_slack(acme);
  acme.disconnect(admin, integration.id);
  CHECK(code_of([&] { acme.reveal_credentials(admin, integration.id); }) ==
        ErrorCode::failed_precondition);
}
