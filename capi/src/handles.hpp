// The C ABI's opaque handle types, each a Handle (see handle.hpp) with its
// own magic number and lifetime.
#pragma once

#include "handle.hpp"
#include "linkvault.h"
#include "linkvault/oauth.hpp"
#include "linkvault/records.hpp"
#include "linkvault/secret.hpp"
#include "linkvault/vault.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

// Owned: made by lv_vault_open*, listed until lv_vault_destroy.
// "LVVAULT1" in ASCII.
struct lv_vault : linkvault::capi::Handle<linkvault::Vault, 0x4C565641554C5431ULL> {
  using Handle::Handle;
  static constexpr const char* parameter = "vault";
  static constexpr const char* not_live =
      "not a live lv_vault handle (destroyed, or never opened)";
};

// Owned: made by lv_records_map, listed until lv_record_batch_destroy. The
// batch is never changed after it is made, so calls on it from any number of
// threads only read it. "LVBATCH1" in ASCII.
struct lv_record_batch
    : linkvault::capi::Handle<linkvault::RecordBatch, 0x4C56424154434831ULL> {
  using Handle::Handle;
  static constexpr const char* parameter = "batch";
  static constexpr const char* not_live =
      "not a live lv_record_batch handle (destroyed, or never made by lv_records_map)";
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

namespace linkvault::capi {
// A refresher's or token exchange's failure (lv_token_reply_fail). The
// message may quote what the provider said (and so, by mistake, a token): it
// is wiped when it goes, and the vault stores it redacted.
struct TokenFailure {
  bool permanent = false;
  std::string message;
  TokenFailure() = default;
  TokenFailure(bool is_permanent, std::string text)
      : permanent(is_permanent), message(std::move(text)) {}
  TokenFailure(TokenFailure&& other) noexcept
      : permanent(other.permanent), message(std::move(other.message)) {}
  TokenFailure& operator=(TokenFailure&& other) noexcept {
    permanent = other.permanent;
    message.swap(other.message);  // the old text goes with `other`, which wipes it
    return *this;
  }
  ~TokenFailure() { wipe_string(message); }
};
// A refresher's or token exchange's answer: none yet, the tokens
// (lv_token_reply_set), or a failure. The tokens are SecretBytes.
using TokenAnswer = std::variant<std::monostate, TokenGrant, TokenFailure>;
}  // namespace linkvault::capi

// Scoped, like lv_tester_reply: lives for one refresher or token exchange
// callback. "LVTOKEN1" in ASCII.
struct lv_token_reply
    : linkvault::capi::Handle<linkvault::capi::TokenAnswer, 0x4C56544F4B454E31ULL> {
  using Handle::Handle;
  static constexpr const char* parameter = "reply";
  static constexpr const char* not_live =
      "not a live lv_token_reply (used outside its refresher or exchange callback?)";
};
