// parse_sync_config on arbitrary text: INVALID_ARGUMENT or a config that
// validates and survives to_json and parse unchanged.
#include "fuzz_check.hpp"
#include "linkvault/error.hpp"
#include "linkvault/sync_config.hpp"

#include <string_view>

using namespace linkvault;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  SyncConfig config;
  try {
    config = parse_sync_config(text);
  } catch (const Error& error) {
    FUZZ_CHECK(error.code() == ErrorCode::invalid_argument, "parse failed with %s: %s",
               error_code_name(error.code()), error.what());
    return 0;
  }
  validate_sync_config(config);  // throws (and so crashes) if out of range
  const std::string json = to_json(config);
  FUZZ_CHECK(parse_sync_config(json) == config, "config changed through JSON: %s", json.c_str());
  return 0;
}
