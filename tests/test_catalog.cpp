// The provider catalog: built-ins, host registration, and the strict spec
// parser behind both (DESIGN.md §5). Each case uses a fresh vault's catalog,
// since registrations are stored in the vault file.
#include "vault/catalog.hpp"

#include "vault_fixture.hpp"

#include "linkvault/error.hpp"
#include "linkvault/provider.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace linkvault;
using linkvault::testing::VaultFixture;

namespace {

const CredentialField* field_named(const ProviderSpec& spec, std::string_view name) {
  for (const auto& field : spec.fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

// The code and message of the Error `action` throws; fails the test if none.
template <typename Action>
Error caught(Action&& action) {
  try {
    action();
  } catch (const Error& error) {
    return error;
  }
  FAIL("no linkvault::Error was thrown");
  return Error(ErrorCode::ok, "");
}

void check_field(const ProviderSpec& spec, std::string_view name, FieldType type,
                 bool required) {
  INFO("provider ", spec.key, ", field ", name);
  const CredentialField* field = field_named(spec, name);
  REQUIRE(field != nullptr);
  CHECK(field->type == type);
  CHECK(field->required == required);
  CHECK_FALSE(field->label.empty());
}

constexpr const char* valid_spec = R"({
  "key": "acme_crm",
  "name": "Acme CRM",
  "auth_type": "basic",
  "credential_fields": [
    {"name": "username", "label": "User", "type": "email", "placeholder": "me@acme.test"},
    {"name": "password", "type": "secret", "required": true},
    {"name": "endpoint", "type": "url", "required": false}
  ],
  "scopes": ["contacts.read", "contacts.write"],
  "rate_limits": {"requests_per_minute": 120, "burst": 0},
  "features": ["contacts_import"]
})";

}  // namespace

TEST_CASE("catalog: built-in providers are present with the contract's fields") {
  VaultFixture f;
  const Catalog& catalog = VaultAccess::core(f.vault)->catalog();
  const auto providers = catalog.providers();

  SUBCASE("every built-in key, sorted") {
    std::vector<std::string> keys;
    for (const auto& spec : providers) keys.push_back(spec.key);
    CHECK(std::is_sorted(keys.begin(), keys.end()));
    for (const char* key : {"slack", "tave", "lightblue", "honeybook", "gmail",
                            "google_calendar", "microsoft_calendar", "custom"}) {
      INFO("provider ", key);
      CHECK(std::find(keys.begin(), keys.end(), key) != keys.end());
    }
  }
  SUBCASE("slack: api key, bot_token required, signing_secret optional") {
    const auto slack = catalog.get("slack");
    CHECK(slack.auth_type == AuthType::api_key);
    CHECK(slack.name == "Slack");
    REQUIRE(slack.fields.size() == 2);
    CHECK(slack.fields[0].name == "bot_token");  // first secret: it drives the mask
    check_field(slack, "bot_token", FieldType::secret, true);
    check_field(slack, "signing_secret", FieldType::secret, false);
  }
  SUBCASE("tave: api_key") {
    const auto tave = catalog.get("tave");
    CHECK(tave.auth_type == AuthType::api_key);
    REQUIRE(tave.fields.size() == 1);
    check_field(tave, "api_key", FieldType::secret, true);
  }
  SUBCASE("lightblue: basic username and password") {
    const auto lightblue = catalog.get("lightblue");
    CHECK(lightblue.auth_type == AuthType::basic);
    REQUIRE(lightblue.fields.size() == 2);
    check_field(lightblue, "username", FieldType::text, true);
    check_field(lightblue, "password", FieldType::secret, true);
  }
  SUBCASE("oauth2 providers: access_token required, refresh_token optional") {
    for (const char* key : {"honeybook", "gmail", "google_calendar", "microsoft_calendar"}) {
      const auto spec = catalog.get(key);
      INFO("provider ", key);
      CHECK(spec.auth_type == AuthType::oauth2);
      REQUIRE(spec.fields.size() == 2);
      CHECK(spec.fields[0].name == "access_token");
      check_field(spec, "access_token", FieldType::secret, true);
      check_field(spec, "refresh_token", FieldType::secret, false);
      CHECK_FALSE(spec.scopes.empty());
    }
  }
  SUBCASE("custom: api_key secret and base_url url, both required") {
    const auto custom = catalog.get("custom");
    CHECK(custom.auth_type == AuthType::api_key);
    REQUIRE(custom.fields.size() == 2);
    check_field(custom, "api_key", FieldType::secret, true);
    check_field(custom, "base_url", FieldType::url, true);
  }
  SUBCASE("every built-in has a display name, rate limits and features") {
    for (const auto& spec : providers) {
      INFO("provider ", spec.key);
      CHECK_FALSE(spec.name.empty());
      CHECK_FALSE(spec.rate_limits.empty());
      CHECK_FALSE(spec.features.empty());
    }
  }
  SUBCASE("every built-in survives to_json and back unchanged") {
    for (const auto& spec : providers) {
      INFO("provider ", spec.key);
      const auto again = parse_provider_spec(to_json(spec));
      CHECK(to_json(again) == to_json(spec));
    }
  }
}

TEST_CASE("catalog: get of an unknown provider is INVALID_ARGUMENT naming it") {
  VaultFixture f;
  const Catalog& catalog = VaultAccess::core(f.vault)->catalog();
  const auto error = caught([&] { catalog.get("nope"); });
  CHECK(error.code() == ErrorCode::invalid_argument);
  CHECK(std::string(error.what()) == "unknown provider 'nope'");
  CHECK(catalog.find("nope") == nullptr);
  REQUIRE(catalog.find("slack") != nullptr);
  CHECK(catalog.find("slack")->key == "slack");
}

TEST_CASE("catalog: a host registers a valid spec") {
  VaultFixture f;
  Catalog& catalog = VaultAccess::core(f.vault)->catalog();
  const auto before = catalog.providers().size();
  const ProviderSpec added = catalog.add(valid_spec);

  CHECK(added.key == "acme_crm");
  CHECK(added.name == "Acme CRM");
  CHECK(added.auth_type == AuthType::basic);
  REQUIRE(added.fields.size() == 3);
  CHECK(added.fields[0].name == "username");
  CHECK(added.fields[0].label == "User");
  CHECK(added.fields[0].type == FieldType::email);
  CHECK(added.fields[0].required);  // default
  CHECK(added.fields[0].placeholder == "me@acme.test");
  CHECK(added.fields[1].label == "password");  // label defaults to the name
  CHECK(added.fields[1].placeholder.empty());
  CHECK(added.fields[2].type == FieldType::url);
  CHECK_FALSE(added.fields[2].required);
  CHECK(added.scopes == std::vector<std::string>{"contacts.read", "contacts.write"});
  CHECK(added.rate_limits.at("requests_per_minute") == 120);
  CHECK(added.rate_limits.at("burst") == 0);
  CHECK(added.features == std::vector<std::string>{"contacts_import"});

  CHECK(catalog.providers().size() == before + 1);
  CHECK(catalog.get("acme_crm").name == "Acme CRM");

  SUBCASE("optional sections may be left out") {
    const auto minimal = catalog.add(R"({"key":"min","name":"Min","auth_type":"api_key",
        "credential_fields":[{"name":"token","type":"secret"}]})");
    CHECK(minimal.scopes.empty());
    CHECK(minimal.rate_limits.empty());
    CHECK(minimal.features.empty());
  }
  SUBCASE("to_json emits the same shape and round-trips") {
    const std::string json = to_json(added);
    CHECK(json.find(R"("credential_fields":[{"name":"username","label":"User","type":"email",)"
                    R"("required":true,"placeholder":"me@acme.test"})") != std::string::npos);
    CHECK(json.find(R"("rate_limits":{"burst":0,"requests_per_minute":120})") !=
          std::string::npos);
    const auto again = parse_provider_spec(json);
    CHECK(to_json(again) == json);
    CHECK(again.fields[1].label == "password");
  }
}

TEST_CASE("catalog: a taken key with another spec is ALREADY_EXISTS and changes nothing") {
  VaultFixture f;
  Catalog& catalog = VaultAccess::core(f.vault)->catalog();
  catalog.add(valid_spec);
  const auto count = catalog.providers().size();

  SUBCASE("the same key with a different spec") {
    const auto error = caught([&] {
      catalog.add(R"({"key":"acme_crm","name":"Acme CRM 2","auth_type":"api_key",
                      "credential_fields":[{"name":"x","type":"text"}]})");
    });
    CHECK(error.code() == ErrorCode::already_exists);
    CHECK(std::string(error.what()).find("'acme_crm'") != std::string::npos);
    CHECK(catalog.get("acme_crm").name == "Acme CRM");
  }
  SUBCASE("a built-in key") {
    const auto error = caught([&] {
      catalog.add(R"({"key":"slack","name":"Fake Slack","auth_type":"api_key",
                      "credential_fields":[{"name":"x","type":"text"}]})");
    });
    CHECK(error.code() == ErrorCode::already_exists);
    CHECK(catalog.get("slack").name == "Slack");
  }
  CHECK(catalog.providers().size() == count);
}

TEST_CASE("catalog: every kind of bad spec is INVALID_ARGUMENT naming the problem") {
  VaultFixture f;
  Catalog& catalog = VaultAccess::core(f.vault)->catalog();
  const auto count = catalog.providers().size();
  // {spec, text the message must contain}
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"{", "not valid JSON"},
      {R"({"key":"a",})", "not valid JSON"},
      {"[1,2]", "must be a JSON object"},
      {"\"slack\"", "must be a JSON object"},
      {R"({"name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}]})",
       "missing required key 'key'"},
      {R"({"key":"a","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}]})",
       "missing required key 'name'"},
      {R"({"key":"a","name":"A","credential_fields":[{"name":"a","type":"text"}]})",
       "missing required key 'auth_type'"},
      {R"({"key":"a","name":"A","auth_type":"api_key"})", "missing required key 'credential_fields'"},
      {R"({"key":"Slack","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}]})",
       "'key' must match"},
      {R"({"key":"","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}]})",
       "'key' must match"},
      {R"({"key":"a-b","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}]})",
       "'key' must match"},
      {R"({"key":")" + std::string(65, 'a') +
           R"(","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}]})",
       "'key' must match"},
      {R"({"key":7,"name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}]})",
       "'key' must be a string"},
      {R"({"key":"a","name":"","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}]})",
       "'name' must not be empty"},
      {R"({"key":"a","name":null,"auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}]})",
       "'name' must be a string"},
      {R"({"key":"a","name":"A","auth_type":"saml","credential_fields":[{"name":"a","type":"text"}]})",
       "'auth_type' must be one of"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[]})",
       "'credential_fields' must not be empty"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":{}})",
       "'credential_fields' must be an array"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":["a"]})",
       "'credential_fields[0]' must be a JSON object"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"type":"text"}]})",
       "'credential_fields[0]' is missing 'name'"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a"}]})",
       "'credential_fields[0]' is missing 'type'"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"},{"name":"B","type":"text"}]})",
       "'credential_fields[1].name' must match"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"password"}]})",
       "'credential_fields[0].type' must be one of"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text","required":"yes"}]})",
       "'credential_fields[0].required' must be true or false"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text","placeholder":1}]})",
       "'credential_fields[0].placeholder' must be a string"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text","label":""}]})",
       "'credential_fields[0].label' must not be empty"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"},{"name":"a","type":"secret"}]})",
       "repeats credential field 'a'"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text","hint":"x"}]})",
       "unknown key 'hint' in 'credential_fields[0]'"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text","name":"b"}]})",
       "duplicate key 'name' in 'credential_fields[0]'"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"scopes":"read"})",
       "'scopes' must be an array"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"scopes":["read",1]})",
       "'scopes[1]' must be a string"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"scopes":[""]})",
       "'scopes[0]' must not be empty"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"scopes":["r","r"]})",
       "'scopes' repeats 'r'"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"rate_limits":[]})",
       "'rate_limits' must be a JSON object"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"rate_limits":{"rpm":-1}})",
       "'rate_limits' entry 'rpm' must be a non-negative integer"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"rate_limits":{"rpm":1.5}})",
       "'rate_limits' entry 'rpm' must be a non-negative integer"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"rate_limits":{"rpm":"60"}})",
       "'rate_limits' entry 'rpm' must be a non-negative integer"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"rate_limits":{"rpm":18446744073709551615}})",
       "'rate_limits' entry 'rpm' must be a non-negative integer"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"rate_limits":{"rpm":1,"rpm":2}})",
       "'rate_limits' repeats 'rpm'"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"features":[true]})",
       "'features[0]' must be a string"},
      {R"({"key":"a","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}],"webhooks":true})",
       "unknown key 'webhooks'"},
      {R"({"key":"a","key":"b","name":"A","auth_type":"api_key","credential_fields":[{"name":"a","type":"text"}]})",
       "duplicate key 'key'"},
      {"{\"key\":\"a\",\"name\":\"\xff\",\"auth_type\":\"api_key\",\"credential_fields\":[]}",
       "not valid JSON"},
  };
  for (const auto& bad : cases) {
    // Named, not a structured binding: clang 14 cannot capture bindings.
    const auto& spec = bad.first;
    const auto& expected = bad.second;
    INFO("spec: ", spec);
    const auto error = caught([&] { catalog.add(spec); });
    CHECK(error.code() == ErrorCode::invalid_argument);
    const std::string message = error.what();
    CHECK_MESSAGE(message.find(expected) != std::string::npos, "message: ", message);
  }
  SUBCASE("more than 64 credential fields") {
    std::string spec = R"({"key":"wide","name":"Wide","auth_type":"api_key","credential_fields":[)";
    for (int i = 0; i < 65; ++i) {
      spec += (i ? "," : "") + std::string(R"({"name":"f)") + std::to_string(i) + R"(","type":"text"})";
    }
    spec += "]}";
    const auto error = caught([&] { catalog.add(spec); });
    CHECK(error.code() == ErrorCode::invalid_argument);
    CHECK(std::string(error.what()).find("'credential_fields' has more than 64") != std::string::npos);
  }
  SUBCASE("an unknown key is quoted safely in the message") {
    const auto error = caught([&] {
      catalog.add(R"({"key":"a","name":"A","auth_type":"api_key",)"
                  R"("credential_fields":[{"name":"a","type":"text"}],"bad\nkey'":1})");
    });
    CHECK(std::string(error.what()).find(R"(unknown key 'bad\x0akey\'')") != std::string::npos);
  }
  CHECK(catalog.providers().size() == count);
}

TEST_CASE("catalog: concurrent readers and writers see whole providers") {
  VaultFixture f;
  Catalog& catalog = VaultAccess::core(f.vault)->catalog();
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string key = "p" + std::to_string(t) + "_" + std::to_string(i);
        catalog.add(R"({"key":")" + key + R"(","name":"P","auth_type":"api_key",)"
                    R"("credential_fields":[{"name":"api_key","type":"secret"}]})");
        if (catalog.get(key).fields.size() != 1) failed = true;
        if (catalog.get("slack").fields.size() != 2) failed = true;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK_FALSE(failed);
  CHECK(catalog.providers().size() == 8 + 200);
}

TEST_CASE("catalog: enum names match the contract's spelling") {
  CHECK(std::string(to_string(AuthType::api_key)) == "api_key");
  CHECK(std::string(to_string(AuthType::oauth2)) == "oauth2");
  CHECK(std::string(to_string(AuthType::basic)) == "basic");
  CHECK(parse_auth_type("oauth2") == AuthType::oauth2);
  CHECK_FALSE(parse_auth_type("OAuth2").has_value());
  for (const auto type : {FieldType::secret, FieldType::text, FieldType::url, FieldType::email}) {
    CHECK(parse_field_type(to_string(type)) == type);
  }
  CHECK(std::string(to_string(FieldType::email)) == "email");
  CHECK_FALSE(parse_field_type("").has_value());
}
