// CredentialSealer: AES-256-GCM over self-describing blobs (docs/FORMAT.md).
//
//   blob = format(1) ‖ algorithm(1) ‖ key version(4, BE) ‖ nonce(12)
//          ‖ ciphertext ‖ tag(16)
//   AD   = format ‖ algorithm ‖ key version
//          ‖ len(tenant) ‖ tenant ‖ len(integration id) ‖ integration id
//          ‖ len(purpose) ‖ purpose                  (lengths uint32 BE)
//
// Botan cipher objects carry per-message state, so they cannot be shared
// between threads. Keying one (AES key schedule, GHASH table) costs more than
// sealing a short credential, so each key version keeps a small pool of keyed
// encryptors and decryptors: a call checks one out under a mutex, uses it
// without the lock, and returns it. The pool grows to the number of threads
// that ever sealed at once and no further.
#include "linkvault/credential_sealer.hpp"

#include "core/message_text.hpp"
#include "linkvault/error.hpp"

#include <botan/aead.h>
#include <botan/exceptn.h>
#include <botan/system_rng.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <mutex>
#include <utility>

namespace linkvault {
namespace {

constexpr std::size_t header_size = 6;                               // format, algorithm, version
constexpr std::size_t prefix_size = header_size + sealed_blob_nonce_size;  // 18
constexpr std::size_t minimum_blob_size = prefix_size + sealed_blob_tag_size;  // 34
constexpr std::size_t data_key_size = 32;
constexpr const char* cipher_name = "AES-256/GCM";

void store_u32be(std::uint8_t* out, std::uint32_t value) noexcept {
  out[0] = static_cast<std::uint8_t>(value >> 24);
  out[1] = static_cast<std::uint8_t>(value >> 16);
  out[2] = static_cast<std::uint8_t>(value >> 8);
  out[3] = static_cast<std::uint8_t>(value);
}

std::uint32_t load_u32be(const std::uint8_t* in) noexcept {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) |
         (std::uint32_t{in[2]} << 8) | std::uint32_t{in[3]};
}

std::uint32_t field_length(std::string_view field, const char* field_name) {
  if (field.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("seal context {} is too long ({} bytes)", field_name,
                            field.size()));
  }
  return static_cast<std::uint32_t>(field.size());
}

std::uint8_t* put_length_prefixed(std::uint8_t* out, std::string_view field,
                                  std::uint32_t length) noexcept {
  store_u32be(out, length);
  if (length != 0) std::memcpy(out + 4, field.data(), length);
  return out + 4 + length;
}

// Rebuilds the associated data into `out`, reusing its capacity.
void build_associated_data(std::vector<std::uint8_t>& out, const std::uint8_t* header,
                           const SealContext& context) {
  const std::uint32_t tenant = field_length(context.tenant, "tenant");
  const std::uint32_t integration = field_length(context.integration_id, "integration id");
  const std::uint32_t purpose = field_length(context.purpose, "purpose");
  out.resize(header_size + 12 + std::size_t{tenant} + integration + purpose);
  std::uint8_t* cursor = out.data();
  std::memcpy(cursor, header, header_size);
  cursor = put_length_prefixed(cursor + header_size, context.tenant, tenant);
  cursor = put_length_prefixed(cursor, context.integration_id, integration);
  put_length_prefixed(cursor, context.purpose, purpose);
}

// One keyed cipher object with its scratch buffers, owned by one thread while
// checked out.
struct PooledCipher {
  std::unique_ptr<Botan::AEAD_Mode> mode;
  std::vector<std::uint8_t> associated_data;  // not secret: header and context
  Botan::secure_vector<std::uint8_t> buffer;  // seal only: header ‖ text ‖ tag
};

class CipherPool {
 public:
  CipherPool(const SecretBytes& key, Botan::Cipher_Dir direction)
      : key_(key), direction_(direction) {}

  std::unique_ptr<PooledCipher> checkout() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto cipher = std::move(idle_.back());
        idle_.pop_back();
        return cipher;
      }
    }
    auto cipher = std::make_unique<PooledCipher>();
    cipher->mode = Botan::AEAD_Mode::create_or_throw(cipher_name, direction_);
    cipher->mode->set_key(key_);
    return cipher;
  }

  void give_back(std::unique_ptr<PooledCipher> cipher) noexcept {
    try {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(cipher));
    } catch (...) {
      // Out of memory: the object is simply destroyed (its key wiped).
    }
  }

 private:
  const SecretBytes& key_;  // owned by the KeySlot that owns this pool
  Botan::Cipher_Dir direction_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<PooledCipher>> idle_;
};

// Returns the cipher to its pool when the call succeeded. After a failure
// (a bad tag, an exception mid-message) the object is dropped instead, so no
// half-used state is ever reused.
class Lease {
 public:
  explicit Lease(CipherPool& pool) : pool_(pool), cipher_(pool.checkout()) {}
  ~Lease() = default;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  PooledCipher& operator*() const noexcept { return *cipher_; }
  PooledCipher* operator->() const noexcept { return cipher_.get(); }
  void release() noexcept { pool_.give_back(std::move(cipher_)); }

 private:
  CipherPool& pool_;
  std::unique_ptr<PooledCipher> cipher_;
};

struct KeySlot {
  KeySlot(std::uint32_t v, SecretBytes k)
      : version(v),
        key(std::move(k)),
        encryptors(key, Botan::ENCRYPTION),
        decryptors(key, Botan::DECRYPTION) {}
  std::uint32_t version;
  SecretBytes key;
  CipherPool encryptors;
  CipherPool decryptors;
};

std::string describe_context(const SealContext& context) {
  return fmt::format("tenant {}, purpose {}", quote_for_message(context.tenant), quote_for_message(context.purpose));
}

}  // namespace

struct CredentialSealer::Impl {
  std::vector<std::unique_ptr<KeySlot>> slots;  // ascending by version
  KeySlot* primary = nullptr;                   // null: this sealer cannot seal
  std::vector<std::uint32_t> destroyed_versions;  // ascending

  KeySlot* find(std::uint32_t version) const noexcept {
    const auto it = std::lower_bound(
        slots.begin(), slots.end(), version,
        [](const std::unique_ptr<KeySlot>& slot, std::uint32_t v) { return slot->version < v; });
    return it != slots.end() && (*it)->version == version ? it->get() : nullptr;
  }

  std::vector<std::uint8_t> seal(std::span<const std::uint8_t> plaintext,
                                 const SealContext& context,
                                 const std::uint8_t* nonce) const {
    if (primary == nullptr) {
      throw Error(ErrorCode::integrity,
                  fmt::format("no usable primary key to seal with ({}): every key "
                              "version was destroyed",
                              describe_context(context)));
    }
    std::array<std::uint8_t, prefix_size> prefix;
    prefix[0] = sealed_blob_format_v1;
    prefix[1] = sealed_blob_algorithm_aes256gcm;
    store_u32be(prefix.data() + 2, primary->version);
    std::copy_n(nonce, sealed_blob_nonce_size, prefix.data() + header_size);

    Lease cipher(primary->encryptors);
    build_associated_data(cipher->associated_data, prefix.data(), context);
    // secure_vector's allocator makes insert() and iterator construction copy
    // byte by byte; resize (a no-op at a steady size) and memcpy do not.
    auto& buffer = cipher->buffer;
    buffer.reserve(prefix_size + plaintext.size() + sealed_blob_tag_size);
    buffer.resize(prefix_size + plaintext.size());
    std::memcpy(buffer.data(), prefix.data(), prefix_size);
    if (!plaintext.empty()) {
      std::memcpy(buffer.data() + prefix_size, plaintext.data(), plaintext.size());
    }

    Botan::AEAD_Mode& mode = *cipher->mode;
    mode.set_associated_data(cipher->associated_data.data(),
                             cipher->associated_data.size());
    mode.start(nonce, sealed_blob_nonce_size);
    // Encrypts in place after the prefix and appends the tag, so the buffer
    // holds no plaintext afterwards.
    mode.finish(buffer, prefix_size);

    std::vector<std::uint8_t> blob(buffer.begin(), buffer.end());
    cipher.release();
    return blob;
  }
};

CredentialSealer::CredentialSealer(std::vector<DataKey> keys,
                                   std::uint32_t primary_version,
                                   std::vector<std::uint32_t> destroyed_versions)
    : impl_(std::make_unique<Impl>()) {
  std::sort(keys.begin(), keys.end(),
            [](const DataKey& a, const DataKey& b) { return a.version < b.version; });
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].key.size() != data_key_size) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("data key version {} must be {} bytes, got {}",
                              keys[i].version, data_key_size, keys[i].key.size()));
    }
    if (i > 0 && keys[i].version == keys[i - 1].version) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("data key version {} given twice", keys[i].version));
    }
  }
  impl_->slots.reserve(keys.size());
  for (auto& key : keys) {
    impl_->slots.push_back(std::make_unique<KeySlot>(key.version, std::move(key.key)));
  }
  impl_->primary = impl_->find(primary_version);
  // Version 0 is never a stored version: it means "no primary", a sealer that
  // only opens (Keyring::existing_sealer after every key was destroyed).
  if (impl_->primary == nullptr && primary_version != 0) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("primary key version {} is not among the keys",
                            primary_version));
  }
  std::sort(destroyed_versions.begin(), destroyed_versions.end());
  impl_->destroyed_versions = std::move(destroyed_versions);
}

CredentialSealer::~CredentialSealer() = default;

std::uint32_t CredentialSealer::primary_version() const noexcept {
  return impl_->primary != nullptr ? impl_->primary->version : 0;
}

std::vector<std::uint8_t> CredentialSealer::seal(std::span<const std::uint8_t> plaintext,
                                                 const SealContext& context) const {
  std::array<std::uint8_t, sealed_blob_nonce_size> nonce;
  // A fresh 96-bit random nonce per blob: with at most 2^32 blobs per key
  // version the collision probability stays below 2^-32 (NIST SP 800-38D §8.3).
  Botan::system_rng().randomize(nonce.data(), nonce.size());
  return impl_->seal(plaintext, context, nonce.data());
}

std::vector<std::uint8_t> CredentialSealer::seal_with_nonce(
    std::span<const std::uint8_t> plaintext, const SealContext& context,
    std::span<const std::uint8_t> nonce) const {
  if (nonce.size() != sealed_blob_nonce_size) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("nonce must be {} bytes, got {}", sealed_blob_nonce_size,
                            nonce.size()));
  }
  return impl_->seal(plaintext, context, nonce.data());
}

SecretBytes CredentialSealer::open(std::span<const std::uint8_t> blob,
                                   const SealContext& context) const {
  if (blob.size() < minimum_blob_size) {
    throw Error(ErrorCode::integrity,
                fmt::format("sealed blob is malformed: {} bytes, shorter than the "
                            "{}-byte minimum ({})",
                            blob.size(), minimum_blob_size, describe_context(context)));
  }
  const std::uint32_t version = blob_key_version(blob);
  if (blob[1] != sealed_blob_algorithm_aes256gcm) {
    throw Error(ErrorCode::integrity,
                fmt::format("sealed blob names algorithm 0x{:02x}; only 0x{:02x} "
                            "(AES-256/GCM) is known ({})",
                            blob[1], sealed_blob_algorithm_aes256gcm,
                            describe_context(context)));
  }
  KeySlot* slot = impl_->find(version);
  if (slot == nullptr) {
    if (std::binary_search(impl_->destroyed_versions.begin(),
                           impl_->destroyed_versions.end(), version)) {
      throw Error(ErrorCode::integrity,
                  fmt::format("sealed blob needs key version {}, which was destroyed "
                              "(crypto-shredded); it can never be opened again ({})",
                              version, describe_context(context)));
    }
    throw Error(ErrorCode::integrity,
                fmt::format("sealed blob names key version {}, which is unknown ({})",
                            version, describe_context(context)));
  }

  Lease cipher(slot->decryptors);
  build_associated_data(cipher->associated_data, blob.data(), context);
  SecretBytes text(blob.size() - prefix_size);  // ciphertext ‖ tag (see seal)
  std::memcpy(text.data(), blob.data() + prefix_size, text.size());
  Botan::AEAD_Mode& mode = *cipher->mode;
  try {
    mode.set_associated_data(cipher->associated_data.data(),
                             cipher->associated_data.size());
    mode.start(blob.data() + header_size, sealed_blob_nonce_size);
    mode.finish(text, 0);  // verifies the tag, then drops it
  } catch (const Botan::Exception&) {
    // `text` may hold unauthenticated output; SecretBytes wipes it on release.
    throw Error(ErrorCode::integrity,
                fmt::format("sealed blob failed authentication under key version {}: "
                            "it was altered, truncated or extended, or belongs to "
                            "another tenant, integration or purpose ({})",
                            version, describe_context(context)));
  }
  cipher.release();
  return text;
}

std::uint32_t CredentialSealer::blob_key_version(std::span<const std::uint8_t> blob) {
  if (blob.size() < header_size) {
    throw Error(ErrorCode::integrity,
                fmt::format("sealed blob is malformed: {} bytes, too short for its "
                            "{}-byte header",
                            blob.size(), header_size));
  }
  if (blob[0] != sealed_blob_format_v1) {
    throw Error(ErrorCode::integrity,
                fmt::format("sealed blob has unknown format 0x{:02x}; only 0x{:02x} "
                            "is known",
                            blob[0], sealed_blob_format_v1));
  }
  return load_u32be(blob.data() + 2);
}

}  // namespace linkvault
