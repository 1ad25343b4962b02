// The master secret and the key derivation above it (DESIGN.md §3,
// docs/FORMAT.md "Key hierarchy"):
//
//   root         = the 32 raw key bytes, or Argon2id(passphrase, file salt)
//   database key = HKDF-SHA256(root, salt = file salt, "linkvault/v1/sqlcipher-key")
//   wrapping key = HKDF-SHA256(root, salt = file salt, "linkvault/v1/keyring-wrapping-key")
#include "linkvault/master_secret.hpp"

#include "core/json_text.hpp"
#include "linkvault/error.hpp"

#include <botan/argon2.h>
#include <botan/exceptn.h>
#include <botan/kdf.h>

#include <fmt/format.h>

#include <string_view>
#include <utility>

namespace linkvault {
namespace {

// The HKDF "info" labels. Changing either changes every vault's keys.
constexpr std::string_view database_key_label = "linkvault/v1/sqlcipher-key";
constexpr std::string_view wrapping_key_label = "linkvault/v1/keyring-wrapping-key";

// The floor DESIGN.md §3 sets for passphrases.
constexpr std::size_t argon2_min_memory_kib = 65536;
constexpr std::size_t argon2_min_iterations = 3;
constexpr std::size_t argon2_min_parallelism = 1;
// Ceilings against a corrupted or hostile parameter record: 4 GiB of memory,
// and counts far beyond any sensible profile.
constexpr std::size_t argon2_max_memory_kib = 4u * 1024 * 1024;
constexpr std::size_t argon2_max_iterations = 256;
constexpr std::size_t argon2_max_parallelism = 255;

// Botan's Argon2 family byte: 0 = Argon2d, 1 = Argon2i, 2 = Argon2id.
constexpr std::uint8_t argon2id_family = 2;

constexpr std::size_t sha256_size = 32;

std::span<const std::uint8_t> as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

void check_passphrase_params(const Argon2Params& params) {
  if (params.memory_kib < argon2_min_memory_kib ||
      params.memory_kib > argon2_max_memory_kib) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("Argon2id memory must be between {} and {} KiB, got {}",
                            argon2_min_memory_kib, argon2_max_memory_kib,
                            params.memory_kib));
  }
  if (params.iterations < argon2_min_iterations ||
      params.iterations > argon2_max_iterations) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("Argon2id iterations must be between {} and {}, got {}",
                            argon2_min_iterations, argon2_max_iterations,
                            params.iterations));
  }
  if (params.parallelism < argon2_min_parallelism ||
      params.parallelism > argon2_max_parallelism) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("Argon2id parallelism must be between {} and {}, got {}",
                            argon2_min_parallelism, argon2_max_parallelism,
                            params.parallelism));
  }
}

}  // namespace

SecretBytes hkdf_sha256(std::span<const std::uint8_t> input_key,
                        std::span<const std::uint8_t> salt,
                        std::span<const std::uint8_t> info,
                        std::size_t output_length) {
  // RFC 5869 §2.3: L <= 255 * HashLen.
  if (output_length == 0 || output_length > 255 * sha256_size) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("HKDF-SHA256 output length must be 1..{} bytes, got {}",
                            255 * sha256_size, output_length));
  }
  // Botan's HKDF is extract-then-expand; an empty salt is HashLen zero bytes,
  // as RFC 5869 §2.2 says.
  const auto kdf = Botan::KDF::create_or_throw("HKDF(SHA-256)");
  return kdf->derive_key(output_length, input_key.data(), input_key.size(),
                         salt.data(), salt.size(), info.data(), info.size());
}

SecretBytes argon2id(std::span<const std::uint8_t> password,
                     std::span<const std::uint8_t> salt,
                     const Argon2Params& params, std::size_t output_length) {
  if (output_length < 4) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("Argon2id output length must be at least 4 bytes, got {}",
                            output_length));
  }
  if (salt.size() < 8) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("Argon2id salt must be at least 8 bytes, got {}",
                            salt.size()));
  }
  if (params.parallelism == 0 || params.iterations == 0 ||
      params.memory_kib < 8 * params.parallelism) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("Argon2id parameters out of range (memory {} KiB, "
                            "iterations {}, parallelism {})",
                            params.memory_kib, params.iterations, params.parallelism));
  }
  SecretBytes output(output_length);
  try {
    // Botan::Argon2's constructor takes (family, M, t, p): memory in KiB,
    // then passes, then lanes. (The free function Botan::argon2 orders them
    // p, M, t; Argon2_Family::from_params takes M, t, p.)
    const Botan::Argon2 hash(argon2id_family, params.memory_kib, params.iterations,
                             params.parallelism);
    hash.derive_key(output.data(), output.size(),
                    reinterpret_cast<const char*>(password.data()), password.size(),
                    salt.data(), salt.size());
  } catch (const Botan::Exception& e) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("Argon2id rejected its parameters: {}", e.what()));
  }
  return output;
}

MasterSecret::MasterSecret(SecretBytes secret, bool is_passphrase,
                           Argon2Params params)
    : secret_(std::move(secret)), is_passphrase_(is_passphrase), params_(params) {}

MasterSecret MasterSecret::from_key(SecretBytes key) {
  if (key.size() != master_key_size) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("master key must be exactly {} bytes, got {}",
                            master_key_size, key.size()));
  }
  return MasterSecret(std::move(key), false, Argon2Params{});
}

MasterSecret MasterSecret::from_passphrase(SecretBytes passphrase,
                                           Argon2Params params) {
  if (passphrase.empty()) {
    throw Error(ErrorCode::invalid_argument, "passphrase must not be empty");
  }
  // A passphrase is its exact UTF-8 bytes, never normalised (docs/FORMAT.md
  // "Passphrases"): C++, C and Python then derive the same key from the same
  // text without ICU. Bytes that are not UTF-8 are refused, so every
  // passphrase is text a host in any language can pass.
  if (!is_valid_utf8(std::string_view(reinterpret_cast<const char*>(passphrase.data()),
                                      passphrase.size()))) {
    throw Error(ErrorCode::invalid_argument, "passphrase is not valid UTF-8");
  }
  check_passphrase_params(params);
  return MasterSecret(std::move(passphrase), true, params);
}

VaultKeys MasterSecret::derive_vault_keys(const FileSalt& salt) const {
  SecretBytes stretched;
  if (is_passphrase_) {
    stretched = argon2id(secret_, salt, params_, master_key_size);
  }
  const SecretBytes& root = is_passphrase_ ? stretched : secret_;
  VaultKeys keys;
  keys.database_key = hkdf_sha256(root, salt, as_bytes(database_key_label), 32);
  keys.wrapping_key = hkdf_sha256(root, salt, as_bytes(wrapping_key_label), 32);
  return keys;
}

}  // namespace linkvault
