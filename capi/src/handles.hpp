// The C ABI's opaque handles and how a call gets from a host pointer back to
// the C++ object.
//
// Each handle struct starts with a magic number that is cleared on destroy
// (Botan FFI). On top of that, every live lv_vault is listed in a registry,
// and a call looks its pointer up there before reading anything through it:
// a destroyed or made-up pointer is LV_INVALID_ARGUMENT without touching freed
// memory (so the misuse tests are clean under ASan too). The registry hands
// out a shared_ptr, so a call in flight keeps the vault alive even if another
// thread destroys the handle meanwhile.
//
// lv_tester_reply lives on the library's stack for the length of one tester
// callback. It is listed as live only during that callback (a host may call
// lv_tester_reply_set from another thread its tester waits for, so the list
// is shared, not thread-local), and its magic is cleared when it goes: a
// reply kept past its callback is LV_INVALID_ARGUMENT, without reading the
// dead stack frame.
#pragma once

#include "linkvault.h"
#include "linkvault/vault.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

struct lv_vault {
  // "LVVAULT1" in ASCII.
  static constexpr std::uint64_t live_magic = 0x4C565641554C5431ULL;

  explicit lv_vault(linkvault::Vault opened) : vault(std::move(opened)) {}
  ~lv_vault() { magic = 0; }
  lv_vault(const lv_vault&) = delete;
  lv_vault& operator=(const lv_vault&) = delete;

  // Atomic: lv_vault_destroy clears it while another thread may be reading
  // it (a host bug, but one that must not be undefined behaviour here).
  std::atomic<std::uint64_t> magic{live_magic};
  linkvault::Vault vault;
};

struct lv_tester_reply {
  // "LVREPLY1" in ASCII.
  static constexpr std::uint64_t live_magic = 0x4C565245504C5931ULL;

  lv_tester_reply() = default;
  ~lv_tester_reply() { magic = 0; }
  lv_tester_reply(const lv_tester_reply&) = delete;
  lv_tester_reply& operator=(const lv_tester_reply&) = delete;

  std::uint64_t magic = live_magic;
  // Set by lv_tester_reply_set; empty until the tester answers.
  std::optional<bool> success;
  std::string message;
};

namespace linkvault::capi {

// Takes ownership of a newly opened vault, lists it, and returns the handle
// the host will hold.
lv_vault* register_vault(std::shared_ptr<lv_vault> vault);

// The live vault behind `handle`: Error(INVALID_ARGUMENT) for NULL, a pointer
// that is not a live handle, or a bad magic number.
std::shared_ptr<lv_vault> lookup_vault(const lv_vault* handle);

// Removes `handle` from the registry and returns it (nullptr if it was not a
// live handle); the caller closes it. The memory is freed when the last call
// in flight lets go of it.
std::shared_ptr<lv_vault> unregister_vault(const lv_vault* handle) noexcept;

// Lists a reply as live for the lifetime of this object (one tester call).
class LiveReply {
 public:
  explicit LiveReply(lv_tester_reply& reply);
  ~LiveReply();
  LiveReply(const LiveReply&) = delete;
  LiveReply& operator=(const LiveReply&) = delete;

 private:
  lv_tester_reply& reply_;
};

// Runs `update` on the reply behind `handle` while it is guaranteed to stay
// live (the list's lock is held, so the callback cannot return meanwhile):
// Error(INVALID_ARGUMENT) for NULL, a reply that is not live, or a bad magic.
void update_reply(lv_tester_reply* handle, void (*update)(lv_tester_reply&, void*), void* context);

}  // namespace linkvault::capi
