// UTF-8 in one place: validating input at the boundary, and cutting text to a
// byte limit without splitting a character (messages, the C shim's last-error
// buffer). Pure, noexcept and non-allocating, so the C shim's error path can
// use it.
#pragma once

#include <cstddef>
#include <string_view>

namespace linkvault {

bool is_valid_utf8(std::string_view text) noexcept;

// The length of the longest prefix of `text` of at most `limit` bytes that
// does not end inside a UTF-8 sequence (a whole-text result when it fits).
std::size_t utf8_prefix_length(std::string_view text, std::size_t limit) noexcept;

}  // namespace linkvault
