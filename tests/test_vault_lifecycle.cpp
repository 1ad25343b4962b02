// The integration lifecycle of DESIGN.md §5, bullet by bullet.
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

using namespace linkvault;
using namespace linkvault::testing;

namespace {
std::string value_of(const Credentials& credentials, const std::string& field) {
  return std::string(secret_view(credentials.at(field)));
}
}  // namespace

TEST_CASE("connect stores a connected integration with mask and activity") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  ConnectOptions options;
  options.account = "ops@acme.test";
  options.scopes = {"chat:write", "channels:read"};
  options.expires_at = 1'900'000'000'000;
  options.sync_config = SyncConfig{true, 30, SyncDirection::bidirectional,
                                   ConflictResolution::manual_review, true};
  const auto i = f.vault.tenant("acme").connect(
      admin, "slack", creds({{"bot_token", "xoxb-1234567890-wxyz"}}), options);
  CHECK(i.id.size() == 36);
  CHECK(i.id[14] == '7');
  CHECK(i.tenant == "acme");
  CHECK(i.provider == "slack");
  CHECK(i.name == "default");
  CHECK(i.account == "ops@acme.test");
  CHECK(i.status == IntegrationStatus::connected);
  CHECK(i.credential_mask == "••••wxyz");
  CHECK(i.scopes == std::vector<std::string>{"chat:write", "channels:read"});
  CHECK(i.expires_at == 1'900'000'000'000);
  CHECK(i.connected_by == "u-admin");
  CHECK(i.connected_at.has_value());
  CHECK(i.sync_config == options.sync_config);

  const auto stored = tenant.get(i.id);
  CHECK(stored.credential_mask == i.credential_mask);
  CHECK(stored.scopes == i.scopes);
  CHECK(stored.sync_config == options.sync_config);
  CHECK(stored.created_at == i.created_at);

  const auto log = tenant.activity(i.id);
  REQUIRE(log.size() == 1);
  CHECK(log[0].action == "connected");
  CHECK(log[0].user_id == "u-admin");
  CHECK(log[0].user_name == "Alice Admin");
  CHECK(log[0].integration_id == i.id);
  CHECK(log[0].sequence == 1);
}

TEST_CASE("connect validates provider and credentials, naming the field") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  auto message_of = [&](const char* provider, const Credentials& c) -> std::string {
    try {
      tenant.connect(admin, provider, c);
    } catch (const Error& error) {
      CHECK(error.code() == ErrorCode::invalid_argument);
      return error.what();
    }
    FAIL("expected INVALID_ARGUMENT");
    return "";
  };
  CHECK(message_of("nope", creds({{"bot_token", "x"}})).find("nope") != std::string::npos);
  CHECK(message_of("slack", creds({})).find("bot_token") != std::string::npos);
  CHECK(message_of("slack", creds({{"bot_token", ""}})).find("bot_token") != std::string::npos);
  CHECK(message_of("slack", creds({{"bot_token", "t"}, {"extra", "secretvalue"}}))
            .find("extra") != std::string::npos);
  CHECK(message_of("custom", creds({{"api_key", "k"}, {"base_url", "http://x.test"}}))
            .find("base_url") != std::string::npos);
  CHECK(message_of("custom", creds({{"api_key", "k"}, {"base_url", "/relative"}}))
            .find("base_url") != std::string::npos);
  CHECK(message_of("lightblue", creds({{"username", "me"}})).find("password") != std::string::npos);
  SUBCASE("secret values never appear in the message") {
    const auto message = message_of("slack", creds({{"bot_token", "t"}, {"extra", "hunter2-secret"}}));
    CHECK(message.find("hunter2-secret") == std::string::npos);
  }
  SUBCASE("bad options") {
    ConnectOptions options;
    options.name = "";
    CHECK(code_of([&] { tenant.connect(admin, "tave", creds({{"api_key", "k"}}), options); }) ==
          ErrorCode::invalid_argument);
    options.name = "ok";
    options.expires_at = -1;
    CHECK(code_of([&] { tenant.connect(admin, "tave", creds({{"api_key", "k"}}), options); }) ==
          ErrorCode::invalid_argument);
    options.expires_at = 253'402'300'800'000;  // 10000-01-01: not RFC 3339
    CHECK(code_of([&] { tenant.connect(admin, "tave", creds({{"api_key", "k"}}), options); }) ==
          ErrorCode::invalid_argument);
    options.expires_at.reset();
    options.sync_config = SyncConfig{};
    options.sync_config->interval_minutes = 5;
    CHECK(code_of([&] { tenant.connect(admin, "tave", creds({{"api_key", "k"}}), options); }) ==
          ErrorCode::invalid_argument);
  }
  CHECK(tenant.list().empty());
  CHECK(tenant.activity(std::nullopt).empty());
}

TEST_CASE("connect: duplicates, several accounts per provider, reconnect in place") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const auto first = f.connect_slack(tenant);
  CHECK(code_of([&] { f.connect_slack(tenant); }) == ErrorCode::already_exists);
  const auto second = f.connect_slack(tenant, "marketing");
  CHECK(second.id != first.id);
  CHECK(tenant.list(ListFilter{"slack", std::nullopt}).size() == 2);

  tenant.disconnect(admin, first.id);
  const auto again = f.connect_slack(tenant, "default", "xoxb-new-token-9999");
  CHECK(again.id == first.id);
  CHECK(again.status == IntegrationStatus::connected);
  CHECK(again.credential_mask == "••••9999");
  CHECK_FALSE(again.disconnected_at.has_value());
  CHECK(again.created_at == first.created_at);
  CHECK(value_of(tenant.reveal_credentials(admin, first.id), "bot_token") == "xoxb-new-token-9999");
  // History is kept across the reconnect.
  const auto log = tenant.activity(first.id);
  REQUIRE(log.size() == 4);
  CHECK(log[3].action == "connected");
  CHECK(log[2].action == "disconnected");
  CHECK(log[1].action == "connected");
  CHECK(log[0].action == "credentials_revealed");
}

TEST_CASE("connect respects the tenant quota, counting integrations not disconnected") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  tenant.set_quota(admin, 2);
  CHECK(tenant.quota() == 2);
  const auto a = f.connect_slack(tenant, "a");
  f.connect_slack(tenant, "b");
  CHECK(code_of([&] { f.connect_slack(tenant, "c"); }) == ErrorCode::quota_exceeded);
  CHECK(tenant.list().size() == 2);
  tenant.disconnect(admin, a.id);
  f.connect_slack(tenant, "c");
  CHECK(code_of([&] { f.connect_slack(tenant, "a"); }) == ErrorCode::quota_exceeded);
  tenant.set_quota(admin, std::nullopt);
  CHECK_FALSE(tenant.quota().has_value());
  f.connect_slack(tenant, "a");
  CHECK(code_of([&] { tenant.set_quota(admin, -1); }) == ErrorCode::invalid_argument);
  // Another tenant's quota is its own.
  auto other = f.vault.tenant("other");
  CHECK_FALSE(other.quota().has_value());
}

TEST_CASE("mask shows the last 4 characters only for secrets of 12 or more") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  CHECK(f.connect_slack(tenant, "a", "123456789012").credential_mask == "••••9012");
  CHECK(f.connect_slack(tenant, "b", "12345678901").credential_mask == "••••");
  CHECK(tenant.connect(admin, "lightblue", creds({{"username", "someone-long-name"}, {"password", "pw-0123456789"}}))
            .credential_mask == "••••6789");
}

TEST_CASE("get, find and list are scoped and filtered") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const auto s = f.connect_slack(tenant);
  const auto g = tenant.connect(admin, "gmail", creds({{"access_token", "ya29.token-abcdefgh"}}));
  tenant.mark_error(admin, g.id, "quota exhausted");
  CHECK(tenant.get(s.id).provider == "slack");
  CHECK(code_of([&] { tenant.get("00000000-0000-7000-8000-000000000000"); }) == ErrorCode::not_found);
  CHECK(tenant.find("gmail")->id == g.id);
  CHECK_FALSE(tenant.find("gmail", "other").has_value());
  CHECK_FALSE(tenant.find("tave").has_value());
  CHECK(tenant.list().size() == 2);
  CHECK(tenant.list(ListFilter{"gmail", std::nullopt}).size() == 1);
  CHECK(tenant.list(ListFilter{std::nullopt, IntegrationStatus::error}).at(0).id == g.id);
  CHECK(tenant.list(ListFilter{"slack", IntegrationStatus::error}).empty());
}

TEST_CASE("update_credentials reseals, re-masks and logs credentials_updated") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const auto i = tenant.connect(admin, "gmail", creds({{"access_token", "first-token-0001"}}));
  const auto updated = tenant.update_credentials(
      admin, i.id, creds({{"access_token", "second-token-0002"}, {"refresh_token", "r-1"}}),
      2'000'000'000'000);
  CHECK(updated.credential_mask == "••••0002");
  CHECK(updated.expires_at == 2'000'000'000'000);
  const auto revealed = tenant.reveal_credentials(admin, i.id);
  CHECK(value_of(revealed, "access_token") == "second-token-0002");
  CHECK(value_of(revealed, "refresh_token") == "r-1");
  // expires_at omitted keeps the stored expiry.
  CHECK(tenant.update_credentials(admin, i.id, creds({{"access_token", "third"}})).expires_at ==
        2'000'000'000'000);
  CHECK(code_of([&] { tenant.update_credentials(admin, i.id, creds({{"bogus", "x"}})); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] {
          tenant.update_credentials(admin, i.id, creds({{"access_token", "x"}}), -5);
        }) == ErrorCode::invalid_argument);
  const auto log = tenant.activity(i.id);
  CHECK(log[0].action == "credentials_updated");
  CHECK(log[1].action == "credentials_revealed");
  CHECK(log[2].action == "credentials_updated");
  CHECK(log[2].details.find("refresh_token") != std::string::npos);
  CHECK(log[2].details.find("second-token") == std::string::npos);
  tenant.disconnect(admin, i.id);
  CHECK(code_of([&] { tenant.update_credentials(admin, i.id, creds({{"access_token", "x"}})); }) ==
        ErrorCode::failed_precondition);
}

TEST_CASE("reveal_credentials returns plaintext, logs it, and fails once disconnected") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const auto i = tenant.connect(admin, "lightblue",
                                creds({{"username", "studio"}, {"password", "p@ss w0rd ✓"}}));
  const auto revealed = tenant.reveal_credentials(system_actor, i.id);
  CHECK(revealed.size() == 2);
  CHECK(value_of(revealed, "password") == "p@ss w0rd ✓");
  const auto log = tenant.activity(i.id);
  CHECK(log[0].action == "credentials_revealed");
  CHECK(log[0].user_id == "svc-sync");
  CHECK(tenant.get(i.id).last_used_at.has_value());
  tenant.disconnect(admin, i.id);
  CHECK(code_of([&] { tenant.reveal_credentials(admin, i.id); }) == ErrorCode::failed_precondition);
}

TEST_CASE("test calls the tester with plaintext and records the outcome") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const auto i = f.connect_slack(tenant, "default", "xoxb-test-token-1");
  std::string seen;
  SUBCASE("success keeps connected and brings an error back to connected") {
    tenant.mark_error(admin, i.id, "earlier failure");
    const auto result = tenant.test(admin, i.id, [&](const Credentials& c) {
      seen = std::string(secret_view(c.at("bot_token")));
      return TestResult{true, "auth.test ok"};
    });
    CHECK(result.success);
    CHECK(result.message == "auth.test ok");
    CHECK(seen == "xoxb-test-token-1");
    const auto now = tenant.get(i.id);
    CHECK(now.status == IntegrationStatus::connected);
    CHECK_FALSE(now.last_error.has_value());
    CHECK(tenant.activity(i.id)[0].action == "test_success");
  }
  SUBCASE("failure sets error and last_error") {
    const auto result = tenant.test(admin, i.id, [](const Credentials&) {
      return TestResult{false, "invalid_auth"};
    });
    CHECK_FALSE(result.success);
    const auto now = tenant.get(i.id);
    CHECK(now.status == IntegrationStatus::error);
    CHECK(now.last_error == "invalid_auth");
    CHECK(tenant.activity(i.id)[0].action == "test_failed");
  }
  SUBCASE("a throwing tester is a failed test, not an error of the call") {
    const auto result = tenant.test(admin, i.id, [](const Credentials&) -> TestResult {
      throw std::runtime_error("connection refused");
    });
    CHECK_FALSE(result.success);
    CHECK(result.message.find("connection refused") != std::string::npos);
    CHECK(tenant.get(i.id).status == IntegrationStatus::error);
    CHECK(tenant.activity(i.id)[0].action == "test_failed");
  }
  SUBCASE("the tester may use the vault itself: no transaction is held") {
    const auto result = tenant.test(admin, i.id, [&](const Credentials&) {
      tenant.mark_error(admin, i.id, "set from inside the tester");
      return TestResult{true, "ok"};
    });
    CHECK(result.success);
    CHECK(tenant.get(i.id).status == IntegrationStatus::connected);
  }
  SUBCASE("disconnected is FAILED_PRECONDITION and the tester is not called") {
    tenant.disconnect(admin, i.id);
    bool called = false;
    CHECK(code_of([&] {
            tenant.test(admin, i.id, [&](const Credentials&) {
              called = true;
              return TestResult{true, ""};
            });
          }) == ErrorCode::failed_precondition);
    CHECK_FALSE(called);
  }
}

TEST_CASE("disconnect wipes credentials and mask, keeps the row and history") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const auto i = f.connect_slack(tenant);
  const auto d = tenant.disconnect(admin, i.id);
  CHECK(d.status == IntegrationStatus::disconnected);
  CHECK(d.credential_mask.empty());
  CHECK(d.disconnected_at.has_value());
  CHECK(tenant.get(i.id).status == IntegrationStatus::disconnected);
  // The stored row: no sealed blob, an empty mask.
  CHECK(f.raw_texts("acme",
                    "SELECT credential_mask FROM integrations WHERE id = ?1 AND credentials IS NULL",
                    {i.id}) == std::vector<std::optional<std::string>>{""});
  const auto log = tenant.activity(i.id);
  REQUIRE(log.size() == 2);
  CHECK(log[0].action == "disconnected");
  CHECK(code_of([&] { tenant.disconnect(admin, i.id); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { tenant.mark_error(admin, i.id, "x"); }) == ErrorCode::failed_precondition);
}

TEST_CASE("mark_error sets status error and logs status_error") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const auto i = f.connect_slack(tenant);
  const auto e = tenant.mark_error(admin, i.id, "token revoked");
  CHECK(e.status == IntegrationStatus::error);
  CHECK(e.last_error == "token revoked");
  CHECK(tenant.activity(i.id)[0].action == "status_error");
  CHECK(tenant.activity(i.id)[0].details.find("token revoked") != std::string::npos);
  CHECK(code_of([&] { tenant.mark_error(admin, i.id, ""); }) == ErrorCode::invalid_argument);
}

TEST_CASE("activity is newest first with limit and before cursor") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const auto i = f.connect_slack(tenant);
  const auto other = f.connect_slack(tenant, "other");
  for (int n = 0; n < 9; ++n) tenant.mark_error(admin, i.id, "error " + std::to_string(n));
  const auto all = tenant.activity(i.id, ActivityQuery{1000, std::nullopt});
  REQUIRE(all.size() == 10);
  for (std::size_t n = 1; n < all.size(); ++n) CHECK(all[n - 1].sequence > all[n].sequence);
  CHECK(all[0].details.find("error 8") != std::string::npos);

  const auto page1 = tenant.activity(i.id, ActivityQuery{4, std::nullopt});
  const auto page2 = tenant.activity(i.id, ActivityQuery{4, page1.back().id});
  const auto page3 = tenant.activity(i.id, ActivityQuery{4, page2.back().id});
  CHECK(page1.size() == 4);
  CHECK(page2.size() == 4);
  CHECK(page3.size() == 2);
  CHECK(page2[0].id == all[4].id);
  CHECK(page3.back().action == "connected");

  const auto whole = tenant.activity(std::nullopt, ActivityQuery{1000, std::nullopt});
  CHECK(whole.size() == 11);
  CHECK(tenant.activity(other.id).size() == 1);
  CHECK(tenant.activity(std::nullopt).size() == 11);  // default limit 50

  CHECK(code_of([&] { tenant.activity(i.id, ActivityQuery{0, std::nullopt}); }) == ErrorCode::invalid_argument);
  CHECK(code_of([&] { tenant.activity(i.id, ActivityQuery{1001, std::nullopt}); }) == ErrorCode::invalid_argument);
  CHECK(code_of([&] { tenant.activity(i.id, ActivityQuery{5, "no-such-entry"}); }) == ErrorCode::not_found);
  CHECK(code_of([&] { tenant.activity(std::string("no-such-integration")); }) == ErrorCode::not_found);
}

TEST_CASE("providers lists the built-ins and register_provider adds one") {
  VaultFixture f;
  std::vector<std::string> keys;
  for (const auto& p : f.vault.providers()) keys.push_back(p.key);
  for (const char* key : {"slack", "tave", "lightblue", "honeybook", "gmail", "google_calendar",
                          "microsoft_calendar", "custom"}) {
    CHECK(std::find(keys.begin(), keys.end(), key) != keys.end());
  }
  const auto spec = f.vault.register_provider(R"({"key":"acme_crm","name":"Acme CRM","auth_type":"api_key",
      "credential_fields":[{"name":"token","label":"Token","type":"secret","required":true}]})");
  CHECK(spec.key == "acme_crm");
  auto tenant = f.vault.tenant("t");
  CHECK(tenant.connect(admin, "acme_crm", creds({{"token", "acme-0123456789"}})).credential_mask == "••••6789");
  CHECK(code_of([&] { f.vault.register_provider(R"({"key":"slack","name":"x","auth_type":"api_key","credential_fields":[{"name":"a","type":"secret"}]})"); }) ==
        ErrorCode::already_exists);
  CHECK(code_of([&] { f.vault.register_provider("{not json"); }) == ErrorCode::invalid_argument);
}
