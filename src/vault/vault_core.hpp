// VaultCore — what a Vault and its Tenants share: the store, the keyring,
// the catalog and the clock. Held by shared_ptr so Tenants keep it alive;
// thread-safe (each member is).
#pragma once

#include "core/keyed_locks.hpp"
#include "linkvault/clock.hpp"
#include "linkvault/error.hpp"
#include "linkvault/keyring.hpp"
#include "store/store.hpp"
#include "vault/catalog.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace linkvault {

class VaultCore {
 public:
  VaultCore(std::unique_ptr<Store> store, SecretBytes wrapping_key, std::string location,
            std::shared_ptr<const Clock> clock)
      : store_(std::move(store)),
        clock_(clock ? std::move(clock) : system_clock()),
        keyring_(std::move(wrapping_key), clock_),
        catalog_(*store_, clock_),
        location_(std::move(location)) {}

  // A pooled session; Error(FAILED_PRECONDITION) once the vault is closed.
  std::unique_ptr<StoreSession> session() { return store_->session(); }

  Store& store() noexcept { return *store_; }
  Keyring& keyring() noexcept { return keyring_; }
  Catalog& catalog() noexcept { return catalog_; }
  const Clock& clock() const noexcept { return *clock_; }
  TimeMs now_ms() const noexcept { return clock_->now_ms(); }
  const std::string& location() const noexcept { return location_; }
  // One queue per integration for the threads of this process that want its
  // token refreshed (src/oauth/token_refresh.cpp).
  KeyedLocks& refresh_locks() noexcept { return refresh_locks_; }

  void close() noexcept {
    closed_ = true;
    store_->close();
  }
  bool closed() const noexcept { return closed_; }

 private:
  std::unique_ptr<Store> store_;
  std::shared_ptr<const Clock> clock_;
  Keyring keyring_;
  Catalog catalog_;
  std::string location_;
  KeyedLocks refresh_locks_;
  std::atomic<bool> closed_{false};
};

// The core of an open vault, else Error(FAILED_PRECONDITION) (closed, or a
// moved-from Vault).
inline VaultCore& require_open(const std::shared_ptr<VaultCore>& core) {
  if (!core || core->closed()) throw Error(ErrorCode::failed_precondition, "the vault is closed");
  return *core;
}

}  // namespace linkvault
