// UUIDv7 identifiers (RFC 9562): 48-bit Unix milliseconds, then random bits,
// so ids sort by creation time. Thread-safe.
#pragma once

#include <string>

namespace linkvault {

// Lower-case canonical text, 36 characters.
std::string new_uuid_v7();

}  // namespace linkvault
