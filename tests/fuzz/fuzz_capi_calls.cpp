// Every other lv_ function that takes text or bytes, one fuzzed parameter
// per run. The first byte picks the call (mod 20); the rest is the text.
// Read-only calls (0..8, 19) run against a tenant set up once; calls that
// change state (9..18) run on an integration of their own tenant, which is
// purged and connected again after every call that succeeded (a failed call
// changes nothing), so every run starts from the same state.
#include "capi_fixture.hpp"
#include "fuzz_check.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace {

constexpr const char* read_tenant = "fuzz-calls-ro";
constexpr const char* write_tenant = "fuzz-calls";

const std::string& read_integration() {
  static const std::string id = [] {
    std::string connected = fuzz::connect_or_die(read_tenant);
    char* out = nullptr;
    FUZZ_CHECK(lv_integration_mark_error(fuzz::vault(), &out, read_tenant, fuzz::admin_actor,
                                         connected.c_str(), "setup") == LV_OK,
               "setup mark_error failed");
    lv_string_free(out);
    return connected;
  }();
  return id;
}

struct TesterInput {
  const char* message = nullptr;
  int success = 1;
};

int tester(lv_tester_reply* reply, const char* credentials_json, void* user_data) {
  FUZZ_CHECK(credentials_json != nullptr, "tester got NULL credentials");
  simdjson::dom::parser parser;
  const simdjson::padded_string text(credentials_json, std::strlen(credentials_json));
  FUZZ_CHECK(!parser.parse(text).error(), "tester got credentials that do not parse");
  const auto* input = static_cast<const TesterInput*>(user_data);
  fuzz::check_status(lv_tester_reply_set(reply, input->success, input->message),
                     "lv_tester_reply_set");
  return 0;
}

// Calls that only read the vault (or open it again).
void read_call(int mode, const std::string& fuzzed, const std::uint8_t* data, std::size_t size) {
  const char* text = fuzzed.c_str();
  lv_vault* vault = fuzz::vault();
  const std::string& id = read_integration();
  char* out = nullptr;
  switch (mode) {
    case 0:
      fuzz::check_out(lv_integration_get(vault, &out, read_tenant, text), out,
                      "lv_integration_get");
      break;
    case 1:
      fuzz::check_out(lv_integration_find(vault, &out, read_tenant, text, nullptr), out,
                      "lv_integration_find");
      break;
    case 2:
      fuzz::check_out(lv_integration_find(vault, &out, read_tenant, "slack", text), out,
                      "lv_integration_find");
      break;
    case 3: {
      std::int64_t quota = 7;
      const int status = fuzz::check_status(lv_tenant_get_quota(vault, &quota, text),
                                            "lv_tenant_get_quota");
      FUZZ_CHECK(status == LV_OK ? quota >= -1 : quota == 0, "quota %lld with status %d",
                 static_cast<long long>(quota), status);
      break;
    }
    case 4: {
      const int limit = size > 1 ? static_cast<int>(static_cast<std::int8_t>(data[1])) * 9 : 10;
      fuzz::check_out(lv_activity_list(vault, &out, read_tenant, text, limit, nullptr), out,
                      "lv_activity_list");
      break;
    }
    case 5:
      fuzz::check_out(lv_activity_list(vault, &out, read_tenant, id.c_str(), 1000, text), out,
                      "lv_activity_list");
      break;
    case 6: {
      int number = 0;
      std::memcpy(&number, data + 1, std::min(size - 1, sizeof number));
      const char* name = lv_status_name(number);
      FUZZ_CHECK(name != nullptr, "lv_status_name(%d) is NULL", number);
      FUZZ_CHECK((number >= 0 && number <= 14) == (std::strcmp(name, "UNKNOWN") != 0),
                 "lv_status_name(%d) is %s", number, name);
      break;
    }
    case 7: {
      // The raw key: any length and bytes. Only the real key opens.
      lv_vault* other = nullptr;
      const std::string& path = fuzz::vault_path();
      const int status = fuzz::check_status(
          lv_vault_open(&other, path.c_str(), data + 1, size - 1, 0), "lv_vault_open");
      const bool real_key =
          size - 1 == 32 && std::memcmp(data + 1, fuzz::vault_key(), 32) == 0;
      FUZZ_CHECK((status == LV_OK) == real_key, "lv_vault_open with a %zu-byte key gave %s",
                 size - 1, lv_status_name(status));
      FUZZ_CHECK(status == LV_OK || other == nullptr, "failed open set *out");
      lv_vault_destroy(other);
      break;
    }
    case 8: {
      // The passphrase's checks, up to the missing file: Argon2id itself is
      // far too slow to fuzz (tens of ms a run by design).
      lv_vault* other = nullptr;
      const std::string missing = fuzz::vault_path() + ".missing";
      const int status = fuzz::check_status(
          lv_vault_open_passphrase(&other, missing.c_str(), text, 0), "lv_vault_open_passphrase");
      FUZZ_CHECK(status == LV_NOT_FOUND || status == LV_INVALID_ARGUMENT,
                 "passphrase open of a missing file gave %s", lv_status_name(status));
      break;
    }
    default:
      fuzz::check_out(lv_integration_get(vault, &out, text, id.c_str()), out,
                      "lv_integration_get");
      break;
  }
}

std::string& write_integration() {
  static std::string id = fuzz::connect_or_die(write_tenant);
  return id;
}

// Calls that may change the vault, on write_integration(). Returns the
// status.
int write_call(int mode, const std::string& fuzzed, std::size_t size) {
  const char* text = fuzzed.c_str();
  lv_vault* vault = fuzz::vault();
  const std::string id = write_integration();
  const char* admin = fuzz::admin_actor;
  char* out = nullptr;
  TesterInput input;
  switch (mode) {
    case 9:
      return fuzz::check_out(lv_integration_reveal_credentials(vault, &out, write_tenant, text,
                                                        id.c_str()),
                      out, "lv_integration_reveal_credentials");
      break;
    case 10:
      return fuzz::check_out(lv_integration_test(vault, &out, write_tenant, text, id.c_str(), tester,
                                          &input),
                      out, "lv_integration_test");
      break;
    case 11: {
      input.message = text;
      input.success = static_cast<int>(size & 1);
      const int status = fuzz::check_out(
          lv_integration_test(vault, &out, write_tenant, admin, id.c_str(), tester, &input), out,
          "lv_integration_test");
      FUZZ_CHECK(status == LV_OK, "lv_integration_test failed: %s", lv_last_error_message());
      return status;
    }
    case 12:
      return fuzz::check_out(lv_integration_disconnect(vault, &out, write_tenant, text, id.c_str()), out,
                      "lv_integration_disconnect");
      break;
    case 13:
      return fuzz::check_out(lv_integration_mark_error(vault, &out, write_tenant, text, id.c_str(), "m"),
                      out, "lv_integration_mark_error");
      break;
    case 14:
      return fuzz::check_out(lv_integration_mark_error(vault, &out, write_tenant, admin, id.c_str(), text),
                      out, "lv_integration_mark_error");
      break;
    case 15:
      return fuzz::check_status(lv_tenant_set_quota(vault, write_tenant, text, 3), "lv_tenant_set_quota");
      break;
    case 16: {
      // A quota outlives a purge: lift it again so the next run is the same.
      const int status = fuzz::check_status(
          lv_tenant_set_quota(vault, text, admin, static_cast<std::int64_t>(size) - 4),
          "lv_tenant_set_quota");
      if (status == LV_OK) {
        fuzz::check_status(lv_tenant_set_quota(vault, text, admin, -1), "lv_tenant_set_quota");
      }
      return status;
    }
    case 17:
      return fuzz::check_out(lv_tenant_purge(vault, &out, text, write_tenant), out, "lv_tenant_purge");
      break;
    default:
      return fuzz::check_out(lv_tenant_purge(vault, &out, admin, text), out, "lv_tenant_purge");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int mode = data[0] % 20;
  const std::string fuzzed = fuzz::as_text(data + 1, size - 1);
  if (mode <= 8 || mode == 19) {
    read_call(mode, fuzzed, data, size);
  } else {
    if (write_call(mode, fuzzed, size) == LV_OK) {
      fuzz::purge_or_die(write_tenant);
      write_integration() = fuzz::connect_or_die(write_tenant);
    }
  }
  return 0;
}
