// PKCE (RFC 7636, S256) and the OAuth state: random values, their encodings
// and hashes. Pure functions over the system RNG and Botan; thread-safe.
#pragma once

#include "linkvault/secret.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace linkvault {

// base64url without padding (RFC 4648 §5, RFC 7636 Appendix A).
std::string base64url(std::span<const std::uint8_t> bytes);

// A code verifier: base64url of 32 random bytes, 43 characters of the
// unreserved alphabet (RFC 7636 §4.1 allows 43..128).
SecretBytes new_code_verifier();

// BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2).
std::string code_challenge_s256(const SecretBytes& verifier);

// The state of an authorization request: base64url of 32 random bytes.
std::string new_oauth_state();

// SHA-256 of text; the vault keeps only this of a state.
std::array<std::uint8_t, 32> sha256(std::string_view text);

}  // namespace linkvault
