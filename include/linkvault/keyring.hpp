// Keyring — the per-tenant data keys that seal credentials and MAC the audit
// log, each wrapped (AES-256-GCM) under the vault's wrapping key with its
// identity (tenant, purpose, version) as associated data.
//
// Where wrapped keys are kept is a KeyringStorage: the SQLCipher store in a
// vault, or InMemoryKeyringStorage for an ephemeral keyring. The Keyring never
// caches which version is primary across calls (another process may have
// rotated or destroyed it); it reads the storage each time and caches only
// unwrapped key material. A Keyring is thread-safe; a KeyringStorage is used by
// one thread at a time (it is usually one connection inside one transaction).
#pragma once

#include "linkvault/clock.hpp"
#include "linkvault/credential_sealer.hpp"
#include "linkvault/secret.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// records: the per-tenant key of record hashes (change detection).
enum class KeyPurpose : int { credentials = 1, audit = 2, records = 3 };
enum class KeyState : int { primary = 1, decrypt_only = 2, destroyed = 3 };

const char* to_string(KeyPurpose purpose) noexcept;  // "credentials", "audit", "records"
const char* to_string(KeyState state) noexcept;  // "primary", ...

// A data key as stored: the wrapped bytes are empty once destroyed.
struct WrappedKey {
  std::string tenant;
  KeyPurpose purpose = KeyPurpose::credentials;
  std::uint32_t version = 0;
  KeyState state = KeyState::primary;
  std::vector<std::uint8_t> wrapped;
  TimeMs created_at = 0;
};

class KeyringStorage {
 public:
  virtual ~KeyringStorage() = default;
  // Every version of (tenant, purpose), destroyed ones included, ascending.
  virtual std::vector<WrappedKey> load_keys(std::string_view tenant,
                                            KeyPurpose purpose) = 0;
  // Creates that key version if absent. Atomic per (tenant, purpose,
  // version): of writers racing to create one version, exactly one creates
  // it and the others get the row it stored. Never fails because the row
  // exists, so the caller's transaction stays usable (PostgreSQL aborts a
  // transaction after a failed statement: INSERT ... ON CONFLICT DO NOTHING,
  // then SELECT).
  struct KeyInsert {
    bool created = false;
    WrappedKey stored;  // `key` itself if created, else the existing row
  };
  virtual KeyInsert insert_key_if_absent(const WrappedKey& key) = 0;
  virtual void set_key_state(std::string_view tenant, KeyPurpose purpose,
                             std::uint32_t version, KeyState state) = 0;
  // State destroyed and the wrapped bytes erased (overwritten, not just
  // unlinked, where the storage can).
  virtual void destroy_key(std::string_view tenant, KeyPurpose purpose,
                           std::uint32_t version) = 0;
};

// A KeyringStorage in process memory; thread-safe.
class InMemoryKeyringStorage final : public KeyringStorage {
 public:
  std::vector<WrappedKey> load_keys(std::string_view tenant,
                                    KeyPurpose purpose) override;
  KeyInsert insert_key_if_absent(const WrappedKey& key) override;
  // Plants a row as given; Error(ALREADY_EXISTS) if that version exists
  // (tests use it to file tampered rows).
  void insert_key(const WrappedKey& key);
  void set_key_state(std::string_view tenant, KeyPurpose purpose,
                     std::uint32_t version, KeyState state) override;
  void destroy_key(std::string_view tenant, KeyPurpose purpose,
                   std::uint32_t version) override;

 private:
  std::mutex mutex_;
  std::vector<WrappedKey> keys_;
};

class Keyring {
 public:
  // 32-byte wrapping key, else Error(INVALID_ARGUMENT). `clock` stamps new
  // key versions (the system clock if null).
  explicit Keyring(SecretBytes wrapping_key, std::shared_ptr<const Clock> clock = nullptr);
  ~Keyring();
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  // The sealer for (tenant, purpose): primary seals, every non-destroyed
  // version opens. Creates version 1 (random 256-bit key) on first use; if all
  // versions are destroyed, creates the next version. Sealers are cached and
  // reused while the stored versions and states are unchanged.
  std::shared_ptr<const CredentialSealer> sealer(KeyringStorage& storage,
                                                 std::string_view tenant,
                                                 KeyPurpose purpose);

  // Only the existing keys, never creating one: for opening old blobs after
  // a purge. Has no primary if none is usable (seal then fails INTEGRITY).
  std::shared_ptr<const CredentialSealer> existing_sealer(
      KeyringStorage& storage, std::string_view tenant, KeyPurpose purpose);

  // The primary data key itself (e.g. the audit HMAC key), created on first
  // use like sealer().
  DataKey primary_key(KeyringStorage& storage, std::string_view tenant,
                      KeyPurpose purpose);
  // One version; Error(INTEGRITY) naming it if unknown or destroyed.
  SecretBytes key(KeyringStorage& storage, std::string_view tenant,
                  KeyPurpose purpose, std::uint32_t version);

  // Adds version max+1 as primary; older usable versions become decrypt-only.
  // Returns the new version.
  std::uint32_t rotate(KeyringStorage& storage, std::string_view tenant,
                       KeyPurpose purpose);
  // Destroys every version of (tenant, purpose): crypto-shredding.
  void destroy(KeyringStorage& storage, std::string_view tenant,
               KeyPurpose purpose);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace linkvault
