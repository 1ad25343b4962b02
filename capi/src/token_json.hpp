// tokens_json, what a refresher or token exchange answers through
// lv_token_reply_set (linkvault.h, "OAuth"):
//   {"access_token": str (non-empty), "refresh_token": str (non-empty)|null,
//    "expires_in": int 0..315360000|null, "expires_at": RFC 3339 (1970..9999)|null}
// Tokens are at most 64 KiB (max_credential_value_bytes), as every stored
// credential value. Other keys are ignored (a token endpoint's response passes through as it
// came) but must still be valid JSON; a repeated key is refused, as
// everywhere in the shim.
//
// The token values are secrets, so this parser is not RequestObject:
// simdjson would unescape them into its own heap buffers, freed unwiped. The
// text is copied once into secure memory, walked with simdjson On-Demand
// without letting it unescape anything, and every string is unescaped by us
// into SecretBytes (the library does the same for credentials JSON, in
// src/vault/credential_codec.cpp, which the shim cannot include).
// Errors are Error(INVALID_ARGUMENT) "<parameter>: <problem>", naming the key
// and never quoting a value.
#pragma once

#include "linkvault/oauth.hpp"
#include "linkvault/secret.hpp"

#include <string_view>

namespace linkvault::capi {

// The longest expires_in accepted: ten years of seconds.
inline constexpr std::int64_t max_expires_in_seconds = 315'360'000;

TokenGrant parse_token_grant(std::string_view parameter, std::string_view json);

}  // namespace linkvault::capi
