// The eight transforms (record_transforms.hpp). Text transforms take
// strings, and numbers as their canonical text; number, boolean and string
// convert between scalars. Case mapping is the simple one-to-one mapping of
// the scripts CRMs mostly hold (ASCII, Latin-1, Latin Extended-A, Greek,
// Cyrillic); other characters pass unchanged, so the result never depends
// on a locale or an ICU version.
#include "records/record_transforms.hpp"

#include "core/canonical_json.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace linkvault {

namespace {

using Kind = FieldValue::Kind;

// ---- UTF-8 ------------------------------------------------------------------

// The code point at text[i] (valid UTF-8: simdjson checked the payload),
// advancing i past it.
char32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto byte = static_cast<unsigned char>(text[i]);
  if (byte < 0x80) {
    ++i;
    return byte;
  }
  int length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2;
  char32_t cp = byte & (0x3F >> (length - 1));
  for (int k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  i += static_cast<std::size_t>(length);
  return cp;
}

void append_code_point(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Unicode's White_Space property.
bool is_white_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// ---- case mapping -----------------------------------------------------------

// In the ranges where upper and lower case alternate, which parity is upper.
bool alternating(char32_t cp, char32_t first, char32_t last, bool upper_is_even) {
  return cp >= first && cp <= last && ((cp % 2 == 0) == upper_is_even);
}

char32_t to_lower(char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp < 0x80) return cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp == 0x130) return 'i';
  if (cp == 0x178) return 0xFF;
  if (alternating(cp, 0x100, 0x12F, true) || alternating(cp, 0x132, 0x137, true) ||
      alternating(cp, 0x139, 0x148, false) || alternating(cp, 0x14A, 0x177, true) ||
      alternating(cp, 0x179, 0x17E, false)) {
    return cp + 1;
  }
  if (cp == 0x386) return 0x3AC;
  if (cp >= 0x388 && cp <= 0x38A) return cp + 37;
  if (cp == 0x38C) return 0x3CC;
  if (cp == 0x38E || cp == 0x38F) return cp + 63;
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (alternating(cp, 0x460, 0x481, true) || alternating(cp, 0x48A, 0x4BF, true) ||
      alternating(cp, 0x4C1, 0x4CE, false) || alternating(cp, 0x4D0, 0x4FF, true)) {
    return cp + 1;
  }
  if (cp == 0x4C0) return 0x4CF;
  return cp;
}

char32_t to_upper(char32_t cp) {
  if (cp >= 'a' && cp <= 'z') return cp - 32;
  if (cp < 0x80) return cp;
  if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) return cp - 32;
  if (cp == 0xFF) return 0x178;
  if (cp == 0x131) return 'I';
  if (cp == 0x17F) return 'S';
  if (alternating(cp, 0x101, 0x12F, false) || alternating(cp, 0x133, 0x137, false) ||
      alternating(cp, 0x13A, 0x148, true) || alternating(cp, 0x14B, 0x177, false) ||
      alternating(cp, 0x17A, 0x17E, true)) {
    return cp - 1;
  }
  if (cp == 0x3AC) return 0x386;
  if (cp >= 0x3AD && cp <= 0x3AF) return cp - 37;
  if (cp == 0x3CC) return 0x38C;
  if (cp == 0x3CD || cp == 0x3CE) return cp - 63;
  if (cp == 0x3C2) return 0x3A3;  // final sigma
  if (cp >= 0x3B1 && cp <= 0x3CB) return cp - 32;
  if (cp >= 0x450 && cp <= 0x45F) return cp - 80;
  if (cp >= 0x430 && cp <= 0x44F) return cp - 32;
  if (alternating(cp, 0x461, 0x481, false) || alternating(cp, 0x48B, 0x4BF, false) ||
      alternating(cp, 0x4C2, 0x4CE, true) || alternating(cp, 0x4D1, 0x4FF, false)) {
    return cp - 1;
  }
  if (cp == 0x4CF) return 0x4C0;
  return cp;
}

std::string map_case(std::string_view text, char32_t (*map)(char32_t)) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {  // most of a CRM's text: no decoding
      out.push_back(static_cast<char>(map(byte)));
      ++i;
      continue;
    }
    append_code_point(out, map(next_code_point(text, i)));
  }
  return out;
}

// ---- text -------------------------------------------------------------------

// The text a text transform works on: strings as they are, numbers as
// their canonical text. False for booleans, objects and arrays.
bool as_text(FieldValue& value) {
  switch (value.kind) {
    case Kind::string: return true;
    case Kind::integer:
      value.text.clear();
      append_canonical_integer(value.text, value.integer);
      break;
    case Kind::unsigned_integer:
      value.text.clear();
      append_canonical_unsigned(value.text, value.unsigned_integer);
      break;
    case Kind::real:
      value.text.clear();
      append_canonical_double(value.text, value.real);
      break;
    default: return false;
  }
  value.kind = Kind::string;
  return true;
}

bool is_ascii_space(unsigned char byte) { return byte == ' ' || (byte >= '\t' && byte <= '\r'); }

// Removes White_Space from both ends of `text`, in place. ASCII bytes are
// judged as they are; only a non-ASCII end is decoded.
void trim_in_place(std::string& text) {
  std::size_t end = text.size();
  while (end > 0) {
    const auto last = static_cast<unsigned char>(text[end - 1]);
    if (last < 0x80) {
      if (!is_ascii_space(last)) break;
      --end;
      continue;
    }
    std::size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    std::size_t i = start;
    if (!is_white_space(next_code_point(text, i))) break;
    end = start;
  }
  std::size_t begin = 0;
  while (begin < end) {
    const auto first = static_cast<unsigned char>(text[begin]);
    if (first < 0x80) {
      if (!is_ascii_space(first)) break;
      ++begin;
      continue;
    }
    std::size_t next = begin;
    if (!is_white_space(next_code_point(text, next))) break;
    begin = next;
  }
  text.erase(end);
  text.erase(0, begin);
}

std::string_view trim_ascii(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || (text.front() >= '\t' && text.front() <= '\r'))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || (text.back() >= '\t' && text.back() <= '\r'))) {
    text.remove_suffix(1);
  }
  return text;
}

std::string digits_of(std::string_view text) {
  std::string out;
  const std::string_view start = trim_ascii(text);
  if (!start.empty() && start.front() == '+') out.push_back('+');
  for (const char c : text) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

// ---- dates ------------------------------------------------------------------

bool read_digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

bool valid_date(int year, int month, int day) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  const int last = days[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
  return day <= last;
}

// "HH:MM[:SS[.frac]][Z|±HH:MM|±HHMM|±HH]", all of `text`.
bool valid_time(std::string_view text) {
  int hour = 0, minute = 0;
  if (!read_digits(text, 0, 2, hour) || text.size() < 5 || text[2] != ':' ||
      !read_digits(text, 3, 2, minute) || hour > 23 || minute > 59) {
    return false;
  }
  std::size_t at = 5;
  if (at < text.size() && text[at] == ':') {
    int second = 0;
    if (!read_digits(text, at + 1, 2, second) || second > 60) return false;
    at += 3;
    if (at < text.size() && (text[at] == '.' || text[at] == ',')) {
      const std::size_t first = ++at;
      while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
      if (at == first) return false;
    }
  }
  if (at == text.size()) return true;
  if ((text[at] == 'Z' || text[at] == 'z') && at + 1 == text.size()) return true;
  if (text[at] != '+' && text[at] != '-') return false;
  const std::string_view offset = text.substr(at + 1);
  int offset_hour = 0, offset_minute = 0;
  if (!read_digits(offset, 0, 2, offset_hour) || offset_hour > 23) return false;
  if (offset.size() == 2) return true;
  if (offset.size() == 5 && offset[2] == ':') {
    return read_digits(offset, 3, 2, offset_minute) && offset_minute <= 59;
  }
  if (offset.size() == 4) return read_digits(offset, 2, 2, offset_minute) && offset_minute <= 59;
  return false;
}

// YYYY-MM-DD, YYYYMMDD, or a date-time whose date part is YYYY-MM-DD: the
// date as written (no time zone conversion).
bool to_date(std::string& text) {
  int year = 0, month = 0, day = 0;
  if (text.size() == 8) {
    if (!read_digits(text, 0, 4, year) || !read_digits(text, 4, 2, month) ||
        !read_digits(text, 6, 2, day) || !valid_date(year, month, day)) {
      return false;
    }
    text = text.substr(0, 4) + "-" + text.substr(4, 2) + "-" + text.substr(6, 2);
    return true;
  }
  if (text.size() < 10 || !read_digits(text, 0, 4, year) || text[4] != '-' ||
      !read_digits(text, 5, 2, month) || text[7] != '-' || !read_digits(text, 8, 2, day) ||
      !valid_date(year, month, day)) {
    return false;
  }
  if (text.size() > 10) {
    const char separator = text[10];
    if (separator != 'T' && separator != 't' && separator != ' ') return false;
    if (!valid_time(std::string_view(text).substr(11))) return false;
    text.resize(10);
  }
  return true;
}

// ---- number, boolean --------------------------------------------------------

// `text` (trimmed) as a JSON number: integers that fit stay integers.
bool parse_number(std::string_view text, FieldValue& value) {
  text = trim_ascii(text);
  // JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  if (i >= text.size()) return false;
  if (text[i] == '0') {
    ++i;
  } else if (text[i] >= '1' && text[i] <= '9') {
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  } else {
    return false;
  }
  bool integral = true;
  if (i < text.size() && text[i] == '.') {
    integral = false;
    const std::size_t first = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == first) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    integral = false;
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t first = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == first) return false;
  }
  if (i != text.size()) return false;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (integral) {
    std::int64_t integer = 0;
    if (std::from_chars(begin, end, integer).ec == std::errc{}) {
      value.kind = Kind::integer;
      value.integer = integer;
      return true;
    }
    std::uint64_t unsigned_integer = 0;
    if (std::from_chars(begin, end, unsigned_integer).ec == std::errc{}) {
      value.kind = Kind::unsigned_integer;
      value.unsigned_integer = unsigned_integer;
      return true;
    }
  }
  double real = 0;
  const auto result = std::from_chars(begin, end, real);
  if (result.ec != std::errc{} || !std::isfinite(real)) return false;
  value.kind = Kind::real;
  value.real = real;
  return true;
}

bool equals_ignoring_ascii_case(std::string_view text, std::string_view word) {
  if (text.size() != word.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != word[i]) return false;
  }
  return true;
}

bool parse_boolean(std::string_view text, bool& out) {
  text = trim_ascii(text);
  for (const std::string_view yes : {"true", "yes", "y", "on", "1"}) {
    if (equals_ignoring_ascii_case(text, yes)) return out = true, true;
  }
  for (const std::string_view no : {"false", "no", "n", "off", "0"}) {
    if (equals_ignoring_ascii_case(text, no)) return out = false, true;
  }
  return false;
}

bool set_string(FieldValue& value, std::string text) {
  value.kind = Kind::string;
  value.text = std::move(text);
  return true;
}

}  // namespace

FieldValue FieldValue::from(simdjson::dom::element element) {
  FieldValue value;
  using Type = simdjson::dom::element_type;
  switch (element.type()) {
    case Type::BOOL:
      value.kind = Kind::boolean;
      value.boolean = element.get_bool().value_unsafe();
      break;
    case Type::INT64:
      value.kind = Kind::integer;
      value.integer = element.get_int64().value_unsafe();
      break;
    case Type::UINT64:
      value.kind = Kind::unsigned_integer;
      value.unsigned_integer = element.get_uint64().value_unsafe();
      break;
    case Type::DOUBLE:
      value.kind = Kind::real;
      value.real = element.get_double().value_unsafe();
      break;
    case Type::STRING:
      value.kind = Kind::string;
      value.text = std::string(element.get_string().value_unsafe());
      break;
    default:  // objects and arrays (null never gets here: it means missing)
      value.kind = Kind::element;
      value.element = element;
      break;
  }
  return value;
}

bool apply_transform(Transform transform, FieldValue& value, std::string& problem) {
  switch (transform) {
    case Transform::trim:
    case Transform::lower:
    case Transform::upper:
    case Transform::digits:
    case Transform::date:
      if (!as_text(value)) {
        problem = "is not text or a number";
        return false;
      }
      break;
    default: break;
  }
  switch (transform) {
    case Transform::trim:
      trim_in_place(value.text);
      return true;
    case Transform::lower: return set_string(value, map_case(value.text, to_lower));
    case Transform::upper: return set_string(value, map_case(value.text, to_upper));
    case Transform::digits: return set_string(value, digits_of(value.text));
    case Transform::date:
      if (!to_date(value.text)) {
        problem = "is not a date (YYYY-MM-DD, YYYYMMDD or an ISO 8601 date-time)";
        return false;
      }
      return true;
    case Transform::number:
      if (value.kind == Kind::integer || value.kind == Kind::unsigned_integer ||
          value.kind == Kind::real) {
        return true;
      }
      if (value.kind == Kind::string && parse_number(value.text, value)) return true;
      problem = "is not a number";
      return false;
    case Transform::boolean: {
      bool result = false;
      if (value.kind == Kind::boolean) return true;
      if (value.kind == Kind::string && parse_boolean(value.text, result)) {
        value.kind = Kind::boolean;
        value.boolean = result;
        return true;
      }
      if ((value.kind == Kind::integer && (value.integer == 0 || value.integer == 1)) ||
          (value.kind == Kind::unsigned_integer && value.unsigned_integer <= 1)) {
        const bool one = value.kind == Kind::integer ? value.integer == 1
                                                     : value.unsigned_integer == 1;
        value.kind = Kind::boolean;
        value.boolean = one;
        return true;
      }
      problem = "is not a boolean";
      return false;
    }
    case Transform::string:
      if (value.kind == Kind::boolean) return set_string(value, value.boolean ? "true" : "false");
      if (as_text(value)) return true;
      problem = "is an object or an array, not a scalar";
      return false;
  }
  problem = "names an unknown transform";
  return false;
}

void append_field_value(std::string& out, const FieldValue& value) {
  switch (value.kind) {
    case Kind::boolean: out += value.boolean ? "true" : "false"; return;
    case Kind::integer: append_canonical_integer(out, value.integer); return;
    case Kind::unsigned_integer: append_canonical_unsigned(out, value.unsigned_integer); return;
    case Kind::real: append_canonical_double(out, value.real); return;
    case Kind::string: append_canonical_string(out, value.text); return;
    case Kind::element: append_canonical_json(out, value.element); return;
  }
}

}  // namespace linkvault
