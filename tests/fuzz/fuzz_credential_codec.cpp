// decode_credentials on raw bytes. It either fails with INTEGRITY or
// decodes, and then the encoding is canonical: encode gives back exactly the
// input bytes, and the credentials survive JSON (to_json, parse) unchanged
// when they are valid UTF-8.
#include "fuzz_check.hpp"
#include "linkvault/error.hpp"
#include "vault/credential_codec.hpp"

#include <algorithm>

using namespace linkvault;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Credentials credentials;
  try {
    credentials = decode_credentials({data, size});
  } catch (const Error& error) {
    FUZZ_CHECK(error.code() == ErrorCode::integrity, "decode failed with %s: %s",
               error_code_name(error.code()), error.what());
    return 0;
  }
  const SecretBytes encoded = encode_credentials(credentials);
  FUZZ_CHECK(encoded.size() == size && std::equal(encoded.begin(), encoded.end(), data),
             "decode then encode is not the identity (%zu bytes in, %zu out)", size,
             encoded.size());

  SecretBytes json;
  try {
    json = credentials_to_json(credentials);
  } catch (const Error& error) {
    // Names and values are arbitrary bytes here; only UTF-8 ones have JSON.
    FUZZ_CHECK(error.code() == ErrorCode::invalid_argument, "to_json failed with %s: %s",
               error_code_name(error.code()), error.what());
    return 0;
  }
  const Credentials back = parse_credentials_json(secret_view(json));
  FUZZ_CHECK(back == credentials, "credentials changed through JSON");
  return 0;
}
