// linkvault::Error — the one exception type of the C++ API.
//
// Every failure a caller can act on is thrown as linkvault::Error carrying an
// ErrorCode whose numbers are shared with the C ABI and the Python bindings
// (DESIGN.md §6). Messages say what was wrong and with which input; they never
// contain secret bytes. Thread-safe: plain values.
#pragma once

#include <stdexcept>
#include <string>

namespace linkvault {

enum class ErrorCode : int {
  ok = 0,
  invalid_argument = 1,
  not_found = 2,
  already_exists = 3,
  permission_denied = 4,
  quota_exceeded = 5,
  failed_precondition = 6,
  conflict = 7,
  wrong_key = 8,
  integrity = 9,
  busy = 10,
  io = 11,
  cancelled = 12,
  upstream = 13,
  internal = 14,
};

// "INVALID_ARGUMENT", "NOT_FOUND", ... as spelled in DESIGN.md §6.
const char* error_code_name(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace linkvault
