// Host-registered providers live in the vault file (schema 2, `providers`):
// registering is idempotent for the same spec, refuses a different one unless
// replacing, never touches a built-in, and every process that opens the file
// sees every registration, also one made after it opened the vault.
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

constexpr const char* crm_spec = R"({"key":"acme_crm","name":"Acme CRM","auth_type":"api_key",
    "credential_fields":[{"name":"token","label":"Token","type":"secret","required":true}]})";

// The same spec with other whitespace, key order and explicit defaults.
constexpr const char* crm_spec_reordered =
    R"({ "credential_fields" : [ {"required":true,"type":"secret","name":"token","label":"Token"} ],)"
    R"( "auth_type":"api_key", "scopes":[], "name":"Acme CRM", "key":"acme_crm" })";

// Another spec under the same key: a second, required field.
constexpr const char* crm_spec_v2 = R"({"key":"acme_crm","name":"Acme CRM v2","auth_type":"api_key",
    "credential_fields":[{"name":"token","type":"secret"},{"name":"region","type":"text"}]})";

// Runs `body` in a forked child and returns its exit status (0: body returned;
// 1: it threw). The child always _exit()s, so it never runs the rest of the
// suite.
int in_child(const std::function<void()>& body) {
  const pid_t child = fork();
  if (child == 0) {
    int status = 1;
    try {
      body();
      status = 0;
    } catch (...) {
    }
    _exit(status);
  }
  REQUIRE(child > 0);
  int status = -1;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

bool lists(const Vault& vault, const std::string& key) {
  const auto providers = vault.providers();
  return std::any_of(providers.begin(), providers.end(),
                     [&](const ProviderSpec& spec) { return spec.key == key; });
}

std::vector<std::string> stored_rows(VaultFixture& f) {
  // `providers` has no tenant: any context sees every row.
  std::vector<std::string> out;
  for (const auto& row : f.raw_texts("", "SELECT key || '=' || spec FROM providers ORDER BY key")) {
    out.push_back(row.value_or("NULL"));
  }
  return out;
}

}  // namespace

TEST_CASE("registry: the same spec twice is a no-op, stored once in canonical form") {
  VaultFixture f;
  const ProviderSpec first = f.vault.register_provider(crm_spec);
  const ProviderSpec again = f.vault.register_provider(crm_spec_reordered);
  CHECK(to_json(again) == to_json(first));
  CHECK(f.vault.register_provider(crm_spec, /*replace=*/true).name == "Acme CRM");
  CHECK(stored_rows(f) == std::vector<std::string>{"acme_crm=" + to_json(first)});
}

TEST_CASE("registry: a different spec under a taken key is ALREADY_EXISTS and changes nothing") {
  VaultFixture f;
  f.vault.register_provider(crm_spec);
  const auto before = stored_rows(f);
  try {
    f.vault.register_provider(crm_spec_v2);
    FAIL("no error");
  } catch (const Error& error) {
    CHECK(error.code() == ErrorCode::already_exists);
    CHECK(std::string(error.what()).find("'acme_crm'") != std::string::npos);
  }
  CHECK(stored_rows(f) == before);
  CHECK(VaultAccess::core(f.vault)->catalog().get("acme_crm").name == "Acme CRM");
}

TEST_CASE("registry: replace swaps the spec, keeps integrations, and later calls use the new one") {
  VaultFixture f;
  f.vault.register_provider(crm_spec);
  auto tenant = f.vault.tenant("acme");
  const Integration i = tenant.connect(admin, "acme_crm", creds({{"token", "tok-0123456789"}}));

  const ProviderSpec replaced = f.vault.register_provider(crm_spec_v2, /*replace=*/true);
  CHECK(replaced.name == "Acme CRM v2");
  REQUIRE(replaced.fields.size() == 2);
  CHECK(VaultAccess::core(f.vault)->catalog().get("acme_crm").name == "Acme CRM v2");
  CHECK(stored_rows(f) == std::vector<std::string>{"acme_crm=" + to_json(replaced)});

  // The new required field applies from now on; the old integration stays.
  CHECK(code_of([&] {
          tenant.update_credentials(admin, i.id, creds({{"token", "tok-abcdefghij"}}));
        }) == ErrorCode::invalid_argument);
  const auto updated = tenant.update_credentials(
      admin, i.id, creds({{"token", "tok-abcdefghij"}, {"region", "eu"}}));
  CHECK(updated.credential_mask == "••••ghij");
  CHECK(f.vault.verify_audit().ok);
}

TEST_CASE("registry: a built-in provider can be neither registered again nor replaced") {
  VaultFixture f;
  const std::string fake_slack = R"({"key":"slack","name":"Fake Slack","auth_type":"api_key",
      "credential_fields":[{"name":"x","type":"text"}]})";
  for (const bool replace : {false, true}) {
    CAPTURE(replace);
    CHECK(code_of([&] { f.vault.register_provider(fake_slack, replace); }) ==
          ErrorCode::already_exists);
  }
  CHECK(VaultAccess::core(f.vault)->catalog().get("slack").name == "Slack");
  CHECK(stored_rows(f).empty());
}

TEST_CASE("registry: a provider registered by another process is seen by open vaults and new ones") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  // Looked up once before it exists, so nothing stale may stick.
  CHECK(code_of([&] { tenant.connect(admin, "acme_crm", creds({{"token", "tok-0123456789"}})); }) ==
        ErrorCode::invalid_argument);

  CHECK(in_child([&] {
          Vault vault = Vault::open(f.path, f.master);
          vault.register_provider(crm_spec);
          vault.close();
        }) == 0);

  // The parent's vault, open all along, sees it.
  CHECK(lists(f.vault, "acme_crm"));
  const Integration i = tenant.connect(admin, "acme_crm", creds({{"token", "tok-0123456789"}}));
  CHECK(i.credential_mask == "••••6789");
  // So does a vault opened now.
  {
    Vault fresh = Vault::open(f.path, f.master);
    CHECK(lists(fresh, "acme_crm"));
    CHECK(fresh.tenant("acme").get(i.id).provider == "acme_crm");
  }

  // Another process updates that integration's credentials.
  CHECK(in_child([&] {
          Vault vault = Vault::open(f.path, f.master);
          vault.tenant("acme").update_credentials(admin, i.id,
                                                  creds({{"token", "tok-abcdefghij"}}));
          vault.close();
        }) == 0);
  CHECK(tenant.get(i.id).credential_mask == "••••ghij");
  CHECK(secret_view(tenant.reveal_credentials(admin, i.id).at("token")) == "tok-abcdefghij");
  const auto log = tenant.activity(i.id);
  std::vector<std::string> actions;
  for (const auto& entry : log) actions.push_back(entry.action);
  CHECK(actions == std::vector<std::string>{"credentials_revealed", "credentials_updated",
                                            "connected"});
  const AuditReport report = f.vault.verify_audit();
  CHECK(report.ok);
  CHECK(report.checked == 3);
}

TEST_CASE("registry: a replacement made by another process reaches an open vault's cache") {
  VaultFixture f;
  f.vault.register_provider(crm_spec);
  auto tenant = f.vault.tenant("acme");
  // Parsed and cached here first.
  tenant.connect(admin, "acme_crm", creds({{"token", "tok-0123456789"}}));

  CHECK(in_child([&] {
          Vault vault = Vault::open(f.path, f.master);
          vault.register_provider(crm_spec_v2, /*replace=*/true);
          vault.close();
        }) == 0);

  CHECK(VaultAccess::core(f.vault)->catalog().get("acme_crm").name == "Acme CRM v2");
  ConnectOptions second;
  second.name = "second";
  CHECK(code_of([&] {
          tenant.connect(admin, "acme_crm", creds({{"token", "tok-0123456789"}}), second);
        }) == ErrorCode::invalid_argument);
  CHECK(tenant.connect(admin, "acme_crm", creds({{"token", "tok-0123456789"}, {"region", "eu"}}),
                       second).status == IntegrationStatus::connected);
  // And registering the old spec again without replace is now refused.
  CHECK(code_of([&] { f.vault.register_provider(crm_spec); }) == ErrorCode::already_exists);
}

TEST_CASE("registry: two processes racing to register the same keys end with one winner each") {
  VaultFixture f;
  constexpr int keys = 30;
  const auto spec_of = [](int n, const std::string& who) {
    return R"({"key":"race_)" + std::to_string(n) + R"(","name":")" + who +
           R"(","auth_type":"api_key","credential_fields":[{"name":"t","type":"secret"}]})";
  };
  // Each side registers its own spec of every key; it wins a key when its
  // call succeeds. The child writes the keys it won to a file.
  const auto register_all = [&](Vault& vault, const std::string& who) {
    std::string won;
    for (int n = 0; n < keys; ++n) {
      if (code_of([&] { vault.register_provider(spec_of(n, who)); }) == ErrorCode::ok) {
        won += std::to_string(n) + ",";
      }
    }
    return won;
  };
  const std::string child_file = f.dir + "/child-won";
  const pid_t child = fork();
  if (child == 0) {
    int status = 1;
    try {
      Vault vault = Vault::open(f.path, f.master);
      std::ofstream(child_file) << register_all(vault, "child");
      vault.close();
      status = 0;
    } catch (...) {
    }
    _exit(status);
  }
  REQUIRE(child > 0);
  const std::string parent_won = register_all(f.vault, "parent");
  int status = -1;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::string child_won;
  std::getline(std::ifstream(child_file), child_won);

  CHECK(stored_rows(f).size() == keys);
  for (int n = 0; n < keys; ++n) {
    CAPTURE(n);
    const std::string mark = std::to_string(n) + ",";
    const auto won_in = [&](const std::string& list) {
      return list == mark || list.rfind(mark, 0) == 0 || list.find("," + mark) != std::string::npos;
    };
    const bool parent = won_in(parent_won);
    const bool child_too = won_in(child_won);
    CHECK(parent != child_too);  // exactly one winner
    CHECK(VaultAccess::core(f.vault)->catalog().get("race_" + std::to_string(n)).name ==
          (parent ? "parent" : "child"));
  }
}

TEST_CASE("registry: a schema-1 vault gains the providers table when opened" *
          doctest::test_suite("sqlcipher")) {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const Integration i = f.connect_slack(tenant);
  {
    // Back to what a library before schema 2 left behind (schemas 3 to 5
    // dropped too: they come after).
    auto raw = f.raw();
    raw->exec("DROP TABLE records");
    raw->exec("DROP TABLE field_mappings");
    raw->exec("DROP INDEX integrations_expiring");
    raw->exec("DROP TABLE token_refresh");
    raw->exec("DROP TABLE oauth_clients");
    raw->exec("DROP TABLE oauth_grants");
    raw->exec("DROP TABLE rate_buckets");
    raw->exec("DROP TABLE sync_jobs");
    raw->exec("DROP TABLE providers");
    raw->exec("PRAGMA user_version = 1");
  }
  f.vault.close();
  f.vault = Vault::open(f.path, f.master);
  {
    auto raw = f.raw();
    sql::Statement version(raw->handle(), "PRAGMA user_version");
    REQUIRE(version.step());
    CHECK(version.column_int(0) == latest_schema_version());
  }
  CHECK(f.vault.register_provider(crm_spec).key == "acme_crm");
  CHECK(stored_rows(f).size() == 1);
  CHECK(f.vault.tenant("acme").get(i.id).provider == "slack");
  CHECK(f.vault.verify_audit().ok);
}
