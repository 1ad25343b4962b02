// The host's master secret and the two keys derived from it.
//
// A vault is opened with 32 raw key bytes or a passphrase (stretched with
// Argon2id). HKDF-SHA256 over that root, salted with the vault file's 16-byte
// SQLCipher salt, yields exactly two keys with distinct labels: the SQLCipher
// page key and the keyring wrapping key (DESIGN.md §3, docs/FORMAT.md).
// MasterSecret owns its bytes in secure memory; it is immutable after
// construction and safe to share between threads.
#pragma once

#include "linkvault/secret.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace linkvault {

inline constexpr std::size_t master_key_size = 32;
inline constexpr std::size_t file_salt_size = 16;

using FileSalt = std::array<std::uint8_t, file_salt_size>;

// Argon2id cost. The defaults are the floor DESIGN.md §3 sets (64 MiB, t=3,
// p=1); the vault records the profile it was created with.
struct Argon2Params {
  std::size_t memory_kib = 65536;
  std::size_t iterations = 3;
  std::size_t parallelism = 1;
};

// The two keys a vault file needs, 32 bytes each.
struct VaultKeys {
  SecretBytes database_key;  // SQLCipher raw page key
  SecretBytes wrapping_key;  // wraps the keyring's data keys
};

class MasterSecret {
 public:
  // Exactly 32 bytes, else Error(INVALID_ARGUMENT).
  static MasterSecret from_key(SecretBytes key);
  // Non-empty, else Error(INVALID_ARGUMENT). Params below the floor are
  // refused with INVALID_ARGUMENT.
  static MasterSecret from_passphrase(SecretBytes passphrase,
                                      Argon2Params params = {});

  bool is_passphrase() const noexcept { return is_passphrase_; }
  const Argon2Params& argon2_params() const noexcept { return params_; }

  // Derives the root (the raw key, or Argon2id(passphrase, salt)) and then the
  // two vault keys with HKDF-SHA256(root, salt, label).
  VaultKeys derive_vault_keys(const FileSalt& salt) const;

 private:
  MasterSecret(SecretBytes secret, bool is_passphrase, Argon2Params params);
  SecretBytes secret_;
  bool is_passphrase_;
  Argon2Params params_;
};

// Building blocks, exposed for known-answer tests.
SecretBytes hkdf_sha256(std::span<const std::uint8_t> input_key,
                        std::span<const std::uint8_t> salt,
                        std::span<const std::uint8_t> info,
                        std::size_t output_length);
SecretBytes argon2id(std::span<const std::uint8_t> password,
                     std::span<const std::uint8_t> salt,
                     const Argon2Params& params, std::size_t output_length);

}  // namespace linkvault
