// The JSON the host sends besides credentials: the actor, connect and update
// options, and the list filter (docs/API.md). Parsed strictly with
// simdjson's DOM: malformed JSON, a non-object, an unknown or duplicate key,
// a wrong type or a bad value is Error(INVALID_ARGUMENT) naming the
// parameter and the key. A JSON null for an optional key means "absent".
#pragma once

#include "linkvault/actor.hpp"
#include "linkvault/clock.hpp"
#include "linkvault/tenant.hpp"

#include <optional>
#include <string_view>

namespace linkvault::capi {

// {"user_id": str (non-empty), "user_name": str|null, "role": "admin"|"member"|"system"}
Actor parse_actor(std::string_view json);

// NULL (nullopt) or {"name","account","scopes","expires_at","sync_config"}.
ConnectOptions parse_connect_options(std::optional<std::string_view> json);

// NULL or {"expires_at": RFC 3339|null}; returns the expiry.
std::optional<TimeMs> parse_update_options(std::optional<std::string_view> json);

// NULL or {"provider": str|null, "status": str|null}.
ListFilter parse_list_filter(std::optional<std::string_view> json);

}  // namespace linkvault::capi
