#include "handle.hpp"

namespace linkvault::capi {

HandleRegistry& HandleRegistry::instance() {
  static HandleRegistry* const registry = new HandleRegistry();
  return *registry;
}

void HandleRegistry::insert(const void* address, std::uint64_t magic,
                            std::shared_ptr<void> owner) {
  std::lock_guard lock(mutex_);
  handles_.insert_or_assign(address, Entry{magic, std::move(owner)});
}

std::shared_ptr<void> HandleRegistry::find_owned(const void* address,
                                                 std::uint64_t magic) const {
  std::lock_guard lock(mutex_);
  const auto found = handles_.find(address);
  if (found == handles_.end() || found->second.magic != magic) return nullptr;
  return found->second.owner;
}

std::shared_ptr<void> HandleRegistry::erase(const void* address, std::uint64_t magic) noexcept {
  std::lock_guard lock(mutex_);
  const auto found = handles_.find(address);
  if (found == handles_.end() || found->second.magic != magic) return nullptr;
  std::shared_ptr<void> owner = std::move(found->second.owner);
  handles_.erase(found);
  return owner;
}

bool HandleRegistry::visit_locked(const void* address, std::uint64_t magic,
                                  bool (*run)(void*, void*), void* context) {
  std::lock_guard lock(mutex_);
  const auto found = handles_.find(address);
  if (found == handles_.end() || found->second.magic != magic) return false;
  return run(const_cast<void*>(address), context);
}

}  // namespace linkvault::capi
