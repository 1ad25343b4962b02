// parse_provider_spec on arbitrary text: INVALID_ARGUMENT or a spec whose
// to_json parses back to the same JSON (canonical after one round).
#include "fuzz_check.hpp"
#include "linkvault/error.hpp"
#include "linkvault/provider.hpp"

#include <string_view>

using namespace linkvault;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ProviderSpec spec;
  try {
    spec = parse_provider_spec(text);
  } catch (const Error& error) {
    FUZZ_CHECK(error.code() == ErrorCode::invalid_argument, "parse failed with %s: %s",
               error_code_name(error.code()), error.what());
    return 0;
  }
  FUZZ_CHECK(!spec.key.empty() && !spec.fields.empty(), "accepted a spec without key or fields");
  const std::string json = to_json(spec);
  const std::string again = to_json(parse_provider_spec(json));
  FUZZ_CHECK(again == json, "spec changed through JSON:\n%s\n%s", json.c_str(), again.c_str());
  return 0;
}
