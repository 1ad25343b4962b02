#include "arguments.hpp"

#include "linkvault/json_text.hpp"
#include "linkvault.h"
#include "linkvault/error.hpp"
#include "linkvault/limits.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace linkvault::capi {

static_assert(LV_MAX_INPUT_BYTES == max_input_bytes, "linkvault.h and limits.hpp agree");

namespace {

[[noreturn]] void invalid(std::string_view name, std::string_view problem) {
  throw Error(ErrorCode::invalid_argument, fmt::format("{}: {}", name, problem));
}

std::string_view checked_text(const char* value, std::string_view name) {
  // One byte past the limit is enough to know it is too long.
  const std::size_t length = ::strnlen(value, LV_MAX_INPUT_BYTES + 1);
  if (length > LV_MAX_INPUT_BYTES) {
    invalid(name, fmt::format("longer than {} bytes", LV_MAX_INPUT_BYTES));
  }
  const std::string_view text(value, length);
  if (!is_valid_utf8(text)) invalid(name, "not valid UTF-8");
  return text;
}

}  // namespace

std::string_view text_argument(const char* value, std::string_view name) {
  if (value == nullptr) invalid(name, "must not be NULL");
  return checked_text(value, name);
}

std::optional<std::string_view> optional_text_argument(const char* value,
                                                        std::string_view name) {
  if (value == nullptr) return std::nullopt;
  return checked_text(value, name);
}

void require_out(const void* out) {
  if (out == nullptr) invalid("out", "must not be NULL");
}

char* to_c_string(std::string_view text) {
  auto* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) throw std::bad_alloc();
  if (!text.empty()) std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

char* to_c_string(const SecretBytes& secret) { return to_c_string(secret_view(secret)); }

}  // namespace linkvault::capi
