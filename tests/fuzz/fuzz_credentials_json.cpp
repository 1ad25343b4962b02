// parse_credentials_json on arbitrary text. It either fails with
// INVALID_ARGUMENT or parses, and then: credentials_to_json writes JSON that
// parses back to the same credentials and is itself a fixed point, and the
// binary codec round-trips them.
#include "fuzz_check.hpp"
#include "linkvault/error.hpp"
#include "vault/credential_codec.hpp"

#include <string_view>

using namespace linkvault;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Credentials credentials;
  try {
    credentials = parse_credentials_json(text);
  } catch (const Error& error) {
    FUZZ_CHECK(error.code() == ErrorCode::invalid_argument, "parse failed with %s: %s",
               error_code_name(error.code()), error.what());
    return 0;
  }
  const SecretBytes json = credentials_to_json(credentials);
  const Credentials back = parse_credentials_json(secret_view(json));
  FUZZ_CHECK(back == credentials, "credentials changed through to_json and parse");
  FUZZ_CHECK(credentials_to_json(back) == json, "to_json is not a fixed point");
  FUZZ_CHECK(decode_credentials(encode_credentials(credentials)) == credentials,
             "the binary codec does not round-trip parsed credentials");
  return 0;
}
