#include "core/canonical_json.hpp"

#include <array>
#include <charconv>
#include <cstring>
#include <system_error>

namespace linkvault {
namespace {

// 1 for each byte json_quote escapes: '"', '\\' and the C0 controls.
constexpr std::array<bool, 256> needs_escape = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[static_cast<std::size_t>(c)] = true;
  table['"'] = true;
  table['\\'] = true;
  return table;
}();

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
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (!needs_escape[byte]) continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (byte) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(hex[byte >> 4]);
        out.push_back(hex[byte & 0xF]);
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

void append_canonical_double(std::string& out, double value) { append_number(out, value); }
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
