// A connected integration whose sealed credentials were emptied behind the
// library's back (NULL or a zero-length blob, through raw SQL on the
// decrypted store) is tampering: INTEGRITY, the same as a flipped byte.
#include "vault_fixture.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

void set_credentials_sql(VaultFixture& f, const std::string& id, const char* value_sql) {
  auto connection = f.raw();
  sql::Statement row(connection->handle(),
                     fmt::format("UPDATE integrations SET credentials = {} WHERE id = ?1",
                                 value_sql));
  row.bind(1, id);
  row.run();
}

}  // namespace

TEST_CASE("an emptied sealed credentials blob is INTEGRITY on reveal and test") {
  VaultFixture f;
  auto acme = f.vault.tenant("acme");
  const auto integration = f.connect_slack(acme);
  const char* emptied = nullptr;
  SUBCASE("NULL") { emptied = "NULL"; }
  SUBCASE("zero-length blob") { emptied = "X''"; }
  set_credentials_sql(f, integration.id, emptied);

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
  set_credentials_sql(f, integration.id, "X''");
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
