// lv_integration_connect with one fuzzed parameter, the others valid. The
// first byte picks the parameter; the rest is its text:
//   0 credentials_json (slack)   1 credentials_json (lightblue, basic auth)
//   2 options_json               3 actor_json
//   4 provider                   5 tenant
// A successful connect is read back (get, and reveal: the credentials must
// be exactly the ones given), then its tenant is purged, so every run starts
// from the same vault.
#include "capi_fixture.hpp"
#include "fuzz_check.hpp"

#include <simdjson.h>

#include <map>
#include <string>

namespace {

// A JSON object of strings as a map; false if it is anything else.
bool string_map(const char* json, std::map<std::string, std::string>& out) {
  simdjson::dom::parser parser;
  const simdjson::padded_string text(std::string_view{json});
  simdjson::dom::object object;
  if (parser.parse(text).get(object)) return false;
  for (auto field : object) {
    std::string_view value;
    if (field.value.get(value)) return false;
    out[std::string(field.key)] = std::string(value);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int mode = data[0] % 6;
  const std::string fuzzed = fuzz::as_text(data + 1, size - 1);
  const char* text = fuzzed.c_str();

  std::string tenant = "fuzz-connect";
  const char* actor = fuzz::admin_actor;
  const char* provider = mode == 1 ? "lightblue" : "slack";
  const char* credentials =
      mode == 1 ? R"({"username":"u@example.com","password":"p"})" : fuzz::slack_credentials;
  const char* options = nullptr;
  switch (mode) {
    case 0: case 1: credentials = text; break;
    case 2: options = text; break;
    case 3: actor = text; break;
    case 4: provider = text; break;
    default: tenant = text; break;
  }

  char* out = nullptr;
  const int status = fuzz::check_out(
      lv_integration_connect(fuzz::vault(), &out, tenant.c_str(), actor, provider, credentials,
                             options),
      out, "lv_integration_connect", true);
  if (status != LV_OK) return 0;

  const std::string id = fuzz::json_string_field(out, "id");
  FUZZ_CHECK(!id.empty(), "connect returned no id: %s", out);
  FUZZ_CHECK(fuzz::json_string_field(out, "status") == "connected", "connect is not connected: %s", out);
  lv_string_free(out);
  out = nullptr;

  fuzz::check_out(lv_integration_get(fuzz::vault(), &out, tenant.c_str(), id.c_str()), out,
                  "lv_integration_get");
  const int revealed = fuzz::check_out(
      lv_integration_reveal_credentials(fuzz::vault(), &out, tenant.c_str(), fuzz::admin_actor,
                                        id.c_str()),
      out, "lv_integration_reveal_credentials", true);
  FUZZ_CHECK(revealed == LV_OK, "cannot reveal what was just connected");
  std::map<std::string, std::string> given;
  std::map<std::string, std::string> back;
  FUZZ_CHECK(string_map(credentials, given), "accepted credentials that are not a string map");
  FUZZ_CHECK(string_map(out, back), "revealed credentials are not a string map");
  FUZZ_CHECK(given == back, "revealed credentials differ from the ones connected");
  lv_string_free(out);

  fuzz::purge_or_die(tenant.c_str());
  return 0;
}
