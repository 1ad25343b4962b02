#include "request_json.hpp"

#include "arguments.hpp"
#include "linkvault/error.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <string>

namespace linkvault::capi {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

[[noreturn]] void invalid(std::string_view parameter, std::string_view problem) {
  throw Error(ErrorCode::invalid_argument, fmt::format("{}: {}", parameter, problem));
}

// One request object being read: remembers which parameter it came from for
// messages, and which keys were seen so a duplicate is refused (simdjson's
// DOM keeps duplicates; the last-one-wins rule of other parsers would let two
// readers of the same text disagree).
class RequestObject {
 public:
  RequestObject(std::string_view parameter, std::string_view json) : parameter_(parameter) {
    // The DOM parser needs SIMDJSON_PADDING readable bytes after the text.
    padded_ = simdjson::padded_string(json);
    element document;
    if (const auto error = parser_.parse(padded_).get(document); error) {
      invalid(parameter_, fmt::format("not valid JSON ({})", simdjson::error_message(error)));
    }
    if (document.get_object().get(object_) != simdjson::SUCCESS) {
      invalid(parameter_, "must be a JSON object");
    }
  }

  // Calls visit(key, value) for each member; `known` lists the accepted keys.
  template <std::size_t N, typename Visit>
  void for_each(const std::array<std::string_view, N>& known, Visit&& visit) {
    std::array<bool, N> seen{};
    for (const auto field : object_) {
      std::size_t index = 0;
      while (index < N && known[index] != field.key) ++index;
      if (index == N) {
        invalid(parameter_, fmt::format("unknown key {}", quote_for_message(field.key)));
      }
      if (seen[index]) {
        invalid(parameter_, fmt::format("duplicate key {}", quote_for_message(field.key)));
      }
      seen[index] = true;
      visit(field.key, field.value);
    }
  }

  [[noreturn]] void wrong_type(std::string_view key, std::string_view expected) const {
    invalid(parameter_, fmt::format("key {} must be {}", quote_for_message(key), expected));
  }

  std::string_view string_value(std::string_view key, element value) const {
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) wrong_type(key, "a string");
    return text;
  }

  // null is nullopt.
  std::optional<std::string_view> optional_string(std::string_view key, element value) const {
    if (value.is_null()) return std::nullopt;
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) wrong_type(key, "a string or null");
    return text;
  }

  std::optional<TimeMs> optional_time(std::string_view key, element value) const {
    const auto text = optional_string(key, value);
    if (!text) return std::nullopt;
    const auto time = parse_rfc3339(*text);
    if (!time) {
      invalid(parameter_, fmt::format("key {} is not an RFC 3339 time: {}", quote_for_message(key),
                                      quote_for_message(*text)));
    }
    return time;
  }

  std::string_view parameter() const noexcept { return parameter_; }

 private:
  std::string_view parameter_;
  simdjson::padded_string padded_;
  simdjson::dom::parser parser_;
  simdjson::dom::object object_;
};

}  // namespace

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
        invalid(request.parameter(),
                fmt::format("key \"role\" must be \"admin\", \"member\" or \"system\", not {}",
                            quote_for_message(text)));
      }
      actor.role = *role;
      has_role = true;
    }
  });
  if (!has_user_id || actor.user_id.empty()) {
    invalid(request.parameter(), "key \"user_id\" is required and must not be empty");
  }
  if (!has_role) invalid(request.parameter(), "key \"role\" is required");
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
        invalid(request.parameter(),
                fmt::format("key \"status\" must be one of \"pending_auth\", \"connected\", "
                            "\"error\", \"disconnected\", not {}",
                            quote_for_message(*text)));
      }
    }
  });
  return filter;
}

}  // namespace linkvault::capi
