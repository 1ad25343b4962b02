// The one handle type behind every opaque C handle (lv_vault, lv_record_batch,
// lv_tester_reply, lv_token_reply), and the one registry that says which
// handles are live.
//
// A handle starts with a magic number that is cleared when it goes (Botan
// FFI). That alone would mean reading freed memory to find out, so every live
// handle is also listed in the registry, and a call looks its pointer up there
// before reading anything through it: a destroyed, made-up or wrong-type
// pointer is Error(INVALID_ARGUMENT) without touching freed memory (so the
// misuse tests are clean under ASan too).
//
// Two lifetimes:
//  - owned (lv_vault, lv_record_batch): the registry holds the handle; a lookup shares
//    ownership, so a call in flight keeps the object alive even if another
//    thread destroys the handle meanwhile.
//  - scoped (lv_tester_reply): the handle lives on the library's stack and is
//    listed only while a HandleScope runs (one callback). It is reached only
//    through visit(), under the registry's lock, so the scope cannot end
//    while a host thread the callback waits for is writing to it.
#pragma once

#include "linkvault/error.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace linkvault::capi {

// The base of a C handle struct: `struct lv_x : Handle<X, magic> {...}`.
// The derived struct also names itself for messages:
//   static constexpr const char* parameter = "x";       // the argument name
//   static constexpr const char* not_live = "...";      // why it is refused
template <typename T, std::uint64_t Magic>
class Handle {
 public:
  static constexpr std::uint64_t live_magic = Magic;

  template <typename... Args>
  explicit Handle(Args&&... args) : object(std::forward<Args>(args)...) {}
  ~Handle() { retire(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  // Atomic: destroy clears it while another thread may be reading it (a host
  // bug, but one that must not be undefined behaviour here).
  bool live() const noexcept { return magic_.load() == Magic; }
  void retire() noexcept { magic_.store(0); }

 private:
  std::atomic<std::uint64_t> magic_{Magic};

 public:
  T object;
};

class HandleRegistry {
 public:
  // The process's registry. Never destroyed: a host may destroy its handles
  // from an atexit handler or a static destructor after this library's
  // statics would have gone.
  static HandleRegistry& instance();

  // Lists a newly made owned handle and returns the pointer the host holds.
  template <typename H>
  H* adopt(std::shared_ptr<H> handle) {
    H* const address = handle.get();
    insert(address, H::live_magic, std::move(handle));
    return address;
  }

  // The live owned handle at `address`: Error(INVALID_ARGUMENT) for NULL, a
  // pointer that is not a live handle of this type, or a cleared magic.
  template <typename H>
  std::shared_ptr<H> acquire(const H* address) const {
    require_not_null<H>(address);
    std::shared_ptr<H> found = std::static_pointer_cast<H>(find_owned(address, H::live_magic));
    if (found == nullptr || !found->live()) not_live<H>();
    return found;
  }

  // Unlists an owned handle and returns it (nullptr if it was not listed);
  // the object is freed when the last call in flight lets go of it.
  template <typename H>
  std::shared_ptr<H> release(const H* address) noexcept {
    if (address == nullptr) return nullptr;
    return std::static_pointer_cast<H>(erase(address, H::live_magic));
  }

  // Runs update(handle) with the registry locked, so a scoped handle cannot
  // go meanwhile (keep `update` short; it must not call back into the
  // registry). Same errors as acquire().
  template <typename H, typename Update>
  void visit(H* address, Update&& update) {
    require_not_null<H>(address);
    using Plain = std::remove_reference_t<Update>;
    const bool found = visit_locked(
        address, H::live_magic,
        [](void* handle, void* context) -> bool {
          H& live = *static_cast<H*>(handle);
          if (!live.live()) return false;
          (*static_cast<Plain*>(context))(live);
          return true;
        },
        const_cast<void*>(static_cast<const void*>(std::addressof(update))));
    if (!found) not_live<H>();
  }

 private:
  template <typename H>
  friend class HandleScope;

  HandleRegistry() = default;

  template <typename H>
  static void require_not_null(const H* address) {
    if (address == nullptr) {
      throw Error(ErrorCode::invalid_argument, std::string(H::parameter) + ": must not be NULL");
    }
  }
  template <typename H>
  [[noreturn]] static void not_live() {
    throw Error(ErrorCode::invalid_argument, std::string(H::parameter) + ": " + H::not_live);
  }

  // An empty `owner` lists a scoped handle.
  void insert(const void* address, std::uint64_t magic, std::shared_ptr<void> owner);
  std::shared_ptr<void> find_owned(const void* address, std::uint64_t magic) const;
  std::shared_ptr<void> erase(const void* address, std::uint64_t magic) noexcept;
  // False if no handle of this magic is listed at `address` or `run` says so.
  bool visit_locked(const void* address, std::uint64_t magic, bool (*run)(void*, void*),
                    void* context);

  struct Entry {
    std::uint64_t magic;
    std::shared_ptr<void> owner;  // empty for a scoped handle
  };
  mutable std::mutex mutex_;
  std::unordered_map<const void*, Entry> handles_;
};

// Lists a scoped handle as live for this object's lifetime, and clears its
// magic when it ends.
template <typename H>
class HandleScope {
 public:
  explicit HandleScope(H& handle) : handle_(handle) {
    HandleRegistry::instance().insert(&handle_, H::live_magic, nullptr);
  }
  ~HandleScope() {
    HandleRegistry::instance().erase(&handle_, H::live_magic);
    handle_.retire();
  }
  HandleScope(const HandleScope&) = delete;
  HandleScope& operator=(const HandleScope&) = delete;

 private:
  H& handle_;
};

}  // namespace linkvault::capi
