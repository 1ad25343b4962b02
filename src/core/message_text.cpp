#include "core/message_text.hpp"

#include "linkvault/limits.hpp"

#include <cstddef>

namespace linkvault {

std::string quote_for_message(std::string_view value) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size() < max_quoted_bytes ? value.size() + 2 : max_quoted_bytes + 5);
  out.push_back('\'');
  for (std::size_t i = 0; i < value.size() && i < max_quoted_bytes; ++i) {
    const auto byte = static_cast<unsigned char>(value[i]);
    if (byte == '\'' || byte == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(byte));
    } else if (byte >= 0x20 && byte < 0x7F) {
      out.push_back(static_cast<char>(byte));
    } else {
      out += "\\x";
      out.push_back(hex[byte >> 4]);
      out.push_back(hex[byte & 0xF]);
    }
  }
  if (value.size() > max_quoted_bytes) out += "...";
  out.push_back('\'');
  return out;
}

}  // namespace linkvault
