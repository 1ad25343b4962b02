// The activity log's HMAC chain: verify_audit detects every kind of tampering
// done through raw SQL on the stored rows (on either backend).
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

struct AuditFixture : VaultFixture {
  std::vector<ActivityEntry> entries;  // oldest first
  AuditFixture() {
    auto acme = vault.tenant("acme");
    auto other = vault.tenant("other");
    const auto i = connect_slack(acme);
    connect_slack(other);
    for (int n = 0; n < 5; ++n) acme.mark_error(admin, i.id, "error " + std::to_string(n));
    entries = acme.activity(std::nullopt);
    std::reverse(entries.begin(), entries.end());
  }
  // Runs `statement` (with ?1 = `id`) on acme's rows.
  void exec(const std::string& statement, const std::string& id) {
    raw_exec("acme", {statement}, {id});
  }
};

}  // namespace

TEST_CASE("verify_audit passes on an untouched vault and counts every entry") {
  AuditFixture f;
  const auto report = f.vault.verify_audit();
  CHECK(report.ok);
  CHECK(report.checked == 7);
  CHECK_FALSE(report.first_bad.has_value());
}

TEST_CASE("verify_audit detects tampering") {
  AuditFixture f;
  const std::string third = f.entries[2].id;
  SUBCASE("an edited field") {
    f.exec("UPDATE activity SET user_id = 'mallory' WHERE id = ?1", third);
    const auto report = f.vault.verify_audit();
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad == third);
  }
  SUBCASE("edited details") {
    f.exec("UPDATE activity SET details = '{}' WHERE id = ?1", third);
    CHECK(f.vault.verify_audit().first_bad == third);
  }
  SUBCASE("a deleted entry in the middle") {
    f.exec("DELETE FROM activity WHERE id = ?1", third);
    const auto report = f.vault.verify_audit();
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad == f.entries[3].id);
  }
  SUBCASE("the newest entry deleted") {
    f.exec("DELETE FROM activity WHERE id = ?1", f.entries.back().id);
    const auto report = f.vault.verify_audit();
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad == f.entries[f.entries.size() - 2].id);
  }
  SUBCASE("an inserted entry") {
    f.exec("INSERT INTO activity SELECT tenant, sequence + 1000, 'forged-id', integration_id, "
           "action, user_id, user_name, details, created_at, key_version, mac "
           "FROM activity WHERE id = ?1", third);
    CHECK_FALSE(f.vault.verify_audit().ok);
  }
  SUBCASE("two entries swapped") {
    // Two-step swap through a free sequence number (the primary key is unique).
    f.raw_exec("acme", {"UPDATE activity SET sequence = -1 WHERE tenant = 'acme' AND sequence = 2",
                        "UPDATE activity SET sequence = 2 WHERE tenant = 'acme' AND sequence = 3",
                        "UPDATE activity SET sequence = 3 WHERE tenant = 'acme' AND sequence = -1"});
    const auto report = f.vault.verify_audit();
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad == f.entries[2].id);  // now at sequence 2
  }
}

// One statement that reads another tenant's row: on PostgreSQL a raw
// connection sees one tenant's rows at a time (test_postgres_store.cpp).
TEST_CASE("verify_audit detects a MAC copied from another tenant's entry" *
          doctest::test_suite("sqlcipher")) {
  AuditFixture f;
  const std::string third = f.entries[2].id;
  f.exec("UPDATE activity SET mac = (SELECT mac FROM activity WHERE tenant = 'other') WHERE id = ?1",
         third);
  CHECK(f.vault.verify_audit().first_bad == third);
}
