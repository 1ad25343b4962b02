// Keeping credential values out of host-supplied text. A tester's message
// (later an OAuth refresher's error) may quote the very token it was given;
// before such text is stored (last_error, the activity log) or returned, the
// values the library knows are cut out of it. Pure functions; thread-safe.
#pragma once

#include "linkvault/secret.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace linkvault {

// What replaces each redacted stretch: "••••" (U+2022 four times), the mask
// prefix with no characters shown, so it tells nothing about any field.
inline constexpr std::string_view redaction_mark =
    "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2";

// Shorter values are left alone: cutting every "abc" or "1" out of a
// message would shred ordinary words and numbers while hiding nothing that
// deserves the name secret.
inline constexpr std::size_t min_redacted_value_bytes = 4;

// `text` with every occurrence of each credential value of at least
// min_redacted_value_bytes — as is, and as JSON writes it (quotes and
// backslashes escaped) — replaced by redaction_mark. Occurrences may overlap
// or touch; each maximal stretch they cover becomes one mark. The result
// holds no credential value; `text` is the caller's to wipe.
std::string redact_credentials(std::string_view text, const Credentials& credentials);

// wipe_string() is public: see linkvault/secret.hpp.

}  // namespace linkvault
