#include "oauth/token_grant.hpp"

#include "linkvault/error.hpp"

#include <fmt/format.h>

namespace linkvault {

namespace {

constexpr std::int64_t max_expires_in_seconds = 10LL * 365 * 24 * 3600;
constexpr TimeMs last_representable = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

}  // namespace

void validate_token_grant(const TokenGrant& grant) {
  if (grant.access_token.empty()) {
    throw Error(ErrorCode::invalid_argument, "the token answer has no access_token");
  }
  if (grant.refresh_token && grant.refresh_token->empty()) {
    throw Error(ErrorCode::invalid_argument, "the token answer's refresh_token is empty");
  }
  if (grant.expires_in && (*grant.expires_in < 0 || *grant.expires_in > max_expires_in_seconds)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("the token answer's expires_in must be 0 to {} seconds, got {}",
                            max_expires_in_seconds, *grant.expires_in));
  }
  if (grant.expires_at && (*grant.expires_at < 0 || *grant.expires_at > last_representable)) {
    throw Error(ErrorCode::invalid_argument,
                "the token answer's expires_at is outside 1970-01-01 to 9999-12-31");
  }
}

std::optional<TimeMs> grant_expiry(const TokenGrant& grant, TimeMs now) {
  if (grant.expires_in) return now + *grant.expires_in * 1000;
  return grant.expires_at;
}

Credentials apply_token_grant(Credentials credentials, const TokenGrant& grant) {
  credentials.insert_or_assign("access_token", grant.access_token);
  if (grant.refresh_token) credentials.insert_or_assign("refresh_token", *grant.refresh_token);
  return credentials;
}

}  // namespace linkvault
