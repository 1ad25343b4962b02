// lv_integration_update_credentials on a connected slack integration, with
// one fuzzed parameter. The first byte picks it; the rest is its text:
//   0 credentials_json   1 options_json   2 actor_json
//   3 integration_id     4 tenant
// After a successful update the tenant is purged and the integration
// connected again, so every run starts from the same state.
#include "capi_fixture.hpp"
#include "fuzz_check.hpp"

#include <string>

namespace {

constexpr const char* tenant_name = "fuzz-update";

std::string& integration_id() {
  static std::string id = fuzz::connect_or_die(tenant_name);
  return id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int mode = data[0] % 5;
  const std::string fuzzed = fuzz::as_text(data + 1, size - 1);
  const char* text = fuzzed.c_str();

  std::string id = integration_id();
  const char* tenant = tenant_name;
  const char* actor = fuzz::admin_actor;
  const char* credentials = R"({"bot_token":"xoxb-updated","signing_secret":"s"})";
  const char* options = nullptr;
  switch (mode) {
    case 0: credentials = text; break;
    case 1: options = text; break;
    case 2: actor = text; break;
    case 3: id = fuzzed; break;
    default: tenant = text; break;
  }

  char* out = nullptr;
  const int status = fuzz::check_out(
      lv_integration_update_credentials(fuzz::vault(), &out, tenant, actor, id.c_str(),
                                        credentials, options),
      out, "lv_integration_update_credentials", true);
  if (status != LV_OK) return 0;
  FUZZ_CHECK(fuzz::json_string_field(out, "id") == integration_id(),
             "updated another integration: %s", out);
  lv_string_free(out);
  out = nullptr;
  fuzz::check_out(lv_integration_reveal_credentials(fuzz::vault(), &out, tenant_name,
                                                    fuzz::admin_actor, integration_id().c_str()),
                  out, "lv_integration_reveal_credentials");

  fuzz::purge_or_die(tenant_name);
  integration_id() = fuzz::connect_or_die(tenant_name);
  return 0;
}
