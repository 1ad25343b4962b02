// The lv_ functions that read the vault (or open its file again) and take
// text or bytes, one fuzzed parameter per run, against a tenant set up once
// (its integration marked errored). The first byte picks the call (mod 10);
// the rest is the text:
//   0 get(integration_id)          1 find(provider)
//   2 find(name)                   3 tenant_get_quota(tenant)
//   4 activity_list(integration_id; the next byte sets the limit)
//   5 activity_list(before)        6 status_name(int from the bytes)
//   7 vault_open(raw key bytes, any length)
//   8 vault_open_passphrase(passphrase), on a missing file
//   9 get(tenant)
// Nothing here changes the vault, so runs do not depend on each other.
#include <algorithm>
#include <cstring>
#include <string>

#include "capi_fixture.hpp"
#include "fuzz_check.hpp"

namespace {

constexpr const char* read_tenant = "fuzz-reads";

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
      const int status =
          fuzz::check_status(lv_tenant_get_quota(vault, &quota, text), "lv_tenant_get_quota");
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
      const bool real_key = size - 1 == 32 && std::memcmp(data + 1, fuzz::vault_key(), 32) == 0;
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
      fuzz::check_out(lv_integration_get(vault, &out, text, id.c_str()), out, "lv_integration_get");
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  read_call(data[0] % 10, fuzz::as_text(data + 1, size - 1), data, size);
  return 0;
}
