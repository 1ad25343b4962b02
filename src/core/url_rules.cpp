#include "core/url_rules.hpp"

#include "linkvault/utf8.hpp"

#include <cstddef>
#include <cstdint>

namespace linkvault {
namespace {

// Decodes the code point starting at text[pos] and advances pos. The text must
// be valid UTF-8 (checked before any caller gets here).
std::uint32_t next_code_point(std::string_view text, std::size_t& pos) noexcept {
  const auto lead = static_cast<unsigned char>(text[pos++]);
  if (lead < 0x80) return lead;
  const int continuation = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
  std::uint32_t code_point = lead & (0x3F >> continuation);
  for (int i = 0; i < continuation; ++i) {
    code_point = (code_point << 6) | (static_cast<unsigned char>(text[pos++]) & 0x3F);
  }
  return code_point;
}

// Whitespace and control characters, ASCII and Unicode (C0, DEL, C1, the
// White_Space property, and the BOM that often rides along in pasted text).
bool is_space_or_control(std::uint32_t c) noexcept {
  return c <= 0x20 || c == 0x7F || (c >= 0x80 && c <= 0xA0) || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool is_port(std::string_view text) noexcept {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

bool equals_ignoring_case(std::string_view text, std::string_view lower) noexcept {
  return text.size() == lower.size() && starts_with_ignoring_case(text, lower);
}

}  // namespace

std::optional<UrlParts> parse_absolute_url(std::string_view url) noexcept {
  if (!is_valid_utf8(url)) return std::nullopt;
  for (std::size_t pos = 0; pos < url.size();) {
    if (is_space_or_control(next_code_point(url, pos))) return std::nullopt;
  }
  UrlParts parts;
  std::string_view rest;
  if (starts_with_ignoring_case(url, "https://")) {
    parts.https = true;
    rest = url.substr(8);
  } else if (starts_with_ignoring_case(url, "http://")) {
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  parts.has_fragment = url.find('#') != std::string_view::npos;
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);  // user information is not the host
  }
  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (!authority.empty() && authority.front() == '[') {  // IP literal, "[::1]:8443"
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  if (port && !is_port(*port)) return std::nullopt;
  parts.host = host;
  return parts;
}

bool is_absolute_https_url(std::string_view url) noexcept {
  const auto parts = parse_absolute_url(url);
  return parts && parts->https;
}

bool is_valid_redirect_uri(std::string_view url) noexcept {
  const auto parts = parse_absolute_url(url);
  if (!parts || parts->has_fragment) return false;
  if (parts->https) return true;
  return equals_ignoring_case(parts->host, "localhost") || parts->host == "127.0.0.1" ||
         parts->host == "::1";
}

}  // namespace linkvault
