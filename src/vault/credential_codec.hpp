// The plaintext form of a credential set: what is sealed into a blob, and the
// JSON it takes at the C ABI / Python boundary. See docs/FORMAT.md.
//
// Every byte of a value stays in secure memory (SecretBytes): the encoders
// write straight into it, and the JSON parser copies the text into it and
// unescapes keys and values into it itself (simdjson only finds the
// structure; its own buffers are ordinary heap), so no std::string or freed
// block ever holds a credential value. Pure functions; thread-safe.
#pragma once

#include "linkvault/credentials_json.hpp"
#include "linkvault/secret.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace linkvault {

inline constexpr std::uint8_t credential_encoding_version = 0x01;

// Canonical binary encoding: 0x01, uint32 BE field count, then per field in
// name order (the map's order): uint32 BE name length, name, uint32 BE value
// length, value. Equal credentials always encode to equal bytes.
SecretBytes encode_credentials(const Credentials& credentials);

// Strict inverse of encode_credentials(): wrong version, a length that runs
// past the end, names out of order or repeated, or trailing bytes are
// Error(INTEGRITY, "sealed credentials are malformed").
Credentials decode_credentials(std::span<const std::uint8_t> encoded);

// parse_credentials_json() and credentials_to_json() are public: see
// linkvault/credentials_json.hpp.

// One value escaped as credentials_to_json() writes it between its quotes,
// in secure memory (so a value can be recognised in that form too).
SecretBytes json_escaped_secret(std::string_view value);

}  // namespace linkvault
