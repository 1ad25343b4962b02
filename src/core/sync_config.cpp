// SyncConfig from and to JSON (DESIGN.md §4). Parsing is strict (the one
// JsonObjectReader): the JSON must be one object whose keys are a subset of
// the five known ones, each at most once and of the right type; the first
// problem is reported by name.
#include "linkvault/sync_config.hpp"

#include "core/json_object_reader.hpp"
#include "core/message_text.hpp"
#include "linkvault/error.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace linkvault {
namespace {

constexpr int min_interval_minutes = 15;
constexpr int max_interval_minutes = 1440;

[[noreturn]] void reject(const std::string& message) {
  throw Error(ErrorCode::invalid_argument, "sync_config: " + message);
}

}  // namespace

SyncConfig parse_sync_config(std::string_view json) {
  JsonObjectReader reader("sync_config", json);
  const auto interval_message = fmt::format("an integer from {} to {}", min_interval_minutes,
                                            max_interval_minutes);
  static constexpr std::array<std::string_view, 5> keys{
      "auto_sync", "interval_minutes", "direction", "conflict_resolution", "import_historical"};
  SyncConfig config;
  reader.for_each(keys, [&](std::string_view key, simdjson::dom::element value) {
    if (key == "auto_sync") {
      config.auto_sync = reader.boolean(key, value);
    } else if (key == "interval_minutes") {
      // A uint64 beyond int64 range or a double (60.0 included) is not
      // accepted: the canonical form is a plain integer.
      const std::int64_t minutes = reader.integer(key, value, interval_message);
      if (minutes < min_interval_minutes || minutes > max_interval_minutes) {
        reader.reject(fmt::format("{} must be {}", quote_for_message(key), interval_message));
      }
      config.interval_minutes = static_cast<int>(minutes);
    } else if (key == "direction") {
      static constexpr std::string_view allowed = "import_only, export_only, bidirectional";
      std::string_view text;
      std::optional<SyncDirection> parsed;
      if (value.get(text) == simdjson::SUCCESS) parsed = parse_sync_direction(text);
      if (!parsed) reader.reject(fmt::format("{} must be one of {}", quote_for_message(key), allowed));
      config.direction = *parsed;
    } else if (key == "conflict_resolution") {
      static constexpr std::string_view allowed =
          "local_wins, remote_wins, newest_wins, manual_review";
      std::string_view text;
      std::optional<ConflictResolution> parsed;
      if (value.get(text) == simdjson::SUCCESS) parsed = parse_conflict_resolution(text);
      if (!parsed) reader.reject(fmt::format("{} must be one of {}", quote_for_message(key), allowed));
      config.conflict_resolution = *parsed;
    } else {
      config.import_historical = reader.boolean(key, value);
    }
  });
  return config;
}

void validate_sync_config(const SyncConfig& config) {
  if (config.interval_minutes < min_interval_minutes ||
      config.interval_minutes > max_interval_minutes) {
    reject(fmt::format("'interval_minutes' must be an integer from {} to {}",
                       min_interval_minutes, max_interval_minutes));
  }
  if (!parse_sync_direction(to_string(config.direction))) {
    reject("'direction' is not a known direction");
  }
  if (!parse_conflict_resolution(to_string(config.conflict_resolution))) {
    reject("'conflict_resolution' is not a known resolution");
  }
}

std::string to_json(const SyncConfig& config) {
  return fmt::format(
      R"({{"auto_sync":{},"interval_minutes":{},"direction":"{}",)"
      R"("conflict_resolution":"{}","import_historical":{}}})",
      config.auto_sync, config.interval_minutes, to_string(config.direction),
      to_string(config.conflict_resolution), config.import_historical);
}

}  // namespace linkvault
