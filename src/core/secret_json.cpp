// JSON that carries secrets (linkvault/credentials_json.hpp): unescaping
// into secure memory, and a grammar check that never shows a secret to the
// parser. simdjson unescapes into its own ordinary heap buffers (freed
// without being wiped) and copies whole blocks while it does, so strings are
// unescaped here, and the grammar is checked on a masked copy.
#include "linkvault/credentials_json.hpp"

#include <simdjson.h>

#include <cstdint>

namespace linkvault {

namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool read_hex4(std::string_view text, std::size_t pos, std::uint32_t& out) noexcept {
  if (pos + 4 > text.size()) return false;
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int digit = hex_digit(text[pos + i]);
    if (digit < 0) return false;
    value = (value << 4) | static_cast<std::uint32_t>(digit);
  }
  out = value;
  return true;
}

void append_utf8(SecretBytes& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<std::uint8_t>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<std::uint8_t>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<std::uint8_t>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<std::uint8_t>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<std::uint8_t>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<std::uint8_t>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<std::uint8_t>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<std::uint8_t>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<std::uint8_t>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<std::uint8_t>(0x80 | (code_point & 0x3F)));
  }
}

}  // namespace

bool unescape_json_string(std::string_view body, SecretBytes& out) {
  out.reserve(body.size());  // unescaping never grows the text
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::size_t run_end = body.find('\\', pos);
    const std::size_t literal_end = run_end == std::string_view::npos ? body.size() : run_end;
    for (std::size_t i = pos; i < literal_end; ++i) {
      const auto byte = static_cast<unsigned char>(body[i]);
      if (byte < 0x20 || byte == '"') return false;  // stage 1 already refuses these
      out.push_back(byte);
    }
    pos = literal_end;
    if (pos == body.size()) break;
    if (pos + 1 >= body.size()) return false;
    const char escape = body[pos + 1];
    pos += 2;
    switch (escape) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        std::uint32_t code_point = 0;
        if (!read_hex4(body, pos, code_point)) return false;
        pos += 4;
        if (code_point >= 0xDC00 && code_point <= 0xDFFF) return false;  // lone low half
        if (code_point >= 0xD800 && code_point <= 0xDBFF) {
          std::uint32_t low = 0;
          if (pos + 6 > body.size() || body[pos] != '\\' || body[pos + 1] != 'u' ||
              !read_hex4(body, pos + 2, low) || low < 0xDC00 || low > 0xDFFF) {
            return false;
          }
          pos += 6;
          code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(out, code_point);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}


std::optional<std::string> json_grammar_error(std::string_view json) {
  // Every byte inside a string becomes 'x' (an escape "xx"), so the parser
  // sees the structure and no token; raw control characters are left for it
  // to refuse.
  SecretBytes masked(json.size() + simdjson::SIMDJSON_PADDING, 0);
  std::copy(json.begin(), json.end(), masked.begin());
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    std::uint8_t& byte = masked[i];
    if (!in_string) {
      in_string = byte == '"';
    } else if (byte == '"') {
      in_string = false;
    } else if (byte == '\\') {
      byte = 'x';
      if (i + 1 < json.size() && masked[i + 1] >= 0x20) masked[++i] = 'x';
    } else if (byte >= 0x20) {
      byte = 'x';
    }
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (const auto error = parser.parse(masked.data(), json.size(), false).get(root)) {
    return std::string(simdjson::error_message(error));
  }
  return std::nullopt;
}

}  // namespace linkvault
