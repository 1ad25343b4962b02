// URL rules shared by credential fields of type url, provider endpoints and
// OAuth redirect URIs (RFC 3986, checked as far as those uses need). Pure
// functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace linkvault {

// The parts of an absolute http(s) URL the rules look at. Views into the
// checked text.
struct UrlParts {
  bool https = false;         // else http
  std::string_view host;      // without brackets for an IP literal
  bool has_fragment = false;  // a '#' anywhere
};

// An absolute http:// or https:// URL (scheme case-insensitive) with a
// non-empty host, an optional numeric port and no whitespace or control
// characters anywhere; nullopt otherwise (also for invalid UTF-8).
std::optional<UrlParts> parse_absolute_url(std::string_view url) noexcept;

// parse_absolute_url() and https.
bool is_absolute_https_url(std::string_view url) noexcept;

// An OAuth redirect URI: an absolute https:// URL, or http:// to a loopback
// host (localhost, 127.0.0.1, [::1]; RFC 8252 §7.3), without a fragment
// (RFC 6749 §3.1.2).
bool is_valid_redirect_uri(std::string_view url) noexcept;

}  // namespace linkvault
