// The authorization request URL of the code flow with PKCE (RFC 6749 §4.1.1,
// RFC 7636 §4.3). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// RFC 3986 percent-encoding for a query component: every byte outside the
// unreserved set (A-Z a-z 0-9 - . _ ~) becomes %XX (upper-case hex), so a
// space is %20 and UTF-8 is encoded byte by byte.
std::string percent_encode(std::string_view text);

struct AuthorizationRequest {
  std::string_view authorize_url;  // the provider's endpoint; may have a query
  std::string_view client_id;
  std::string_view redirect_uri;
  const std::vector<std::string>& scopes;  // joined with spaces; omitted when empty
  std::string_view state;
  std::string_view code_challenge;  // S256
};

// authorize_url + ('?' or '&') + response_type=code, client_id,
// redirect_uri, scope, state, code_challenge, code_challenge_method=S256.
std::string authorization_url(const AuthorizationRequest& request);

}  // namespace linkvault
