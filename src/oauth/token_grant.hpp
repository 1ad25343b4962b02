// What a token endpoint answered (TokenGrant), checked and applied to an
// integration's credentials. Shared by the refresh and the code exchange.
// Pure functions; thread-safe.
#pragma once

#include "linkvault/clock.hpp"
#include "linkvault/oauth.hpp"
#include "linkvault/secret.hpp"

#include <optional>

namespace linkvault {

// Error(INVALID_ARGUMENT) when the host's answer cannot be used: an empty
// access_token, an empty refresh_token, an expires_in outside 0 .. 10
// years, an expires_at outside 1970 .. 9999. Names the key, never a value.
void validate_token_grant(const TokenGrant& grant);

// When the new token expires: now + expires_in, else expires_at, else never.
std::optional<TimeMs> grant_expiry(const TokenGrant& grant, TimeMs now);

// `credentials` with access_token replaced and refresh_token replaced when
// the grant carries one (else the stored one is kept).
Credentials apply_token_grant(Credentials credentials, const TokenGrant& grant);

}  // namespace linkvault
