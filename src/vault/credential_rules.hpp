// The rules a set of credentials must satisfy against its provider's spec
// before it is sealed (DESIGN.md §5, connect), and the display mask derived
// from it. Pure functions; thread-safe.
//
// Error messages name the field, never its value: callers may log them.
#pragma once

#include "linkvault/limits.hpp"
#include "linkvault/provider.hpp"
#include "linkvault/secret.hpp"

#include <cstddef>
#include <string>

namespace linkvault {

// Error(INVALID_ARGUMENT) naming the field when: there are more than 64
// fields; a field is not in the spec; a value is over 64 KiB or not valid
// UTF-8; a `url` value is not an absolute https:// URL with a non-empty host
// and no whitespace or control characters; an `email` value does not have
// exactly one '@' with text on both sides; a required field is missing or
// empty. Fields are checked in name order, then required fields in
// declaration order, so the reported problem is deterministic.
void validate_credentials(const ProviderSpec& spec, const Credentials& credentials);

// "••••" followed by the last 4 characters (code points) of the provider's
// first `secret` field, in declaration order, when that value has at least 12
// characters; otherwise (shorter, absent, not UTF-8) just "••••".
std::string credential_mask(const ProviderSpec& spec, const Credentials& credentials);

}  // namespace linkvault
