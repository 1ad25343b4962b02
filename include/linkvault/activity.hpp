// ActivityEntry — one line of a tenant's tamper-evident activity log
// (DESIGN.md §4). Entries are chained per tenant with HMAC-SHA256; see
// Vault::verify_audit().
#pragma once

#include "linkvault/clock.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linkvault {

// The contract's action names, spelled exactly.
namespace action {
inline constexpr std::string_view connected = "connected";
inline constexpr std::string_view disconnected = "disconnected";
inline constexpr std::string_view test_success = "test_success";
inline constexpr std::string_view test_failed = "test_failed";
inline constexpr std::string_view credentials_updated = "credentials_updated";
inline constexpr std::string_view credentials_revealed = "credentials_revealed";
inline constexpr std::string_view status_error = "status_error";
inline constexpr std::string_view token_refreshed = "token_refreshed";
inline constexpr std::string_view token_refresh_failed = "token_refresh_failed";
inline constexpr std::string_view sync_queued = "sync_queued";
inline constexpr std::string_view sync_started = "sync_started";
inline constexpr std::string_view sync_completed = "sync_completed";
inline constexpr std::string_view sync_failed = "sync_failed";
inline constexpr std::string_view sync_cancelled = "sync_cancelled";
}  // namespace action

struct ActivityEntry {
  std::string id;  // UUIDv7; the cursor for activity(before=...)
  std::string tenant;
  std::optional<std::string> integration_id;
  std::string action;
  std::string user_id;
  std::string user_name;
  std::string details;  // a JSON object, "{}" when there is nothing to add
  TimeMs created_at = 0;
  std::int64_t sequence = 0;  // position in the tenant's chain, from 1
};

}  // namespace linkvault
