#include "handles.hpp"

#include "linkvault/error.hpp"

#include <mutex>
#include <unordered_map>

namespace linkvault::capi {

namespace {

class VaultRegistry {
 public:
  lv_vault* add(std::shared_ptr<lv_vault> vault) {
    lv_vault* handle = vault.get();
    std::lock_guard lock(mutex_);
    live_.emplace(handle, std::move(vault));
    return handle;
  }

  std::shared_ptr<lv_vault> find(const lv_vault* handle) const {
    std::lock_guard lock(mutex_);
    const auto found = live_.find(handle);
    return found == live_.end() ? nullptr : found->second;
  }

  std::shared_ptr<lv_vault> remove(const lv_vault* handle) noexcept {
    std::lock_guard lock(mutex_);
    const auto found = live_.find(handle);
    if (found == live_.end()) return nullptr;
    std::shared_ptr<lv_vault> vault = std::move(found->second);
    live_.erase(found);
    return vault;
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<const lv_vault*, std::shared_ptr<lv_vault>> live_;
};

// Never destroyed: a host may destroy its handles from an atexit handler or
// a static destructor after this library's statics would have gone.
VaultRegistry& registry() {
  static VaultRegistry* const instance = new VaultRegistry();
  return *instance;
}

}  // namespace

lv_vault* register_vault(std::shared_ptr<lv_vault> vault) {
  return registry().add(std::move(vault));
}

std::shared_ptr<lv_vault> lookup_vault(const lv_vault* handle) {
  if (handle == nullptr) {
    throw Error(ErrorCode::invalid_argument, "vault: must not be NULL");
  }
  std::shared_ptr<lv_vault> vault = registry().find(handle);
  if (vault == nullptr || vault->magic != lv_vault::live_magic) {
    throw Error(ErrorCode::invalid_argument,
                "vault: not a live lv_vault handle (destroyed, or never opened)");
  }
  return vault;
}

std::shared_ptr<lv_vault> unregister_vault(const lv_vault* handle) noexcept {
  if (handle == nullptr) return nullptr;
  return registry().remove(handle);
}

lv_tester_reply& checked_reply(lv_tester_reply* handle) {
  if (handle == nullptr) {
    throw Error(ErrorCode::invalid_argument, "reply: must not be NULL");
  }
  if (handle->magic != lv_tester_reply::live_magic) {
    throw Error(ErrorCode::invalid_argument,
                "reply: not a live lv_tester_reply (used outside its tester callback?)");
  }
  return *handle;
}

}  // namespace linkvault::capi
