// How caller-supplied names (a JSON key, a credential field, a provider key)
// are quoted inside error messages. Messages must stay short, printable and
// free of secrets whatever the caller sent, so only names go through here —
// never a credential value.
#pragma once

#include "linkvault/limits.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace linkvault {

// 'name' between single quotes: printable ASCII as is, a quote or backslash
// escaped, every other byte as \xNN, and at most max_quoted_bytes of input
// (then "...").
inline std::string quote_for_message(std::string_view name) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(name.size() < max_quoted_bytes ? name.size() + 2 : max_quoted_bytes + 5);
  out.push_back('\'');
  for (std::size_t i = 0; i < name.size() && i < max_quoted_bytes; ++i) {
    const auto byte = static_cast<unsigned char>(name[i]);
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
  if (name.size() > max_quoted_bytes) out += "...";
  out.push_back('\'');
  return out;
}

}  // namespace linkvault
