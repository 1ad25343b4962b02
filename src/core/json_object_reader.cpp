#include "core/json_object_reader.hpp"

#include "linkvault/error.hpp"

#include <fmt/format.h>

#include <utility>

namespace linkvault {

JsonObjectReader::JsonObjectReader(std::string subject, std::string_view json)
    : subject_(std::move(subject)), parser_(std::make_unique<simdjson::dom::parser>()) {
  if (json.empty()) reject("not valid JSON (empty text)");
  simdjson::dom::element root;
  if (const auto error = parser_->parse(json.data(), json.size()).get(root)) {
    reject(fmt::format("not valid JSON ({})", simdjson::error_message(error)));
  }
  if (root.get(object_) != simdjson::SUCCESS) reject("must be a JSON object");
}

JsonObjectReader::JsonObjectReader(std::string subject, simdjson::dom::object object,
                                   std::string where)
    : subject_(std::move(subject)), where_(std::move(where)), object_(object) {}

void JsonObjectReader::reject(std::string_view problem) const {
  throw Error(ErrorCode::invalid_argument, fmt::format("{}: {}", subject_, problem));
}

void JsonObjectReader::reject_key(std::string_view problem, std::string_view key) const {
  reject(fmt::format("{} {}{}", problem, quote_for_message(key), where_));
}

bool JsonObjectReader::boolean(std::string_view path, simdjson::dom::element value) const {
  bool result = false;
  if (value.get(result) != simdjson::SUCCESS) {
    reject(fmt::format("{} must be true or false", quote_for_message(path)));
  }
  return result;
}

std::string_view JsonObjectReader::string(std::string_view path,
                                          simdjson::dom::element value) const {
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) {
    reject(fmt::format("{} must be a string", quote_for_message(path)));
  }
  return text;
}

simdjson::dom::object JsonObjectReader::object(std::string_view path,
                                               simdjson::dom::element value) const {
  simdjson::dom::object result;
  if (value.get(result) != simdjson::SUCCESS) {
    reject(fmt::format("{} must be a JSON object", quote_for_message(path)));
  }
  return result;
}

simdjson::dom::array JsonObjectReader::array(std::string_view path,
                                             simdjson::dom::element value) const {
  simdjson::dom::array result;
  if (value.get(result) != simdjson::SUCCESS) {
    reject(fmt::format("{} must be an array", quote_for_message(path)));
  }
  return result;
}

std::int64_t JsonObjectReader::integer(std::string_view path, simdjson::dom::element value,
                                       std::string_view what) const {
  if (value.type() != simdjson::dom::element_type::INT64) {
    reject(fmt::format("{} must be {}", quote_for_message(path), what));
  }
  return value.get_int64().value_unsafe();
}

}  // namespace linkvault
