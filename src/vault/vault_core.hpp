// VaultCore — what a Vault and its Tenants share: the store, the keyring and
// the catalog. Held by shared_ptr so Tenants keep it alive; thread-safe
// (each member is).
#pragma once

#include "linkvault/keyring.hpp"
#include "linkvault/store.hpp"
#include "vault/catalog.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace linkvault {

class VaultCore {
 public:
  VaultCore(std::unique_ptr<Store> store, SecretBytes wrapping_key, std::string path)
      : store_(std::move(store)),
        keyring_(std::move(wrapping_key)),
        catalog_(*store_),
        path_(std::move(path)) {}

  // A pooled session; Error(FAILED_PRECONDITION) once the vault is closed.
  std::unique_ptr<StoreSession> session() { return store_->session(); }

  Store& store() noexcept { return *store_; }
  Keyring& keyring() noexcept { return keyring_; }
  Catalog& catalog() noexcept { return catalog_; }
  const std::string& path() const noexcept { return path_; }

  void close() noexcept {
    closed_ = true;
    store_->close();
  }
  bool closed() const noexcept { return closed_; }

 private:
  std::unique_ptr<Store> store_;
  Keyring keyring_;
  Catalog catalog_;
  std::string path_;
  std::atomic<bool> closed_{false};
};

}  // namespace linkvault
