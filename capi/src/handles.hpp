// The C ABI's opaque handle types, each a Handle (see handle.hpp) with its
// own magic number and lifetime.
#pragma once

#include "handle.hpp"
#include "linkvault.h"
#include "linkvault/vault.hpp"

#include <cstdint>
#include <optional>
#include <string>

// Owned: made by lv_vault_open*, listed until lv_vault_destroy.
// "LVVAULT1" in ASCII.
struct lv_vault : linkvault::capi::Handle<linkvault::Vault, 0x4C565641554C5431ULL> {
  using Handle::Handle;
  static constexpr const char* parameter = "vault";
  static constexpr const char* not_live =
      "not a live lv_vault handle (destroyed, or never opened)";
};

namespace linkvault::capi {
// A tester's answer; empty until lv_tester_reply_set.
struct TesterAnswer {
  std::optional<bool> success;
  std::string message;
};
}  // namespace linkvault::capi

// Scoped: lives on the library's stack for the length of one tester callback
// and is listed only during it (a host may set it from another thread its
// tester waits for, so the listing is shared, not thread-local). A reply kept
// past its callback is refused without reading the dead stack frame.
// "LVREPLY1" in ASCII.
struct lv_tester_reply
    : linkvault::capi::Handle<linkvault::capi::TesterAnswer, 0x4C565245504C5931ULL> {
  using Handle::Handle;
  static constexpr const char* parameter = "reply";
  static constexpr const char* not_live =
      "not a live lv_tester_reply (used outside its tester callback?)";
};
