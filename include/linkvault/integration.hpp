// Integration — one connection of a tenant to a provider, as read from the
// vault (DESIGN.md §4). A plain value: the sealed credentials never leave the
// vault through it; reveal_credentials() is the only way to plaintext.
#pragma once

#include "linkvault/clock.hpp"
#include "linkvault/sync_config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

enum class IntegrationStatus { pending_auth, connected, error, disconnected };
enum class SyncOutcome { success, partial, failed };

const char* to_string(IntegrationStatus status) noexcept;
std::optional<IntegrationStatus> parse_integration_status(std::string_view text) noexcept;
const char* to_string(SyncOutcome outcome) noexcept;
std::optional<SyncOutcome> parse_sync_outcome(std::string_view text) noexcept;

struct Integration {
  std::string id;  // UUIDv7
  std::string tenant;
  std::string provider;
  std::string name = "default";
  std::optional<std::string> account;
  IntegrationStatus status = IntegrationStatus::pending_auth;
  std::string credential_mask;  // "" once disconnected
  std::vector<std::string> scopes;
  std::optional<TimeMs> expires_at;
  std::string connected_by;  // user id of the actor who connected
  std::optional<TimeMs> connected_at;
  std::optional<TimeMs> disconnected_at;
  std::optional<TimeMs> last_used_at;
  std::optional<TimeMs> last_refreshed_at;
  std::int64_t refresh_count = 0;
  std::optional<std::string> last_error;
  std::optional<SyncConfig> sync_config;
  std::optional<TimeMs> last_sync_at;
  std::optional<SyncOutcome> last_sync_status;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

// Which integrations Tenant::list() returns; unset fields match everything.
struct ListFilter {
  std::optional<std::string> provider;
  std::optional<IntegrationStatus> status;
};

}  // namespace linkvault
