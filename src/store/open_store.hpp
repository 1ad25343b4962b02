// open_store — the one place that picks a storage backend for a location.
// The vault layer calls only this (and the interfaces of store/store.hpp),
// never a backend's own header.
#pragma once

#include "linkvault/master_secret.hpp"
#include "store/store.hpp"

#include <functional>
#include <memory>
#include <string>

namespace linkvault {

struct StoreOptions {
  bool create = true;         // create the vault if it does not exist
  int busy_timeout_ms = 5000;  // the bound on waiting for other writers
  std::string kdf_profile;    // how the keys were derived, recorded in a new vault
};

// The vault layer's key derivation: given the per-vault salt the backend
// keeps (read from the vault, or fresh for a new one), the database key.
using DatabaseKeyForSalt = std::function<SecretBytes(const FileSalt& salt)>;

// `location` is a postgresql:// or postgres:// URI (PostgresStore), or else a
// file path (SqlCipherStore). Errors as those backends' open.
std::unique_ptr<Store> open_store(const std::string& location, const StoreOptions& options,
                                  const DatabaseKeyForSalt& database_key_for);

}  // namespace linkvault
