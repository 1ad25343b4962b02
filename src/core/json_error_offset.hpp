// Where a JSON text goes wrong. simdjson says that a document is malformed
// but not where; hosts debugging a provider's payload need the byte offset,
// so the error path (only) scans the text again with this small validator.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace linkvault {

// The offset of the first byte at which `json` stops being one valid JSON
// value (RFC 8259, UTF-8): an unexpected byte, an invalid UTF-8 sequence,
// a bad escape or number, trailing content — or json.size() when the text
// ends too early. json.size() + 1 when no error is found (the caller's
// parser failed for another reason, such as nesting depth).
std::size_t json_error_offset(std::string_view json) noexcept;

}  // namespace linkvault
