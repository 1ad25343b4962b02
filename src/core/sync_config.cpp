// SyncConfig from and to JSON (DESIGN.md §4). Parsing is strict: the JSON
// must be one object whose keys are a subset of the five known ones, each at
// most once and of the right type; the first problem is reported by name.
#include "linkvault/sync_config.hpp"

#include "core/message_text.hpp"
#include "linkvault/error.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <string>

namespace linkvault {
namespace {

constexpr int min_interval_minutes = 15;
constexpr int max_interval_minutes = 1440;

[[noreturn]] void reject(const std::string& message) {
  throw Error(ErrorCode::invalid_argument, "sync_config: " + message);
}

bool require_bool(std::string_view key, simdjson::dom::element value) {
  bool result = false;
  if (value.get(result) != simdjson::SUCCESS) {
    reject(fmt::format("'{}' must be true or false", key));
  }
  return result;
}

int require_interval(std::string_view key, simdjson::dom::element value) {
  const auto message = [&] {
    return fmt::format("'{}' must be an integer from {} to {}", key,
                       min_interval_minutes, max_interval_minutes);
  };
  // A uint64 beyond int64 range or a double (60.0 included) is not accepted:
  // the canonical form is a plain integer.
  if (value.type() != simdjson::dom::element_type::INT64) reject(message());
  const std::int64_t minutes = value.get_int64().value_unsafe();
  if (minutes < min_interval_minutes || minutes > max_interval_minutes) reject(message());
  return static_cast<int>(minutes);
}

std::string_view require_string(std::string_view key, simdjson::dom::element value,
                                std::string_view allowed) {
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) {
    reject(fmt::format("'{}' must be one of {}", key, allowed));
  }
  return text;
}

}  // namespace

SyncConfig parse_sync_config(std::string_view json) {
  if (json.empty()) reject("not valid JSON (empty text)");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (const auto error = parser.parse(json.data(), json.size()).get(root)) {
    reject(fmt::format("not valid JSON ({})", simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) reject("must be a JSON object");

  // Unknown keys are rejected as soon as they are met, so only the five known
  // keys need duplicate tracking.
  enum Seen : unsigned {
    auto_sync = 1,
    interval = 2,
    direction = 4,
    conflict = 8,
    historical = 16
  };
  unsigned seen = 0;
  const auto first_time = [&seen](std::string_view key, Seen bit) {
    if (seen & bit) reject(fmt::format("duplicate key '{}'", key));
    seen |= bit;
  };

  SyncConfig config;
  for (const auto [key, value] : object) {
    if (key == "auto_sync") {
      first_time(key, Seen::auto_sync);
      config.auto_sync = require_bool(key, value);
    } else if (key == "interval_minutes") {
      first_time(key, Seen::interval);
      config.interval_minutes = require_interval(key, value);
    } else if (key == "direction") {
      first_time(key, Seen::direction);
      static constexpr std::string_view allowed =
          "import_only, export_only, bidirectional";
      const auto parsed = parse_sync_direction(require_string(key, value, allowed));
      if (!parsed) reject(fmt::format("'{}' must be one of {}", key, allowed));
      config.direction = *parsed;
    } else if (key == "conflict_resolution") {
      first_time(key, Seen::conflict);
      static constexpr std::string_view allowed =
          "local_wins, remote_wins, newest_wins, manual_review";
      const auto parsed = parse_conflict_resolution(require_string(key, value, allowed));
      if (!parsed) reject(fmt::format("'{}' must be one of {}", key, allowed));
      config.conflict_resolution = *parsed;
    } else if (key == "import_historical") {
      first_time(key, Seen::historical);
      config.import_historical = require_bool(key, value);
    } else {
      reject("unknown key " + quote_for_message(key));
    }
  }
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
