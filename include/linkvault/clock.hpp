// Time as linkvault stores it: integer milliseconds since the Unix epoch, UTC.
// JSON shows times as RFC 3339 UTC text ("2026-11-22T03:04:05.678Z").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linkvault {

using TimeMs = std::int64_t;

// The wall clock in milliseconds since the epoch.
TimeMs now_ms() noexcept;

// "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string format_rfc3339(TimeMs time);

// Accepts RFC 3339 with 'Z' or a numeric offset and optional fraction;
// std::nullopt when the text is not such a time.
std::optional<TimeMs> parse_rfc3339(std::string_view text);

}  // namespace linkvault
