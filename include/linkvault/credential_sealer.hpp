// CredentialSealer — AES-256-GCM sealing of credential plaintext into
// self-describing blobs (layout in docs/FORMAT.md).
//
// A sealer holds the data keys of one (tenant, purpose): the primary version
// seals, every non-destroyed version opens. The blob's header (format,
// algorithm, key version) and a length-prefixed SealContext are the associated
// data, so a blob moved to another tenant, integration or purpose, or altered
// in any byte, fails with Error(INTEGRITY). Messages never contain key or
// plaintext bytes.
//
// Thread-safety: a const sealer is shared by any number of threads; Botan
// cipher objects are not, so each call checks one out of an internal pool.
#pragma once

#include "linkvault/secret.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace linkvault {

inline constexpr std::uint8_t sealed_blob_format_v1 = 0x01;
inline constexpr std::uint8_t sealed_blob_algorithm_aes256gcm = 0x01;
inline constexpr std::size_t sealed_blob_nonce_size = 12;
inline constexpr std::size_t sealed_blob_tag_size = 16;

// What a blob is bound to. All three are part of the associated data.
struct SealContext {
  std::string_view tenant;
  std::string_view integration_id;
  std::string_view purpose;  // e.g. "credentials"
};

// One version of a data key: 32 secret bytes.
struct DataKey {
  std::uint32_t version = 0;
  SecretBytes key;
};

class CredentialSealer {
 public:
  // `keys` holds every usable version; `primary_version` must be among them.
  // `destroyed_versions` only sharpens error messages.
  CredentialSealer(std::vector<DataKey> keys, std::uint32_t primary_version,
                   std::vector<std::uint32_t> destroyed_versions = {});
  ~CredentialSealer();
  CredentialSealer(const CredentialSealer&) = delete;
  CredentialSealer& operator=(const CredentialSealer&) = delete;

  std::uint32_t primary_version() const noexcept;

  // Seals with the primary key and a fresh 96-bit nonce from the system RNG.
  std::vector<std::uint8_t> seal(std::span<const std::uint8_t> plaintext,
                                 const SealContext& context) const;

  // Seals with an explicit nonce; only for golden vectors and tests.
  std::vector<std::uint8_t> seal_with_nonce(
      std::span<const std::uint8_t> plaintext, const SealContext& context,
      std::span<const std::uint8_t> nonce) const;

  // Error(INTEGRITY) on any malformed, altered, truncated or extended blob,
  // a different context, or an unknown or destroyed key version (the message
  // names the version and which of the two it is).
  SecretBytes open(std::span<const std::uint8_t> blob,
                   const SealContext& context) const;

  // The key version a blob says it was sealed with; INTEGRITY if the blob is
  // too short to have a header.
  static std::uint32_t blob_key_version(std::span<const std::uint8_t> blob);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace linkvault
