#include "guard.hpp"

#include "linkvault/error.hpp"
#include "linkvault/utf8.hpp"

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

namespace linkvault::capi {

namespace {

// A fixed buffer rather than a std::string: setting the message must not
// allocate (it also reports std::bad_alloc) and must not throw.
constexpr std::size_t message_capacity = 4096;
thread_local char last_message[message_capacity] = {};

// "<function>: <what>: <detail>" without allocating.
void set_prefixed_error(const char* function, const char* what, const char* detail) noexcept {
  char buffer[1024];
  const int length = std::snprintf(buffer, sizeof buffer, "%s: %s%s%s", function, what,
                                   detail[0] != '\0' ? ": " : "", detail);
  if (length < 0) buffer[0] = '\0';
  set_last_error(buffer);  // cut to a whole UTF-8 sequence if snprintf truncated
}

}  // namespace

void set_last_error(std::string_view message) noexcept {
  // Cut on a whole UTF-8 sequence, so the message stays valid UTF-8 for the
  // bindings even when it is cut.
  const std::size_t length = utf8_prefix_length(message, message_capacity - 1);
  std::memcpy(last_message, message.data(), length);
  last_message[length] = '\0';
}

void clear_last_error() noexcept { last_message[0] = '\0'; }

const char* last_error() noexcept { return last_message; }

namespace detail {

int run_guarded(const char* function, Thunk thunk, void* body) noexcept {
  clear_last_error();
  int status = LV_INTERNAL;
  try {
    status = thunk(body);
  } catch (const linkvault::Error& error) {
    const int code = static_cast<int>(error.code());
    set_last_error(error.what());
    if (last_message[0] == '\0') {
      set_prefixed_error(function, error_code_name(error.code()), "");
    }
    // An Error carrying OK or an unknown number is a bug, not a success.
    return code > LV_OK && code <= LV_INTERNAL ? code : LV_INTERNAL;
  } catch (const std::bad_alloc&) {
    set_last_error("out of memory");
    return LV_INTERNAL;
  } catch (const std::exception& error) {
    // Not a linkvault::Error: an internal failure. Its text comes from the
    // standard library or a dependency, never from secret data.
    set_prefixed_error(function, "internal error", error.what());
    return LV_INTERNAL;
  } catch (...) {
    set_prefixed_error(function, "internal error", "unknown exception");
    return LV_INTERNAL;
  }
  // A callback run inside the call (the tester) may have made failing lv_
  // calls of its own on this thread; a successful call reports "".
  if (status == LV_OK) {
    clear_last_error();
  } else if (last_message[0] == '\0') {
    set_prefixed_error(function, "failed", "");
  }
  return status;
}

}  // namespace detail

}  // namespace linkvault::capi
