// JSON text helpers for code that writes JSON by hand (the C ABI's records,
// canonical sync configs, activity details): quoting (UTF-8: linkvault/utf8.hpp).
// Pure functions; thread-safe.
#pragma once

#include "linkvault/utf8.hpp"  // is_valid_utf8, for the callers that validate

#include <string>
#include <string_view>

namespace linkvault {

// `text` as a JSON string literal, quotes included. Control characters are
// escaped; the text must already be valid UTF-8 (callers validate input at
// the boundary with is_valid_utf8).
std::string json_quote(std::string_view text);
void append_json_quoted(std::string& out, std::string_view text);

}  // namespace linkvault
