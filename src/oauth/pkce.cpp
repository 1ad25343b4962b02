#include "oauth/pkce.hpp"

#include <botan/hash.h>
#include <botan/system_rng.h>

#include <cstddef>

namespace linkvault {

namespace {

constexpr std::size_t random_bytes = 32;  // 256 bits

template <typename Out>
void append_base64url(Out& out, std::span<const std::uint8_t> bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (std::uint32_t{bytes[i]} << 16) |
                                (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(alphabet[(group >> shift) & 0x3F]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t group = std::uint32_t{bytes[i]} << 16;
    out.push_back(alphabet[(group >> 18) & 0x3F]);
    out.push_back(alphabet[(group >> 12) & 0x3F]);
  } else if (rest == 2) {
    const std::uint32_t group = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
    out.push_back(alphabet[(group >> 18) & 0x3F]);
    out.push_back(alphabet[(group >> 12) & 0x3F]);
    out.push_back(alphabet[(group >> 6) & 0x3F]);
  }
}

}  // namespace

std::string base64url(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  append_base64url(out, bytes);
  return out;
}

SecretBytes new_code_verifier() {
  SecretBytes random(random_bytes);
  Botan::system_rng().randomize(random.data(), random.size());
  SecretBytes verifier;
  verifier.reserve(43);
  append_base64url(verifier, random);
  return verifier;
}

std::string code_challenge_s256(const SecretBytes& verifier) {
  const auto hash = Botan::HashFunction::create_or_throw("SHA-256");
  hash->update(verifier.data(), verifier.size());
  const SecretBytes digest = hash->final();
  return base64url(digest);
}

std::string new_oauth_state() {
  std::array<std::uint8_t, random_bytes> random{};
  Botan::system_rng().randomize(random.data(), random.size());
  return base64url(random);
}

std::array<std::uint8_t, 32> sha256(std::string_view text) {
  const auto hash = Botan::HashFunction::create_or_throw("SHA-256");
  hash->update(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  std::array<std::uint8_t, 32> digest{};
  hash->final(digest.data());
  return digest;
}

}  // namespace linkvault
