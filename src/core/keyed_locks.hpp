// KeyedLocks — one mutex per key (an integration id), made when first needed
// and dropped when no one holds or waits for it. It gives the threads of one
// process a queue per key, so that of sixteen threads wanting the same token
// refreshed one does it and the others wait for it in turn instead of
// polling the vault (the cross-process part is the refresh lease in the
// vault). Thread-safe.
#pragma once

#include "linkvault/error.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace linkvault {

class KeyedLocks {
  struct Entry {
    std::timed_mutex mutex;
    std::atomic<std::thread::id> owner{};  // the thread holding `mutex`
    int users = 0;  // holders and waiters; guarded by KeyedLocks::mutex_
  };

 public:
  // Holds one key's mutex; releases it (and forgets the key when it was the
  // last user) on destruction.
  class Guard {
   public:
    Guard(Guard&& other) noexcept
        : owner_(other.owner_), key_(std::move(other.key_)), entry_(std::move(other.entry_)) {
      other.owner_ = nullptr;
    }
    Guard& operator=(Guard&&) = delete;
    Guard(const Guard&) = delete;
    ~Guard() {
      if (owner_ == nullptr) return;
      entry_->owner.store(std::thread::id{});
      entry_->mutex.unlock();
      owner_->release(key_, entry_);
    }

   private:
    friend class KeyedLocks;
    Guard(KeyedLocks* owner, std::string key, std::shared_ptr<Entry> entry)
        : owner_(owner), key_(std::move(key)), entry_(std::move(entry)) {}
    KeyedLocks* owner_;
    std::string key_;
    std::shared_ptr<Entry> entry_;
  };

  // The key's mutex, waiting at most `timeout`; nullopt when it did not
  // come. Error(FAILED_PRECONDITION) when this thread already holds it (a
  // host callback asking again for what its caller is doing), which would
  // otherwise deadlock.
  std::optional<Guard> try_lock_for(std::string_view key, std::chrono::milliseconds timeout) {
    std::shared_ptr<Entry> entry;
    {
      const std::lock_guard lock(mutex_);
      auto& slot = entries_[std::string(key)];
      if (!slot) slot = std::make_shared<Entry>();
      if (slot->owner.load() == std::this_thread::get_id()) {
        throw Error(ErrorCode::failed_precondition,
                    "called again from inside its own callback on the same thread");
      }
      entry = slot;
      ++entry->users;
    }
    if (!entry->mutex.try_lock_for(timeout)) {
      release(key, entry);
      return std::nullopt;
    }
    entry->owner.store(std::this_thread::get_id());
    return Guard(this, std::string(key), std::move(entry));
  }

 private:
  void release(std::string_view key, const std::shared_ptr<Entry>& entry) noexcept {
    const std::lock_guard lock(mutex_);
    if (--entry->users == 0) {
      const auto it = entries_.find(key);
      if (it != entries_.end() && it->second == entry) entries_.erase(it);
    }
  }

  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_;
};

}  // namespace linkvault
