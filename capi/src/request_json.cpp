#include "request_json.hpp"

#include "arguments.hpp"
#include "request_object.hpp"
#include "linkvault/error.hpp"
#include "linkvault/message_text.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <string>

namespace linkvault::capi {

using simdjson::dom::element;
using simdjson::dom::element_type;

Actor parse_actor(std::string_view json) {
  RequestObject request("actor_json", json);
  Actor actor;
  bool has_user_id = false;
  bool has_role = false;
  static constexpr std::array<std::string_view, 3> keys{"user_id", "user_name", "role"};
  request.for_each(keys, [&](std::string_view key, element value) {
    if (key == "user_id") {
      actor.user_id = request.string_value(key, value);
      has_user_id = true;
    } else if (key == "user_name") {
      actor.user_name = request.optional_string(key, value).value_or("");
    } else {
      const auto text = request.string_value(key, value);
      const auto role = parse_role(text);
      if (!role) {
        request.invalid(fmt::format("key 'role' must be \"admin\", \"member\" or \"system\", not {}",
                            quote_for_message(text)));
      }
      actor.role = *role;
      has_role = true;
    }
  });
  if (!has_user_id || actor.user_id.empty()) {
    request.invalid("key 'user_id' is required and must not be empty");
  }
  if (!has_role) request.invalid("key 'role' is required");
  return actor;
}

ConnectOptions parse_connect_options(std::optional<std::string_view> json) {
  ConnectOptions options;
  if (!json) return options;
  RequestObject request("options_json", *json);
  static constexpr std::array<std::string_view, 5> keys{"name", "account", "scopes",
                                                        "expires_at", "sync_config"};
  request.for_each(keys, [&](std::string_view key, element value) {
    if (key == "name") {
      if (const auto name = request.optional_string(key, value)) options.name = *name;
    } else if (key == "account") {
      if (const auto account = request.optional_string(key, value)) options.account = *account;
    } else if (key == "scopes") {
      if (value.is_null()) return;
      simdjson::dom::array scopes;
      if (value.get_array().get(scopes) != simdjson::SUCCESS) {
        request.wrong_type(key, "an array of strings or null");
      }
      for (const element scope : scopes) {
        std::string_view text;
        if (scope.get_string().get(text) != simdjson::SUCCESS) {
          request.wrong_type(key, "an array of strings or null");
        }
        options.scopes.emplace_back(text);
      }
    } else if (key == "expires_at") {
      options.expires_at = request.optional_time(key, value);
    } else {
      if (value.is_null()) return;
      if (value.type() != element_type::OBJECT) request.wrong_type(key, "an object or null");
      // The sync_config parser is the one strict authority on its keys; hand
      // it the member's own text.
      options.sync_config = parse_sync_config(simdjson::minify(value));
    }
  });
  return options;
}

std::optional<TimeMs> parse_update_options(std::optional<std::string_view> json) {
  std::optional<TimeMs> expires_at;
  if (!json) return expires_at;
  RequestObject request("options_json", *json);
  static constexpr std::array<std::string_view, 1> keys{"expires_at"};
  request.for_each(keys, [&](std::string_view key, element value) {
    expires_at = request.optional_time(key, value);
  });
  return expires_at;
}

ListFilter parse_list_filter(std::optional<std::string_view> json) {
  ListFilter filter;
  if (!json) return filter;
  RequestObject request("filter_json", *json);
  static constexpr std::array<std::string_view, 2> keys{"provider", "status"};
  request.for_each(keys, [&](std::string_view key, element value) {
    const auto text = request.optional_string(key, value);
    if (!text) return;
    if (key == "provider") {
      filter.provider = std::string(*text);
    } else {
      filter.status = parse_integration_status(*text);
      if (!filter.status) {
        request.invalid(fmt::format("key 'status' must be one of \"pending_auth\", \"connected\", "
                            "\"error\", \"disconnected\", not {}",
                            quote_for_message(*text)));
      }
    }
  });
  return filter;
}

}  // namespace linkvault::capi
