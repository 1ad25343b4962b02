#include "core/canonical_json.hpp"

#include "core/json_text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>

namespace linkvault {
namespace {


template <typename Number>
void append_number(std::string& out, Number value) {
  // 24 bytes hold any int64, uint64 and shortest double (at most 24 chars:
  // "-2.2250738585072014e-308").
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, static_cast<std::size_t>(result.ptr - buffer));
}

void append_element(std::string& out, simdjson::dom::element value) {
  using Type = simdjson::dom::element_type;
  switch (value.type()) {
    case Type::ARRAY: {
      simdjson::dom::array array;
      if (value.get(array) != simdjson::SUCCESS) return;  // the type says it is one
      out.push_back('[');
      bool first = true;
      for (const auto item : array) {
        if (!first) out.push_back(',');
        first = false;
        append_element(out, item);
      }
      out.push_back(']');
      return;
    }
    case Type::OBJECT: {
      simdjson::dom::object object;
      if (value.get(object) != simdjson::SUCCESS) return;  // the type says it is one
      out.push_back('{');
      bool first = true;
      for (const auto field : object) {
        if (!first) out.push_back(',');
        first = false;
        append_canonical_string(out, field.key);
        out.push_back(':');
        append_element(out, field.value);
      }
      out.push_back('}');
      return;
    }
    case Type::STRING:
      append_canonical_string(out, value.get_string().value_unsafe());
      return;
    case Type::INT64:
      append_canonical_integer(out, value.get_int64().value_unsafe());
      return;
    case Type::UINT64:
      append_canonical_unsigned(out, value.get_uint64().value_unsafe());
      return;
    case Type::DOUBLE:
      append_canonical_double(out, value.get_double().value_unsafe());
      return;
    case Type::BOOL:
      out += value.get_bool().value_unsafe() ? "true" : "false";
      return;
    case Type::NULL_VALUE:
      out += "null";
      return;
  }
}

}  // namespace

void append_canonical_string(std::string& out, std::string_view text) {
  append_json_quoted(out, text);
}

void append_canonical_double(std::string& out, double value) {
  // From 2^53 on, the shortest fixed form of an integral double can be a
  // run of 17+ digits ("44444444444444442624") that readers take for an
  // integer, and one past 64 bits that some refuse: write those with an
  // exponent ("4.444444444444444e+19"), still the shortest that round-trips.
  constexpr double exact_integers_end = 9007199254740992.0;  // 2^53
  if (std::fabs(value) < exact_integers_end) {
    append_number(out, value);
    return;
  }
  char buffer[32];
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  out.append(buffer, static_cast<std::size_t>(result.ptr - buffer));
}
void append_canonical_integer(std::string& out, std::int64_t value) { append_number(out, value); }
void append_canonical_unsigned(std::string& out, std::uint64_t value) { append_number(out, value); }

void append_canonical_json(std::string& out, simdjson::dom::element value) {
  append_element(out, value);
}

bool canonicalize_json(std::string_view json, std::string& out) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return false;
  append_element(out, root);
  return true;
}

}  // namespace linkvault
