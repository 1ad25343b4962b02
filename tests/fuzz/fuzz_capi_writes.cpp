// The lv_ functions that change the vault and take text, one fuzzed
// parameter per run, on a connected slack integration. The first byte picks
// the call (mod 10); the rest is the text:
//   0 reveal_credentials(actor)    1 test(actor)
//   2 test, with the text as the tester's lv_tester_reply_set message
//     (success if the input length is odd)
//   3 disconnect(actor)            4 mark_error(actor)
//   5 mark_error(message)          6 tenant_set_quota(actor)
//   7 tenant_set_quota(tenant)     8 tenant_purge(actor)
//   9 tenant_purge(tenant)
// A failed call changes nothing. A successful disconnect or purge leaves no
// usable integration, so the tenant is purged and the integration connected
// again at once; the other calls only add activity or set status and
// last_error, which no call here depends on, so for them the same reset
// runs every 256 successes (the activity stays small).
#include <simdjson.h>

#include <cstring>
#include <string>

#include "capi_fixture.hpp"
#include "fuzz_check.hpp"

namespace {

constexpr const char* write_tenant = "fuzz-writes";

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
    case 0:
      return fuzz::check_out(
          lv_integration_reveal_credentials(vault, &out, write_tenant, text, id.c_str()), out,
          "lv_integration_reveal_credentials");
    case 1:
      return fuzz::check_out(
          lv_integration_test(vault, &out, write_tenant, text, id.c_str(), tester, &input), out,
          "lv_integration_test");
    case 2: {
      input.message = text;
      input.success = static_cast<int>(size & 1);
      const int status = fuzz::check_out(
          lv_integration_test(vault, &out, write_tenant, admin, id.c_str(), tester, &input), out,
          "lv_integration_test");
      FUZZ_CHECK(status == LV_OK, "lv_integration_test failed: %s", lv_last_error_message());
      return status;
    }
    case 3:
      return fuzz::check_out(lv_integration_disconnect(vault, &out, write_tenant, text, id.c_str()),
                             out, "lv_integration_disconnect");
    case 4:
      return fuzz::check_out(
          lv_integration_mark_error(vault, &out, write_tenant, text, id.c_str(), "m"), out,
          "lv_integration_mark_error");
    case 5:
      return fuzz::check_out(
          lv_integration_mark_error(vault, &out, write_tenant, admin, id.c_str(), text), out,
          "lv_integration_mark_error");
    case 6:
      return fuzz::check_status(lv_tenant_set_quota(vault, write_tenant, text, 3),
                                "lv_tenant_set_quota");
    case 7: {
      // A quota outlives a purge: lift it again so the next run is the same.
      const int status = fuzz::check_status(
          lv_tenant_set_quota(vault, text, admin, static_cast<std::int64_t>(size) - 4),
          "lv_tenant_set_quota");
      if (status == LV_OK) {
        fuzz::check_status(lv_tenant_set_quota(vault, text, admin, -1), "lv_tenant_set_quota");
      }
      return status;
    }
    case 8:
      return fuzz::check_out(lv_tenant_purge(vault, &out, text, write_tenant), out,
                             "lv_tenant_purge");
    default:
      return fuzz::check_out(lv_tenant_purge(vault, &out, admin, text), out, "lv_tenant_purge");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static int successes_since_reset = 0;
  const int mode = data[0] % 10;
  const std::string text = fuzz::as_text(data + 1, size - 1);
  if (write_call(mode, text, size) != LV_OK) return 0;
  const bool integration_gone =
      mode == 3 || mode == 8 || (mode == 9 && std::string(text.c_str()) == write_tenant);
  if (integration_gone || ++successes_since_reset == 256) {
    fuzz::purge_or_die(write_tenant);
    write_integration() = fuzz::connect_or_die(write_tenant);
    successes_since_reset = 0;
  }
  return 0;
}
