#include "handles.hpp"

#include "linkvault/error.hpp"

#include <mutex>
#include <algorithm>
#include <unordered_map>
#include <vector>

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

// The replies of the tester callbacks running right now, on any thread.
struct ReplyList {
  std::mutex mutex;
  std::vector<const lv_tester_reply*> live;
};

ReplyList& replies() {
  static ReplyList* const instance = new ReplyList();
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

LiveReply::LiveReply(lv_tester_reply& reply) : reply_(reply) {
  ReplyList& list = replies();
  std::lock_guard lock(list.mutex);
  list.live.push_back(&reply_);
}

LiveReply::~LiveReply() {
  ReplyList& list = replies();
  std::lock_guard lock(list.mutex);
  list.live.erase(std::find(list.live.begin(), list.live.end(), &reply_));
  reply_.magic = 0;
}

void update_reply(lv_tester_reply* handle, void (*update)(lv_tester_reply&, void*),
                  void* context) {
  if (handle == nullptr) {
    throw Error(ErrorCode::invalid_argument, "reply: must not be NULL");
  }
  ReplyList& list = replies();
  std::lock_guard lock(list.mutex);
  if (std::find(list.live.begin(), list.live.end(), handle) == list.live.end() ||
      handle->magic != lv_tester_reply::live_magic) {
    throw Error(ErrorCode::invalid_argument,
                "reply: not a live lv_tester_reply (used outside its tester callback?)");
  }
  update(*handle, context);
}

}  // namespace linkvault::capi
