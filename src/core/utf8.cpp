#include "linkvault/utf8.hpp"

#include <simdjson.h>

namespace linkvault {

bool is_valid_utf8(std::string_view text) noexcept {
  return simdjson::validate_utf8(text.data(), text.size());
}

std::size_t utf8_prefix_length(std::string_view text, std::size_t limit) noexcept {
  const std::size_t end = text.size() < limit ? text.size() : limit;
  if (end == text.size()) return end;
  // Find where the last sequence before the cut starts (skip continuation
  // bytes 10xxxxxx, at most three of them).
  std::size_t start = end;
  while (start > 0 && end - start < 4 &&
         (static_cast<unsigned char>(text[start - 1]) & 0xC0) == 0x80) {
    --start;
  }
  if (start == 0) return end;
  const auto lead = static_cast<unsigned char>(text[start - 1]);
  const std::size_t needed =
      lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  // The sequence begun by `lead` is complete iff all its bytes are before the cut.
  return end - (start - 1) >= needed ? end : start - 1;
}

}  // namespace linkvault
