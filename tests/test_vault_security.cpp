// What an attacker with the file (or with raw SQL on the decrypted store)
// can and cannot do: move sealed blobs, find secret bytes, recover purged
// credentials.
#include "vault_fixture.hpp"
#include "vault/vault_access.hpp"

#include <doctest/doctest.h>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

std::vector<std::uint8_t> sealed_blob(VaultFixture& f, std::string_view tenant,
                                      const std::string& id) {
  const auto blob =
      f.raw_blob(tenant, "SELECT credentials FROM integrations WHERE id = ?1", {id});
  REQUIRE(blob.has_value());
  return *blob;
}

void set_blob(VaultFixture& f, std::string_view tenant, const std::string& id,
              const std::vector<std::uint8_t>& blob) {
  REQUIRE(f.raw_exec(tenant, {"UPDATE integrations SET credentials = ?2 WHERE id = ?1"},
                     {id, blob}) == 1);
}

}  // namespace

TEST_CASE("a sealed blob copied to another row or tenant fails with INTEGRITY") {
  VaultFixture f;
  auto acme = f.vault.tenant("acme");
  auto other = f.vault.tenant("other");
  const auto source = f.connect_slack(acme, "default", "xoxb-source-secret-1");
  SUBCASE("another integration of the same tenant") {
    const auto target = f.connect_slack(acme, "second", "xoxb-target-secret-2");
    set_blob(f, "acme", target.id, sealed_blob(f, "acme", source.id));
    CHECK(code_of([&] { acme.reveal_credentials(admin, target.id); }) == ErrorCode::integrity);
  }
  SUBCASE("another tenant's integration") {
    const auto target = f.connect_slack(other, "default", "xoxb-target-secret-3");
    set_blob(f, "other", target.id, sealed_blob(f, "acme", source.id));
    CHECK(code_of([&] { other.reveal_credentials(admin, target.id); }) == ErrorCode::integrity);
  }
  SUBCASE("a flipped byte in place") {
    auto blob = sealed_blob(f, "acme", source.id);
    blob[blob.size() / 2] ^= 0x01;
    set_blob(f, "acme", source.id, blob);
    CHECK(code_of([&] { acme.reveal_credentials(admin, source.id); }) == ErrorCode::integrity);
    // A failed reveal is not logged as a reveal.
    CHECK(acme.activity(source.id)[0].action == "connected");
  }
}

TEST_CASE("secret bytes appear nowhere in the vault file, -wal or -shm" *
          doctest::test_suite("sqlcipher")) {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const char* first = "xoxb-FIRST-needle-7c1e55";
  const char* second = "xoxb-SECOND-needle-0b9d21";
  const auto i = f.connect_slack(tenant, "default", first);
  tenant.update_credentials(admin, i.id, creds({{"bot_token", second}, {"signing_secret", "SIGNING-needle-42aa"}}));
  auto scan = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const auto bytes = read_file(f.path + suffix);
      CAPTURE(suffix);
      CHECK_FALSE(contains(bytes, first));
      CHECK_FALSE(contains(bytes, second));
      CHECK_FALSE(contains(bytes, "SIGNING-needle-42aa"));
      CHECK_FALSE(contains(bytes, "needle"));
      CHECK_FALSE(contains(bytes, "acme"));  // even metadata is encrypted
    }
  };
  scan();
  tenant.disconnect(admin, i.id);
  scan();
  f.vault.close();
  scan();
}

TEST_CASE("purge_tenant destroys the tenant's keys: old blobs become unrecoverable") {
  VaultFixture f;
  auto acme = f.vault.tenant("acme");
  auto other = f.vault.tenant("other");
  const auto victim = f.connect_slack(acme, "default", "xoxb-purged-secret-01");
  acme.mark_error(admin, victim.id, "x");
  const auto survivor = f.connect_slack(other, "default", "xoxb-kept-secret-0002");
  const auto kept_blob = sealed_blob(f, "acme", victim.id);  // an attacker's copy

  const auto report = f.vault.purge_tenant(admin, "acme");
  CHECK(report.integrations == 1);
  CHECK(report.activity == 2);
  CHECK(report.keys == 2);  // one credentials key, one audit key
  CHECK(report.jobs == 0);

  CHECK(code_of([&] { acme.get(victim.id); }) == ErrorCode::not_found);
  CHECK(acme.list().empty());
  CHECK(acme.activity(std::nullopt).empty());

  // The copied blob cannot be opened: the key is destroyed, not just unused.
  auto session = VaultAccess::core(f.vault)->session();
  auto sealer = VaultAccess::core(f.vault)->keyring().existing_sealer(*session, "acme", KeyPurpose::credentials);
  try {
    sealer->open(kept_blob, SealContext{"acme", victim.id, "credentials"});
    FAIL("a purged tenant's blob must not open");
  } catch (const Error& error) {
    CHECK(error.code() == ErrorCode::integrity);
    CHECK(std::string(error.what()).find("destroyed") != std::string::npos);
  }
  // The wrapped key bytes are gone from the keyring table.
  CHECK(f.raw_texts("acme", "SELECT count(*) FROM keyring WHERE tenant = 'acme' AND wrapped IS "
                            "NOT NULL") == std::vector<std::optional<std::string>>{"0"});
  if (!testing_postgres()) {
    // The WAL was checkpointed and truncated, so no old frame keeps them.
    CHECK(std::filesystem::file_size(f.path + "-wal") == 0);
  }

  // Other tenants are untouched and the audit chain still verifies.
  CHECK(std::string(secret_view(other.reveal_credentials(admin, survivor.id).at("bot_token"))) ==
        "xoxb-kept-secret-0002");
  CHECK(f.vault.verify_audit().ok);

  // The tenant id can be used again, with fresh keys.
  const auto fresh = f.connect_slack(acme, "default", "xoxb-fresh-secret-003");
  CHECK(std::string(secret_view(acme.reveal_credentials(admin, fresh.id).at("bot_token"))) ==
        "xoxb-fresh-secret-003");
  CHECK(f.vault.verify_audit().ok);
}
