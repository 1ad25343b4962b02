// SyncConfig — how an integration syncs (DESIGN.md §4). Parsed strictly from
// JSON: an unknown key, a wrong type or an out-of-range value is
// Error(INVALID_ARGUMENT) naming it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace linkvault {

enum class SyncDirection { import_only, export_only, bidirectional };
enum class ConflictResolution { local_wins, remote_wins, newest_wins, manual_review };

const char* to_string(SyncDirection direction) noexcept;
const char* to_string(ConflictResolution resolution) noexcept;
std::optional<SyncDirection> parse_sync_direction(std::string_view text) noexcept;
std::optional<ConflictResolution> parse_conflict_resolution(std::string_view text) noexcept;

struct SyncConfig {
  bool auto_sync = false;
  int interval_minutes = 60;  // 15..1440
  SyncDirection direction = SyncDirection::import_only;
  ConflictResolution conflict_resolution = ConflictResolution::newest_wins;
  bool import_historical = false;

  bool operator==(const SyncConfig&) const = default;
};

// A JSON object with any subset of the five keys; missing keys keep their
// defaults.
SyncConfig parse_sync_config(std::string_view json);
// Canonical JSON with all five keys.
std::string to_json(const SyncConfig& config);

// Error(INVALID_ARGUMENT) naming the field when a config built in code is out
// of range (interval_minutes outside 15..1440, an enum value cast from an
// unknown integer). parse_sync_config() output always passes.
void validate_sync_config(const SyncConfig& config);

}  // namespace linkvault
