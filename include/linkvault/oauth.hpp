// OAuth — token refresh, the authorization-code flow with PKCE, and provider
// rate limits (docs/SEMANTICS.md, "OAuth"). The operations are on Tenant and
// Vault; this header has the values they exchange with the host.
//
// The host does the HTTP: a Refresher calls the provider's token endpoint
// with a refresh token, a TokenExchange trades an authorization code for
// tokens. The vault decides when to call them, makes sure only one caller in
// all threads and processes refreshes an integration at a time, and seals and
// commits what they return before anyone uses it. Host callbacks run with no
// transaction open and no pooled connection held.
#pragma once

#include "linkvault/clock.hpp"
#include "linkvault/secret.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// What a token endpoint answered. access_token is required; a missing
// refresh_token keeps the one the vault holds; expires_in (seconds from now)
// wins over expires_at; neither means the new token does not expire.
struct TokenGrant {
  SecretBytes access_token;
  std::optional<SecretBytes> refresh_token;
  std::optional<std::int64_t> expires_in;  // seconds, 0 .. 10 years
  std::optional<TimeMs> expires_at;
};

// Thrown by a Refresher (or a TokenExchange) when the provider refused for
// good, e.g. invalid_grant for a revoked refresh token: the integration goes
// to error at once. Any other exception is a transient failure. The message
// is stored redacted (never the credentials it was given).
class PermanentRefreshError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Called with the integration's current credentials (access_token,
// refresh_token, ...); returns the new tokens.
using Refresher = std::function<TokenGrant(const Credentials& credentials)>;

struct RefreshOptions {
  // Refresh when the token expires within this margin (0 .. 1 year).
  std::chrono::seconds margin{900};
  // Refresh even if the token is fresh and ignore the failure cooldown;
  // also retries an integration in error. A refresh by someone else while
  // this call waited still counts: it is returned without another call.
  bool force = false;
  // The cross-process refresh lease: renewed every third of it while the
  // refresher runs, taken over by another caller once it lapses (a holder
  // that died). 1 s .. 1 h.
  std::chrono::milliseconds lease{30'000};
  // How long a caller waits for another's refresh before Error(BUSY).
  std::chrono::milliseconds max_wait{60'000};
};

// Vault::refresh_expiring's counts: refreshed (a fresh token now stored,
// by this sweep or by a concurrent caller), failed (the refresher failed or
// the refresh could not run), skipped (no refresher for its provider, in a
// failure cooldown, or no longer connected).
struct RefreshReport {
  std::int64_t refreshed = 0;
  std::int64_t failed = 0;
  std::int64_t skipped = 0;
};

// The host's OAuth client at a provider (Vault::configure_oauth_client).
struct OAuthClient {
  std::string client_id;  // 1..512 bytes, no control characters
  std::optional<SecretBytes> client_secret;  // sealed in the vault
};

struct BeginOAuthOptions {
  std::string name = "default";  // the integration's name
  // Scopes to ask for; nullopt: the provider's default scopes.
  std::optional<std::vector<std::string>> scopes;
};

// Where to send the user, and the state the provider will send back.
struct OAuthStart {
  std::string authorization_url;
  std::string state;           // 256 random bits, base64url; valid 10 minutes, once
  std::string integration_id;  // the integration waiting in pending_auth
};

// What a TokenExchange gets: the authorization code, the PKCE verifier the
// challenge was made from, the redirect URI of begin_oauth, and the OAuth
// client configured for the provider. The verifier and secret are wiped
// after the call.
struct TokenExchangeRequest {
  std::string_view code;
  const SecretBytes& code_verifier;
  std::string_view redirect_uri;
  std::string_view client_id;
  const std::optional<SecretBytes>& client_secret;
  std::string_view token_url;  // "" if the provider has none
};

using TokenExchange = std::function<TokenGrant(const TokenExchangeRequest& request)>;

}  // namespace linkvault
