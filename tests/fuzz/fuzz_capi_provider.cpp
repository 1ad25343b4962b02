// lv_provider_register with a fuzzed spec_json. A registered spec comes back
// as canonical JSON that registers again as a no-op (the same JSON), and
// through lv_provider_register_replace too; it shows in lv_provider_list and
// takes a connect attempt without crashing. Registered providers are stored
// in the vault file, so the run ends on a fresh vault: every run starts from
// the built-in catalog.
#include "capi_fixture.hpp"
#include "fuzz_check.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string spec = fuzz::as_text(data, size);
  char* out = nullptr;
  const int status = fuzz::check_out(lv_provider_register(fuzz::vault(), &out, spec.c_str()),
                                     out, "lv_provider_register", true);
  if (status != LV_OK) return 0;

  const std::string stored = out;
  lv_string_free(out);
  out = nullptr;
  const std::string key = fuzz::json_string_field(stored, "key");
  FUZZ_CHECK(!key.empty(), "registered spec has no key: %s", stored.c_str());

  const int again = fuzz::check_out(lv_provider_register(fuzz::vault(), &out, stored.c_str()),
                                    out, "lv_provider_register (again)", true);
  FUZZ_CHECK(again == LV_OK, "registering the stored spec again gave %s",
             lv_status_name(again));
  FUZZ_CHECK(stored == out, "registering the stored spec again changed it: %s", out);
  lv_string_free(out);
  out = nullptr;
  const int replaced = fuzz::check_out(
      lv_provider_register_replace(fuzz::vault(), &out, stored.c_str()), out,
      "lv_provider_register_replace", true);
  FUZZ_CHECK(replaced == LV_OK, "replacing with the stored spec gave %s",
             lv_status_name(replaced));
  FUZZ_CHECK(stored == out, "replacing with the stored spec changed it: %s", out);
  lv_string_free(out);
  out = nullptr;
  fuzz::check_out(lv_provider_list(fuzz::vault(), &out), out, "lv_provider_list", true);
  FUZZ_CHECK(std::string(out).find("\"key\":\"" + key + "\"") != std::string::npos,
             "lv_provider_list lacks %s", key.c_str());
  lv_string_free(out);
  out = nullptr;

  constexpr const char* tenant = "fuzz-provider";
  const int connected = fuzz::check_out(
      lv_integration_connect(fuzz::vault(), &out, tenant, fuzz::admin_actor, key.c_str(),
                             R"({"api_key":"k","username":"u","password":"p"})", nullptr),
      out, "lv_integration_connect (registered provider)");
  if (connected == LV_OK) fuzz::purge_or_die(tenant);

  fuzz::fresh_vault();
  return 0;
}
