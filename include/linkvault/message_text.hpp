// How caller-supplied values (a JSON key, a tenant or integration id, a name,
// a credential field name) are quoted inside error messages: one style for
// the library and the C shim. Messages must stay short, printable and free of
// secrets whatever the caller sent, so only names and ids go through here —
// never a credential value. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace linkvault {

// 'value' between single quotes: printable ASCII as is, a quote or backslash
// escaped, every other byte as \xNN, and at most max_quoted_bytes of input
// (then "...").
std::string quote_for_message(std::string_view value);

}  // namespace linkvault
