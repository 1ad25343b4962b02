// Secret byte strings: keys, passphrases and plaintext credential values.
//
// Secrets live in Botan::secure_vector, whose allocator zeroes memory on
// release. They are moved, never copied into std::string. Plain helpers; no
// shared state.
#pragma once

#include <botan/secmem.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace linkvault {

using SecretBytes = Botan::secure_vector<std::uint8_t>;

// Copies text into secure memory. The caller remains responsible for the
// source (a host's string literal, a buffer it wipes).
inline SecretBytes make_secret(std::string_view text) {
  return SecretBytes(text.begin(), text.end());
}

// A read-only view of a secret as text, valid while the secret lives.
inline std::string_view secret_view(const SecretBytes& secret) noexcept {
  return {reinterpret_cast<const char*>(secret.data()), secret.size()};
}

// A provider's credential fields: field name -> secret value. Field names are
// not secret; values always are, whatever the field's type.
using Credentials = std::map<std::string, SecretBytes, std::less<>>;

// Zeroes the whole buffer of `text` (capacity, not just size) and empties
// it, for host text that may have held a secret (a tester's message quoting
// a token) before it is freed.
void wipe_string(std::string& text) noexcept;

}  // namespace linkvault
