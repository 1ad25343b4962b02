#include "oauth_requests.hpp"

#include "linkvault/limits.hpp"
#include "linkvault/message_text.hpp"
#include "request_object.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <cmath>

namespace linkvault::capi {

using simdjson::dom::element;

namespace {

// A year of seconds: the longest margin or sweep window.
constexpr std::int64_t max_window_seconds = 365LL * 24 * 60 * 60;
// A week: the longest Retry-After a provider is taken at its word for.
constexpr double max_retry_after_seconds = 7.0 * 24 * 60 * 60;

std::chrono::seconds window_value(const RequestObject& request, std::string_view key,
                                  element value) {
  const std::int64_t seconds = request.integer(key, value);
  if (seconds < 0 || seconds > max_window_seconds) {
    request.invalid(fmt::format("key {} must be an integer from 0 to {}",
                                quote_for_message(key), max_window_seconds));
  }
  return std::chrono::seconds(seconds);
}

// Any JSON number of seconds (30, 0.5, 1e3) within [low, high], as whole
// milliseconds.
std::chrono::milliseconds seconds_value(const RequestObject& request, std::string_view key,
                                        element value, double low, double high) {
  double seconds = 0;
  if (!value.is_number() || value.get_double().get(seconds) != simdjson::SUCCESS) {
    request.wrong_type(key, "a number");
  }
  // The negated test also refuses NaN, which fails every comparison.
  if (!(seconds >= low && seconds <= high)) {
    request.invalid(fmt::format("key {} must be a number of seconds from {} to {}",
                                quote_for_message(key), low, high));
  }
  return std::chrono::milliseconds(std::llround(seconds * 1000.0));
}

std::vector<std::string> string_list(const RequestObject& request, std::string_view key,
                                     element value, std::string_view expected) {
  simdjson::dom::array items;
  if (value.get_array().get(items) != simdjson::SUCCESS) request.wrong_type(key, expected);
  std::vector<std::string> list;
  for (const element item : items) {
    std::string_view text;
    if (item.get_string().get(text) != simdjson::SUCCESS) request.wrong_type(key, expected);
    list.emplace_back(text);
  }
  return list;
}

}  // namespace

RefreshOptions parse_refresh_options(std::optional<std::string_view> json) {
  RefreshOptions options;
  if (!json) return options;
  RequestObject request("options_json", *json);
  static constexpr std::array<std::string_view, 4> keys{"margin_seconds", "force",
                                                        "lease_seconds", "max_wait_seconds"};
  request.for_each(keys, [&](std::string_view key, element value) {
    if (value.is_null()) return;
    if (key == "margin_seconds") {
      options.margin = window_value(request, key, value);
    } else if (key == "force") {
      if (value.get_bool().get(options.force) != simdjson::SUCCESS) {
        request.wrong_type(key, "true, false or null");
      }
    } else if (key == "lease_seconds") {
      options.lease = seconds_value(request, key, value, 1, 3600);
    } else {
      options.max_wait = seconds_value(request, key, value, 0, 86400);
    }
  });
  return options;
}

RefreshExpiringRequest parse_refresh_expiring_options(std::optional<std::string_view> json) {
  RefreshExpiringRequest sweep;
  if (!json) return sweep;
  RequestObject request("options_json", *json);
  static constexpr std::array<std::string_view, 2> keys{"within_seconds", "providers"};
  request.for_each(keys, [&](std::string_view key, element value) {
    if (value.is_null()) return;
    if (key == "within_seconds") {
      sweep.within = window_value(request, key, value);
    } else {
      sweep.providers = string_list(request, key, value, "an array of provider keys or null");
    }
  });
  return sweep;
}

BeginOAuthOptions parse_begin_oauth_options(std::optional<std::string_view> json) {
  BeginOAuthOptions options;
  if (!json) return options;
  RequestObject request("options_json", *json);
  static constexpr std::array<std::string_view, 2> keys{"name", "scopes"};
  request.for_each(keys, [&](std::string_view key, element value) {
    if (value.is_null()) return;
    if (key == "name") {
      options.name = request.string_value(key, value);
    } else {
      options.scopes = string_list(request, key, value, "an array of strings or null");
    }
  });
  return options;
}

std::chrono::milliseconds retry_after_parameter(double retry_after_seconds) {
  // The negated test also refuses NaN; infinity fails the upper bound.
  if (!(retry_after_seconds >= 0 && retry_after_seconds <= max_retry_after_seconds)) {
    invalid_request("retry_after_seconds",
                    "must be a finite number of seconds from 0 to 604800");
  }
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(std::ceil(retry_after_seconds * 1000.0)));
}

}  // namespace linkvault::capi
