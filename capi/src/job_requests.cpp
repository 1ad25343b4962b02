#include "job_requests.hpp"

#include "linkvault/limits.hpp"
#include "linkvault/message_text.hpp"
#include "request_object.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <cmath>
#include <cstdint>

namespace linkvault::capi {

using simdjson::dom::element;

namespace {

constexpr std::string_view job_type_choices =
    "\"full_import\", \"incremental_sync\", \"export\" or \"field_mapping_update\"";

// Leases are whole milliseconds: 0.001 s is the shortest, a day the longest.
constexpr double min_lease_seconds = 0.001;
constexpr double max_lease_seconds = 24.0 * 60 * 60;

// An integer key within [low, high], checked before it is narrowed to int.
int bounded_integer(const RequestObject& request, std::string_view key, element value,
                    std::int64_t low, std::int64_t high) {
  const std::int64_t number = request.integer(key, value);
  if (number < low || number > high) {
    request.invalid(fmt::format("key {} must be an integer from {} to {}",
                                quote_for_message(key), low, high));
  }
  return static_cast<int>(number);
}

// "lease_seconds": any JSON number (30, 0.5, 1e3) within the bounds.
std::chrono::milliseconds lease_value(const RequestObject& request, std::string_view key,
                                      element value) {
  double seconds = 0;
  if (!value.is_number() || value.get_double().get(seconds) != simdjson::SUCCESS) {
    request.wrong_type(key, "a number");
  }
  // The negated test also refuses NaN, which fails every comparison.
  if (!(seconds >= min_lease_seconds && seconds <= max_lease_seconds)) {
    request.invalid(fmt::format("key {} must be a number of seconds from 0.001 to 86400",
                                quote_for_message(key)));
  }
  return std::chrono::milliseconds(std::llround(seconds * 1000.0));
}

// A JSON object member handed to C++ as its own text (config, summary).
std::string object_text(const RequestObject& request, std::string_view key, element value) {
  if (value.type() != simdjson::dom::element_type::OBJECT) {
    request.wrong_type(key, "an object or null");
  }
  return simdjson::minify(value);
}

}  // namespace

JobType parse_job_type_parameter(std::string_view type) {
  const auto parsed = parse_job_type(type);
  if (!parsed) {
    invalid_request("type",
                    fmt::format("must be {}, not {}", job_type_choices, quote_for_message(type)));
  }
  return *parsed;
}

EnqueueOptions parse_enqueue_options(std::optional<std::string_view> json) {
  EnqueueOptions options;
  if (!json) return options;
  RequestObject request("options_json", *json);
  static constexpr std::array<std::string_view, 3> keys{"config", "max_attempts",
                                                        "retry_base_seconds"};
  request.for_each(keys, [&](std::string_view key, element value) {
    if (value.is_null()) return;
    if (key == "config") {
      options.config = object_text(request, key, value);
    } else if (key == "max_attempts") {
      options.max_attempts = bounded_integer(request, key, value, 1, max_job_attempts);
    } else {
      options.retry_base_seconds =
          bounded_integer(request, key, value, 0, max_retry_base_seconds);
    }
  });
  return options;
}

JobQuery parse_job_filter(std::optional<std::string_view> json) {
  JobQuery query;
  if (!json) return query;
  RequestObject request("filter_json", *json);
  static constexpr std::array<std::string_view, 4> keys{"integration_id", "status", "limit",
                                                        "before"};
  request.for_each(keys, [&](std::string_view key, element value) {
    if (value.is_null()) return;
    if (key == "limit") {
      query.limit = bounded_integer(request, key, value, 1, max_job_list_limit);
      return;
    }
    const auto text = request.string_value(key, value);
    if (key == "integration_id") {
      query.integration_id = std::string(text);
    } else if (key == "before") {
      query.before = std::string(text);
    } else {
      query.status = parse_job_status(text);
      if (!query.status) {
        request.invalid(fmt::format("key 'status' must be one of \"pending\", \"running\", "
                                    "\"completed\", \"failed\", \"cancelled\", not {}",
                                    quote_for_message(text)));
      }
    }
  });
  return query;
}

ClaimOptions parse_claim_options(std::optional<std::string_view> json) {
  ClaimOptions options;
  if (!json) return options;
  RequestObject request("options_json", *json);
  static constexpr std::array<std::string_view, 2> keys{"lease_seconds", "types"};
  request.for_each(keys, [&](std::string_view key, element value) {
    if (value.is_null()) return;
    if (key == "lease_seconds") {
      options.lease = lease_value(request, key, value);
      return;
    }
    simdjson::dom::array types;
    if (value.get_array().get(types) != simdjson::SUCCESS) {
      request.wrong_type(key, "an array of job types or null");
    }
    for (const element item : types) {
      std::string_view text;
      if (item.get_string().get(text) != simdjson::SUCCESS) {
        request.wrong_type(key, "an array of job types or null");
      }
      const auto type = parse_job_type(text);
      if (!type) {
        request.invalid(fmt::format("key 'types' holds {}, which is not one of {}",
                                    quote_for_message(text), job_type_choices));
      }
      options.types.push_back(*type);
    }
  });
  return options;
}

HeartbeatRequest parse_heartbeat_progress(std::optional<std::string_view> json) {
  HeartbeatRequest heartbeat;
  if (!json) return heartbeat;
  RequestObject request("progress_json", *json);
  static constexpr std::array<std::string_view, 3> keys{"processed", "total", "lease_seconds"};
  request.for_each(keys, [&](std::string_view key, element value) {
    if (value.is_null()) return;
    if (key == "lease_seconds") {
      heartbeat.lease = lease_value(request, key, value);
      return;
    }
    const std::int64_t count = request.integer(key, value);
    if (count < 0) {
      request.invalid(fmt::format("key {} must not be negative", quote_for_message(key)));
    }
    (key == "processed" ? heartbeat.progress.processed : heartbeat.progress.total) = count;
  });
  return heartbeat;
}

SyncOutcome parse_completion_outcome(std::optional<std::string_view> outcome) {
  if (!outcome) return SyncOutcome::success;
  const auto parsed = parse_sync_outcome(*outcome);
  // "failed" is a real outcome, but a job fails through lv_job_fail.
  if (!parsed || *parsed == SyncOutcome::failed) {
    invalid_request("outcome", fmt::format("must be \"success\" or \"partial\", not {}",
                                           quote_for_message(*outcome)));
  }
  return *parsed;
}

std::optional<std::string> parse_summary(std::optional<std::string_view> json) {
  if (!json) return std::nullopt;
  const RequestObject request("summary_json", *json);
  return simdjson::minify(request.members());
}

}  // namespace linkvault::capi
