// Checking what the host passes in, and handing strings back.
//
// Every `const char*` input is NULL-checked, length-capped at
// LV_MAX_INPUT_BYTES (found with strnlen, so a 10 MB string is not even read
// to its end) and UTF-8 validated before the C++ API sees it. Failures are
// Error(INVALID_ARGUMENT) naming the parameter, never quoting its value
// (it may be a secret).
#pragma once

#include "linkvault/secret.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace linkvault::capi {

// A required string parameter.
std::string_view text_argument(const char* value, std::string_view name);
// An optional one: NULL is nullopt.
std::optional<std::string_view> optional_text_argument(const char* value,
                                                        std::string_view name);

// Sets *out to its empty value on entry (the C ABI promises it whatever
// happens), then fails with INVALID_ARGUMENT if `out` itself is NULL.
template <typename T>
T* reset_out(T* out) noexcept {
  if (out != nullptr) *out = T{};
  return out;
}
void require_out(const void* out);

// A malloc'd, NUL-terminated copy for the host to free with lv_string_free.
// Throws std::bad_alloc on failure.
char* to_c_string(std::string_view text);
char* to_c_string(const SecretBytes& secret);


}  // namespace linkvault::capi
