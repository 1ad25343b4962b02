#include "request_object.hpp"

#include "arguments.hpp"
#include "linkvault/error.hpp"
#include "linkvault/message_text.hpp"

#include <fmt/format.h>

#include <utility>

namespace linkvault::capi {

void invalid_request(std::string_view prefix, std::string_view problem) {
  throw Error(ErrorCode::invalid_argument, fmt::format("{}: {}", prefix, problem));
}

RequestObject::RequestObject(std::string_view parameter, std::string_view json)
    : prefix_(parameter), parser_(std::make_unique<simdjson::dom::parser>()) {
  // parse() copies the text into a buffer with the padding simdjson needs.
  simdjson::dom::element document;
  if (const auto error = parser_->parse(json.data(), json.size()).get(document); error) {
    invalid(fmt::format("not valid JSON ({})", simdjson::error_message(error)));
  }
  if (document.get_object().get(object_) != simdjson::SUCCESS) invalid("must be a JSON object");
}

RequestObject::RequestObject(std::string prefix, simdjson::dom::object object)
    : prefix_(std::move(prefix)), object_(object) {}

void RequestObject::invalid(std::string_view problem) const { invalid_request(prefix_, problem); }

void RequestObject::reject_key(std::string_view problem, std::string_view key) const {
  invalid(fmt::format("{} {}", problem, quote_for_message(key)));
}

void RequestObject::wrong_type(std::string_view key, std::string_view expected) const {
  invalid(fmt::format("key {} must be {}", quote_for_message(key), expected));
}

std::string_view RequestObject::string_value(std::string_view key,
                                             simdjson::dom::element value) const {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) wrong_type(key, "a string");
  return text;
}

std::optional<std::string_view> RequestObject::optional_string(
    std::string_view key, simdjson::dom::element value) const {
  if (value.is_null()) return std::nullopt;
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) wrong_type(key, "a string or null");
  return text;
}

std::optional<TimeMs> RequestObject::optional_time(std::string_view key,
                                                   simdjson::dom::element value) const {
  const auto text = optional_string(key, value);
  if (!text) return std::nullopt;
  const auto time = parse_rfc3339(*text);
  if (!time) {
    invalid(fmt::format("key {} is not an RFC 3339 time: {}", quote_for_message(key),
                        quote_for_message(*text)));
  }
  return time;
}

std::int64_t RequestObject::integer(std::string_view key, simdjson::dom::element value) const {
  if (value.type() != simdjson::dom::element_type::INT64) wrong_type(key, "an integer");
  return value.get_int64().value_unsafe();
}

}  // namespace linkvault::capi
