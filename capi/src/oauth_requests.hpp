// The request JSON of the OAuth functions (linkvault.h, "OAuth"): the
// options of lv_integration_valid_credentials, lv_refresh_expiring and
// lv_oauth_begin, and the integer and seconds parameters. Parsed strictly by
// the rules of request_object.hpp: malformed JSON, an unknown or duplicate
// key, a wrong type or a value out of range is Error(INVALID_ARGUMENT)
// naming the parameter and the key, and a JSON null means "absent". The
// ranges are checked here before a number is converted (a double of seconds
// must not overflow on its way to milliseconds) and so that the message
// names the key; C++ checks them again. Integer parameters (within_seconds,
// cost) go to C++ as they are: nothing narrows them. The tokens a callback
// answers are secrets, parsed elsewhere: token_json.hpp.
#pragma once

#include "linkvault/oauth.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault::capi {

// NULL (nullopt) or {"margin_seconds": int 0..31536000, "force": bool,
// "lease_seconds": number 1..3600, "max_wait_seconds": number 0..86400}.
RefreshOptions parse_refresh_options(std::optional<std::string_view> json);

// lv_refresh_expiring's options: NULL or {"within_seconds": int
// 0..31536000, "providers": [provider key]|null}.
struct RefreshExpiringRequest {
  std::chrono::seconds within{900};
  std::optional<std::vector<std::string>> providers;  // nullopt: every provider
};
RefreshExpiringRequest parse_refresh_expiring_options(std::optional<std::string_view> json);

// lv_oauth_begin's options: NULL or {"name": str|null, "scopes": [str]|null}.
BeginOAuthOptions parse_begin_oauth_options(std::optional<std::string_view> json);

// lv_rate_penalize's retry_after_seconds: a finite 0..604800, as whole
// milliseconds rounded up (a Retry-After is never shortened).
std::chrono::milliseconds retry_after_parameter(double retry_after_seconds);

}  // namespace linkvault::capi
