// Keyring: per-(tenant, purpose) data keys, wrapped under the vault's wrapping
// key (docs/FORMAT.md "Wrapped data key").
//
//   wrapped = nonce(12) ‖ AES-256-GCM(wrapping key, data key) ‖ tag(16)
//   AD      = "linkvault/v1/keyring" ‖ len(tenant) (uint32 BE) ‖ tenant
//             ‖ purpose (1 byte) ‖ version (uint32 BE)
//
// The storage is read on every call, because another Keyring (another
// process) may have rotated or destroyed keys since. What is cached is the
// expensive part: unwrapped key material and built sealers, keyed by
// (tenant, purpose) and reused only while the stored versions, states and
// wrapped bytes are exactly those they were built from. The Keyring's mutex is
// never held across a storage call: storage may block on a database lock held
// by another thread that is itself waiting for this Keyring.
#include "linkvault/keyring.hpp"

#include "core/message_text.hpp"
#include "linkvault/error.hpp"

#include <botan/aead.h>
#include <botan/exceptn.h>
#include <botan/mem_ops.h>
#include <botan/system_rng.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

namespace linkvault {

const char* to_string(KeyPurpose purpose) noexcept {
  switch (purpose) {
    case KeyPurpose::credentials: return "credentials";
    case KeyPurpose::audit: return "audit";
    case KeyPurpose::records: return "records";
  }
  return "unknown";
}

const char* to_string(KeyState state) noexcept {
  switch (state) {
    case KeyState::primary: return "primary";
    case KeyState::decrypt_only: return "decrypt_only";
    case KeyState::destroyed: return "destroyed";
  }
  return "unknown";
}

namespace {

constexpr std::size_t key_size = 32;
constexpr std::size_t wrap_nonce_size = 12;
constexpr std::size_t wrap_tag_size = 16;
constexpr std::size_t wrapped_key_size = wrap_nonce_size + key_size + wrap_tag_size;  // 60
constexpr std::string_view wrap_ad_label = "linkvault/v1/keyring";
constexpr const char* wrap_cipher_name = "AES-256/GCM";
// Rounds when concurrent Keyrings keep taking the version this one tries.
constexpr int max_insert_attempts = 8;
// Cached (tenant, purpose) entries; the least recently used is dropped past it.
constexpr std::size_t max_cached_slots = 4096;

std::string describe(std::string_view tenant, KeyPurpose purpose) {
  return fmt::format("tenant {}, purpose {}", quote_for_message(tenant), to_string(purpose));
}

std::string describe(std::string_view tenant, KeyPurpose purpose, std::uint32_t version) {
  return fmt::format("tenant {}, purpose {}, version {}", quote_for_message(tenant), to_string(purpose),
                     version);
}

std::vector<std::uint8_t> wrap_associated_data(std::string_view tenant,
                                               KeyPurpose purpose,
                                               std::uint32_t version) {
  if (tenant.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ErrorCode::invalid_argument, "tenant id is too long");
  }
  const auto tenant_length = static_cast<std::uint32_t>(tenant.size());
  std::vector<std::uint8_t> ad;
  ad.reserve(wrap_ad_label.size() + 4 + tenant.size() + 1 + 4);
  ad.insert(ad.end(), wrap_ad_label.begin(), wrap_ad_label.end());
  for (int shift = 24; shift >= 0; shift -= 8) {
    ad.push_back(static_cast<std::uint8_t>(tenant_length >> shift));
  }
  ad.insert(ad.end(), tenant.begin(), tenant.end());
  ad.push_back(static_cast<std::uint8_t>(purpose));
  for (int shift = 24; shift >= 0; shift -= 8) {
    ad.push_back(static_cast<std::uint8_t>(version >> shift));
  }
  return ad;
}

std::vector<std::uint8_t> wrap_data_key(const SecretBytes& wrapping_key,
                                        std::string_view tenant, KeyPurpose purpose,
                                        std::uint32_t version, const SecretBytes& data_key) {
  const auto ad = wrap_associated_data(tenant, purpose, version);
  std::array<std::uint8_t, wrap_nonce_size> nonce;
  Botan::system_rng().randomize(nonce.data(), nonce.size());
  auto cipher = Botan::AEAD_Mode::create_or_throw(wrap_cipher_name, Botan::ENCRYPTION);
  cipher->set_key(wrapping_key);
  cipher->set_associated_data(ad.data(), ad.size());
  cipher->start(nonce.data(), nonce.size());
  SecretBytes buffer(data_key.begin(), data_key.end());
  cipher->finish(buffer);  // in place: ciphertext ‖ tag, no plaintext left
  std::vector<std::uint8_t> wrapped(nonce.begin(), nonce.end());
  wrapped.insert(wrapped.end(), buffer.begin(), buffer.end());
  return wrapped;
}

SecretBytes unwrap_data_key(const SecretBytes& wrapping_key, std::string_view tenant,
                            KeyPurpose purpose, std::uint32_t version,
                            std::span<const std::uint8_t> wrapped) {
  const auto failure = [&] {
    return Error(ErrorCode::integrity,
                 fmt::format("keyring: data key ({}) failed to unwrap: the wrapping "
                             "key is wrong, or the stored key was altered or moved",
                             describe(tenant, purpose, version)));
  };
  if (wrapped.size() != wrapped_key_size) throw failure();
  const auto ad = wrap_associated_data(tenant, purpose, version);
  auto cipher = Botan::AEAD_Mode::create_or_throw(wrap_cipher_name, Botan::DECRYPTION);
  cipher->set_key(wrapping_key);
  cipher->set_associated_data(ad.data(), ad.size());
  cipher->start(wrapped.data(), wrap_nonce_size);
  SecretBytes key(wrapped.begin() + wrap_nonce_size, wrapped.end());
  try {
    cipher->finish(key);
  } catch (const Botan::Exception&) {
    throw failure();
  }
  return key;
}

bool usable(const WrappedKey& key) noexcept { return key.state != KeyState::destroyed; }

bool has_primary(const std::vector<WrappedKey>& keys) noexcept {
  return std::any_of(keys.begin(), keys.end(), [](const WrappedKey& key) {
    return key.state == KeyState::primary && !key.wrapped.empty();
  });
}

std::uint32_t next_version(const std::vector<WrappedKey>& keys) {
  std::uint32_t highest = 0;
  for (const auto& key : keys) highest = std::max(highest, key.version);
  if (highest == std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ErrorCode::failed_precondition, "keyring: key versions exhausted");
  }
  return highest + 1;
}

// What a cached sealer was built from: the stored rows, minus timestamps.
struct KeyRecord {
  std::uint32_t version;
  KeyState state;
  std::vector<std::uint8_t> wrapped;
  bool operator==(const KeyRecord&) const = default;
};

bool same_records(const std::vector<KeyRecord>& records,
                  const std::vector<WrappedKey>& keys) {
  if (records.size() != keys.size()) return false;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (records[i].version != keys[i].version || records[i].state != keys[i].state ||
        records[i].wrapped != keys[i].wrapped) {
      return false;
    }
  }
  return true;
}

struct CachedKey {
  std::vector<std::uint8_t> wrapped;  // what `key` was unwrapped from
  SecretBytes key;
};

struct Slot {
  std::vector<KeyRecord> records;  // what `sealer` was built from
  std::shared_ptr<const CredentialSealer> sealer;
  std::map<std::uint32_t, CachedKey> keys;  // by version
  std::uint64_t last_used = 0;
};

using SlotId = std::pair<std::string, KeyPurpose>;

struct SlotLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const noexcept {
    // Compared field by field: a tuple of string and string_view has no
    // operator< in libstdc++'s C++20 mode under clang.
    const std::string_view tenant_a = std::get<0>(a);
    const std::string_view tenant_b = std::get<0>(b);
    if (tenant_a != tenant_b) return tenant_a < tenant_b;
    return std::get<1>(a) < std::get<1>(b);
  }
};

}  // namespace

// ---------------------------------------------------------------------------
// InMemoryKeyringStorage

std::vector<WrappedKey> InMemoryKeyringStorage::load_keys(std::string_view tenant,
                                                          KeyPurpose purpose) {
  std::lock_guard lock(mutex_);
  std::vector<WrappedKey> found;
  for (const auto& key : keys_) {
    if (key.tenant == tenant && key.purpose == purpose) found.push_back(key);
  }
  std::sort(found.begin(), found.end(),
            [](const WrappedKey& a, const WrappedKey& b) { return a.version < b.version; });
  return found;
}

void InMemoryKeyringStorage::insert_key(const WrappedKey& key) {
  std::lock_guard lock(mutex_);
  for (const auto& existing : keys_) {
    if (existing.tenant == key.tenant && existing.purpose == key.purpose &&
        existing.version == key.version) {
      throw Error(ErrorCode::already_exists,
                  fmt::format("keyring: key ({}) already exists",
                              describe(key.tenant, key.purpose, key.version)));
    }
  }
  keys_.push_back(key);
}

InMemoryKeyringStorage::KeyInsert InMemoryKeyringStorage::insert_key_if_absent(
    const WrappedKey& key) {
  std::lock_guard lock(mutex_);
  for (const auto& existing : keys_) {
    if (existing.tenant == key.tenant && existing.purpose == key.purpose &&
        existing.version == key.version) {
      return KeyInsert{false, existing};
    }
  }
  keys_.push_back(key);
  return KeyInsert{true, key};
}

namespace {

WrappedKey* find_key(std::vector<WrappedKey>& keys, std::string_view tenant,
                     KeyPurpose purpose, std::uint32_t version) {
  for (auto& key : keys) {
    if (key.tenant == tenant && key.purpose == purpose && key.version == version) {
      return &key;
    }
  }
  throw Error(ErrorCode::not_found,
              fmt::format("keyring: no key ({})", describe(tenant, purpose, version)));
}

void erase_wrapped(WrappedKey& key) noexcept {
  Botan::secure_scrub_memory(key.wrapped.data(), key.wrapped.size());
  key.wrapped.clear();
  key.wrapped.shrink_to_fit();
  key.state = KeyState::destroyed;
}

}  // namespace

void InMemoryKeyringStorage::set_key_state(std::string_view tenant, KeyPurpose purpose,
                                           std::uint32_t version, KeyState state) {
  std::lock_guard lock(mutex_);
  WrappedKey* key = find_key(keys_, tenant, purpose, version);
  if (key->state == KeyState::destroyed && state != KeyState::destroyed) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("keyring: key ({}) is destroyed and cannot become {}",
                            describe(tenant, purpose, version), to_string(state)));
  }
  if (state == KeyState::destroyed) {
    erase_wrapped(*key);
  } else {
    key->state = state;
  }
}

void InMemoryKeyringStorage::destroy_key(std::string_view tenant, KeyPurpose purpose,
                                         std::uint32_t version) {
  std::lock_guard lock(mutex_);
  erase_wrapped(*find_key(keys_, tenant, purpose, version));
}

// ---------------------------------------------------------------------------
// Keyring

struct Keyring::Impl {
  Impl(SecretBytes key, std::shared_ptr<const Clock> time)
      : wrapping_key(std::move(key)), clock(time ? std::move(time) : system_clock()) {}

  const SecretBytes wrapping_key;
  const std::shared_ptr<const Clock> clock;
  std::mutex mutex;  // guards everything below
  std::map<SlotId, Slot, SlotLess> slots;
  std::uint64_t use_counter = 0;

  // Loads the keys of (tenant, purpose), first adding version max+1 as
  // primary if none is primary (first use, or every version destroyed).
  std::vector<WrappedKey> load_with_primary(KeyringStorage& storage,
                                            std::string_view tenant,
                                            KeyPurpose purpose) {
    for (int attempt = 0; attempt < max_insert_attempts; ++attempt) {
      auto keys = storage.load_keys(tenant, purpose);
      if (has_primary(keys)) return keys;
      // If another Keyring created that version first, the next round reads
      // and uses it.
      insert_new_version(storage, tenant, purpose, next_version(keys));
    }
    throw Error(ErrorCode::conflict,
                fmt::format("keyring: could not create a primary key ({}) after {} "
                            "attempts; concurrent writers keep changing it",
                            describe(tenant, purpose), max_insert_attempts));
  }

  // True if this call created the version; false if another writer had.
  bool insert_new_version(KeyringStorage& storage, std::string_view tenant,
                          KeyPurpose purpose, std::uint32_t version) {
    SecretBytes data_key(key_size);
    Botan::system_rng().randomize(data_key.data(), data_key.size());
    WrappedKey record;
    record.tenant = std::string(tenant);
    record.purpose = purpose;
    record.version = version;
    record.state = KeyState::primary;
    record.wrapped = wrap_data_key(wrapping_key, tenant, purpose, version, data_key);
    record.created_at = clock->now_ms();
    return storage.insert_key_if_absent(record).created;
  }

  // Caller holds `mutex`.
  Slot& slot_locked(std::string_view tenant, KeyPurpose purpose) {
    auto it = slots.find(std::pair<std::string_view, KeyPurpose>(tenant, purpose));
    if (it == slots.end()) {
      if (slots.size() >= max_cached_slots) evict_least_recently_used_locked();
      it = slots.emplace(SlotId(std::string(tenant), purpose), Slot{}).first;
    }
    it->second.last_used = ++use_counter;
    return it->second;
  }

  void evict_least_recently_used_locked() {
    auto oldest = slots.begin();
    for (auto it = slots.begin(); it != slots.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    if (oldest != slots.end()) slots.erase(oldest);
  }

  // The unwrapped key of one stored row, from the cache while the wrapped
  // bytes are the same. Caller holds `mutex`.
  const SecretBytes& unwrapped_locked(Slot& slot, std::string_view tenant,
                                      KeyPurpose purpose, const WrappedKey& stored) {
    auto it = slot.keys.find(stored.version);
    if (it != slot.keys.end() && it->second.wrapped == stored.wrapped) {
      return it->second.key;
    }
    CachedKey fresh{stored.wrapped, unwrap_data_key(wrapping_key, tenant, purpose,
                                                    stored.version, stored.wrapped)};
    return slot.keys.insert_or_assign(stored.version, std::move(fresh)).first->second.key;
  }

  std::shared_ptr<const CredentialSealer> sealer_for(std::string_view tenant,
                                                     KeyPurpose purpose,
                                                     const std::vector<WrappedKey>& keys) {
    std::lock_guard lock(mutex);
    Slot& slot = slot_locked(tenant, purpose);
    if (slot.sealer && same_records(slot.records, keys)) return slot.sealer;

    std::vector<DataKey> usable_keys;
    std::vector<std::uint32_t> destroyed;
    std::uint32_t primary = 0;
    for (const auto& stored : keys) {
      if (!usable(stored)) {
        destroyed.push_back(stored.version);
        continue;
      }
      usable_keys.push_back(DataKey{stored.version,
                                    unwrapped_locked(slot, tenant, purpose, stored)});
      // Two primaries can exist briefly (a rotation interrupted between its
      // insert and its demotion): the newest one seals.
      if (stored.state == KeyState::primary) primary = std::max(primary, stored.version);
    }
    auto sealer = std::make_shared<const CredentialSealer>(std::move(usable_keys), primary,
                                                           std::move(destroyed));
    forget_unusable_locked(slot, keys);
    slot.records.clear();
    for (const auto& stored : keys) {
      slot.records.push_back(KeyRecord{stored.version, stored.state, stored.wrapped});
    }
    slot.sealer = sealer;
    return sealer;
  }

  // Drops cached material of versions no longer stored as usable.
  static void forget_unusable_locked(Slot& slot, const std::vector<WrappedKey>& keys) {
    std::erase_if(slot.keys, [&](const auto& entry) {
      return std::none_of(keys.begin(), keys.end(), [&](const WrappedKey& stored) {
        return stored.version == entry.first && usable(stored);
      });
    });
  }

  SecretBytes key_of(std::string_view tenant, KeyPurpose purpose,
                     const std::vector<WrappedKey>& keys, std::uint32_t version) {
    const auto stored = std::find_if(keys.begin(), keys.end(), [&](const WrappedKey& key) {
      return key.version == version;
    });
    if (stored == keys.end()) {
      throw Error(ErrorCode::integrity,
                  fmt::format("keyring: key ({}) is unknown",
                              describe(tenant, purpose, version)));
    }
    if (!usable(*stored)) {
      throw Error(ErrorCode::integrity,
                  fmt::format("keyring: key ({}) was destroyed (crypto-shredded)",
                              describe(tenant, purpose, version)));
    }
    std::lock_guard lock(mutex);
    Slot& slot = slot_locked(tenant, purpose);
    return unwrapped_locked(slot, tenant, purpose, *stored);
  }
};

Keyring::Keyring(SecretBytes wrapping_key, std::shared_ptr<const Clock> clock) {
  if (wrapping_key.size() != key_size) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("keyring wrapping key must be {} bytes, got {}", key_size,
                            wrapping_key.size()));
  }
  impl_ = std::make_unique<Impl>(std::move(wrapping_key), std::move(clock));
}

Keyring::~Keyring() = default;

std::shared_ptr<const CredentialSealer> Keyring::sealer(KeyringStorage& storage,
                                                        std::string_view tenant,
                                                        KeyPurpose purpose) {
  const auto keys = impl_->load_with_primary(storage, tenant, purpose);
  return impl_->sealer_for(tenant, purpose, keys);
}

std::shared_ptr<const CredentialSealer> Keyring::existing_sealer(KeyringStorage& storage,
                                                                 std::string_view tenant,
                                                                 KeyPurpose purpose) {
  const auto keys = storage.load_keys(tenant, purpose);
  return impl_->sealer_for(tenant, purpose, keys);
}

DataKey Keyring::primary_key(KeyringStorage& storage, std::string_view tenant,
                             KeyPurpose purpose) {
  const auto keys = impl_->load_with_primary(storage, tenant, purpose);
  std::uint32_t primary = 0;
  for (const auto& stored : keys) {
    if (stored.state == KeyState::primary && !stored.wrapped.empty()) {
      primary = std::max(primary, stored.version);
    }
  }
  return DataKey{primary, impl_->key_of(tenant, purpose, keys, primary)};
}

SecretBytes Keyring::key(KeyringStorage& storage, std::string_view tenant,
                         KeyPurpose purpose, std::uint32_t version) {
  const auto keys = storage.load_keys(tenant, purpose);
  return impl_->key_of(tenant, purpose, keys, version);
}

std::uint32_t Keyring::rotate(KeyringStorage& storage, std::string_view tenant,
                              KeyPurpose purpose) {
  for (int attempt = 0; attempt < max_insert_attempts; ++attempt) {
    const auto keys = storage.load_keys(tenant, purpose);
    const std::uint32_t version = next_version(keys);
    if (!impl_->insert_new_version(storage, tenant, purpose, version)) {
      continue;  // a concurrent rotation took that number; rotate past it
    }
    // Insert first, demote after: an interruption in between leaves two
    // primaries (the newer seals), never none.
    for (const auto& stored : keys) {
      if (stored.state == KeyState::primary) {
        storage.set_key_state(tenant, purpose, stored.version, KeyState::decrypt_only);
      }
    }
    return version;
  }
  throw Error(ErrorCode::conflict,
              fmt::format("keyring: could not rotate ({}) after {} attempts; "
                          "concurrent writers keep adding versions",
                          describe(tenant, purpose), max_insert_attempts));
}

void Keyring::destroy(KeyringStorage& storage, std::string_view tenant,
                      KeyPurpose purpose) {
  const auto keys = storage.load_keys(tenant, purpose);
  for (const auto& stored : keys) {
    // Destroyed rows too: erasing is idempotent and makes sure no wrapped
    // bytes were left behind by an earlier, interrupted destroy.
    storage.destroy_key(tenant, purpose, stored.version);
  }
  std::lock_guard lock(impl_->mutex);
  const auto it = impl_->slots.find(std::pair<std::string_view, KeyPurpose>(tenant, purpose));
  if (it != impl_->slots.end()) impl_->slots.erase(it);  // wipes cached key material
}

}  // namespace linkvault
