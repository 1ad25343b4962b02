// lv_integration_list with a fuzzed filter_json (first byte even) or a
// fuzzed tenant (odd), over a tenant holding an active, an errored and a
// disconnected integration. Read-only: the vault never changes.
#include "capi_fixture.hpp"
#include "fuzz_check.hpp"

#include <string>

namespace {

constexpr const char* tenant_name = "fuzz-list";

void populate_once() {
  static const bool done = [] {
    fuzz::connect_or_die(tenant_name, "slack");
    const std::string errored = fuzz::connect_or_die(
        tenant_name, "lightblue", R"({"username":"u@example.com","password":"p"})");
    const std::string gone =
        fuzz::connect_or_die(tenant_name, "tave", R"({"api_key":"k"})", R"({"name":"old"})");
    char* out = nullptr;
    FUZZ_CHECK(lv_integration_mark_error(fuzz::vault(), &out, tenant_name, fuzz::admin_actor,
                                         errored.c_str(), "upstream said no") == LV_OK,
               "setup mark_error failed");
    lv_string_free(out);
    out = nullptr;
    FUZZ_CHECK(lv_integration_disconnect(fuzz::vault(), &out, tenant_name, fuzz::admin_actor,
                                         gone.c_str()) == LV_OK,
               "setup disconnect failed");
    lv_string_free(out);
    return true;
  }();
  (void)done;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  populate_once();
  const std::string fuzzed = fuzz::as_text(data + 1, size - 1);
  const bool fuzz_tenant = (data[0] & 1) != 0;
  char* out = nullptr;
  fuzz::check_out(lv_integration_list(fuzz::vault(), &out,
                                      fuzz_tenant ? fuzzed.c_str() : tenant_name,
                                      fuzz_tenant ? nullptr : fuzzed.c_str()),
                  out, "lv_integration_list");
  return 0;
}
