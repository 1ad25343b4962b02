// A credential value must never be left in ordinary heap memory: every copy
// lives in secure memory, which is wiped before it is released. The
// interposed allocator (freed_memory_scan.cpp) checks every block freed while
// these cases run — through the C ABI and the C++ API, on connect, update,
// reveal, test (a tester whose message quotes the token), error paths and
// destroy — for the value, raw or in either JSON form.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "freed_memory_scan.hpp"
#include "linkvault.h"
#include "linkvault/linkvault.hpp"
#include "vault/credential_codec.hpp"

#include <botan/system_rng.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace {

namespace heap = linkvault::heap_test;

// The credential value, with a character JSON escapes as \u00e9 and a quote,
// so that the unescaped and the escaped forms differ. The needles and the
// inputs are static arrays: none of them is ever in the heap.
constexpr char token_raw[] = "hn-\xC3\xA9-\"q\"-Q7vX2mK9pL4wR8tZ-end1";
constexpr char token_as_sent[] = "hn-\\u00e9-\\\"q\\\"-Q7vX2mK9pL4wR8tZ-end1";
constexpr char token_as_written[] = "hn-\xC3\xA9-\\\"q\\\"-Q7vX2mK9pL4wR8tZ-end1";
constexpr char token_core[] = "Q7vX2mK9pL4wR8tZ";  // in every form

constexpr char credentials_json[] =
    "{\"bot_token\": \"hn-\\u00e9-\\\"q\\\"-Q7vX2mK9pL4wR8tZ-end1\" }";
constexpr char credentials_unknown_field[] =
    "{\"bot_token\":\"hn-\\u00e9-\\\"q\\\"-Q7vX2mK9pL4wR8tZ-end1\","
    "\"extra\":\"hn-\\u00e9-\\\"q\\\"-Q7vX2mK9pL4wR8tZ-end1\"}";
constexpr char credentials_trailing[] =
    "{\"bot_token\":\"hn-\\u00e9-\\\"q\\\"-Q7vX2mK9pL4wR8tZ-end1\"} x";
constexpr char credentials_bad_escape[] =
    "{\"bot_token\":\"hn-\\u00e9-\\\"q\\\"-Q7vX2mK9pL4wR8tZ-end1\\q\"}";
constexpr char admin_json[] = "{\"user_id\":\"u-1\",\"user_name\":\"Alice\",\"role\":\"admin\"}";

struct Needles {
  Needles() {
    heap::add_needle(token_raw);
    heap::add_needle(token_as_sent);
    heap::add_needle(token_as_written);
    heap::add_needle(token_core);
  }
};
const Needles needles;

std::string temp_vault_path(const char* name) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "linkvault-heap-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern + "/" + name;
}

// Armed for the lifetime of the object.
struct Watch {
  Watch() {
    heap::reset_findings();
    heap::arm();
  }
  ~Watch() { heap::disarm(); }
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
};

void check_no_freed_copy() {
  const heap::Findings found = heap::findings();
  INFO("first freed block holding it: " << found.first_block_size << " bytes, needle #"
                                        << found.first_needle);
  CHECK(found.blocks == 0);
}

// An output the library returns (wiped by lv_string_free) must not carry the
// token either, except the revealed credentials.
void check_and_free(char* out, bool may_hold_token = false) {
  REQUIRE(out != nullptr);
  if (!may_hold_token) CHECK(std::strstr(out, token_core) == nullptr);
  lv_string_free(out);
}

// Reads the integration id out of an integration's JSON into a fixed buffer.
void copy_id(const char* integration_json, char (&id)[64]) {
  const char* start = std::strstr(integration_json, "\"id\":\"");
  REQUIRE(start != nullptr);
  start += 6;
  const char* end = std::strchr(start, '"');
  REQUIRE(end != nullptr);
  REQUIRE(static_cast<std::size_t>(end - start) < sizeof id);
  std::memcpy(id, start, static_cast<std::size_t>(end - start));
  id[end - start] = '\0';
}

// A host tester that checks the token arrived, then quotes it in its answer
// (a careless host): the library must not keep that copy either.
int quoting_tester(lv_tester_reply* reply, const char* credentials, void* user_data) {
  const bool arrived = std::strstr(credentials, token_as_written) != nullptr;
  char message[128];
  std::snprintf(message, sizeof message, "provider said: bad token %s (%s)", token_raw,
                token_raw);
  const int success = *static_cast<const int*>(user_data);
  return lv_tester_reply_set(reply, arrived && success != 0, message);
}

}  // namespace

TEST_CASE("the C ABI leaves no credential value in freed heap memory") {
  const std::string path = temp_vault_path("capi.vault");
  std::uint8_t key[32];
  Botan::system_rng().randomize(key, sizeof key);
  lv_vault* vault = nullptr;
  REQUIRE(lv_vault_open(&vault, path.c_str(), key, sizeof key, 1) == LV_OK);
  char id[64] = {};
  {
    const Watch watch;
    char* out = nullptr;
    REQUIRE(lv_integration_connect(vault, &out, "acme", admin_json, "slack", credentials_json,
                                   nullptr) == LV_OK);
    copy_id(out, id);
    check_and_free(out);

    CHECK(lv_integration_update_credentials(vault, &out, "acme", admin_json, id,
                                            credentials_json, nullptr) == LV_OK);
    check_and_free(out);

    REQUIRE(lv_integration_reveal_credentials(vault, &out, "acme", admin_json, id) == LV_OK);
    CHECK(std::strstr(out, token_as_written) != nullptr);
    check_and_free(out, true);

    const int fail = 0;
    const int pass = 1;
    REQUIRE(lv_integration_test(vault, &out, "acme", admin_json, id, quoting_tester,
                                const_cast<int*>(&fail)) == LV_OK);
    CHECK(std::strstr(out, "\"success\":false") != nullptr);
    check_and_free(out);
    REQUIRE(lv_integration_get(vault, &out, "acme", id) == LV_OK);
    check_and_free(out);
    REQUIRE(lv_integration_test(vault, &out, "acme", admin_json, id, quoting_tester,
                                const_cast<int*>(&pass)) == LV_OK);
    CHECK(std::strstr(out, "\"success\":true") != nullptr);
    check_and_free(out);
    REQUIRE(lv_activity_list(vault, &out, "acme", id, 50, nullptr) == LV_OK);
    check_and_free(out);

    // Refused input: the value was parsed (or half parsed) all the same.
    for (const char* bad : {credentials_unknown_field, credentials_trailing,
                            credentials_bad_escape}) {
      CHECK(lv_integration_update_credentials(vault, &out, "acme", admin_json, id, bad,
                                              nullptr) == LV_INVALID_ARGUMENT);
      CHECK(out == nullptr);
      CHECK(std::strstr(lv_last_error_message(), token_core) == nullptr);
    }

    lv_vault_destroy(vault);
    check_no_freed_copy();
  }
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST_CASE("the C++ API leaves no credential value in freed heap memory") {
  using namespace linkvault;
  const std::string path = temp_vault_path("cpp.vault");
  SecretBytes key(32);
  Botan::system_rng().randomize(key.data(), key.size());
  const Actor admin{"u-1", "Alice", Role::admin};
  {
    const Watch watch;
    Vault vault = Vault::open(path, MasterSecret::from_key(std::move(key)));
    Tenant tenant = vault.tenant("acme");
    Credentials credentials;
    credentials.emplace("bot_token", make_secret(token_raw));
    const std::string id = tenant.connect(admin, "slack", credentials, {}).id;
    tenant.update_credentials(admin, id, credentials, std::nullopt);

    const Credentials revealed = tenant.reveal_credentials(admin, id);
    CHECK(secret_view(revealed.at("bot_token")) == token_raw);

    for (const bool success : {false, true}) {
      const TestResult result = tenant.test(admin, id, [success](const Credentials& given) {
        TestResult answer;
        answer.success = success && secret_view(given.at("bot_token")) == token_raw;
        answer.message.reserve(128);  // built in one buffer: no stray copy of ours
        answer.message.append("provider said: bad token ").append(token_raw);
        return answer;
      });
      CHECK(result.message.find(token_core) == std::string::npos);
      CHECK(tenant.get(id).last_error.value_or("").find(token_core) == std::string::npos);
    }

    Credentials unknown_field = credentials;
    unknown_field.emplace("extra", make_secret(token_raw));
    CHECK_THROWS_AS(tenant.update_credentials(admin, id, unknown_field, std::nullopt), Error);
    CHECK_THROWS_AS(parse_credentials_json(credentials_trailing), Error);
    CHECK(parse_credentials_json(credentials_json) == credentials);

    vault.close();
  }
  check_no_freed_copy();
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}
