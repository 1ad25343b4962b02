// The one place where C++ exceptions become C status codes (Botan's
// ffi_guard_thunk): every exported function runs its body through guard(),
// which catches linkvault::Error, then std::bad_alloc, then std::exception,
// then anything else, records the thread-local message and returns the code.
// No other `try` exists in the shim, and no exception leaves it.
#pragma once

#include "linkvault.h"

#include <string_view>
#include <type_traits>
#include <utility>

namespace linkvault::capi {

// Sets this thread's lv_last_error_message(). Never throws: the message lives
// in a fixed per-thread buffer and is cut (on a UTF-8 boundary) if too long.
void set_last_error(std::string_view message) noexcept;
void clear_last_error() noexcept;
const char* last_error() noexcept;

namespace detail {
// A non-owning, non-allocating reference to the body: calling through a plain
// function pointer keeps guard() itself free of anything that could throw.
using Thunk = int (*)(void* body);
int run_guarded(const char* function, Thunk thunk, void* body) noexcept;
}  // namespace detail

// Runs `body` (returning void or an int status) and returns its status, or
// the code of the exception it threw. `function` names the lv_ function in
// messages about unexpected failures.
template <typename Body>
int guard(const char* function, Body&& body) noexcept {
  using Plain = std::remove_reference_t<Body>;
  return detail::run_guarded(
      function,
      [](void* erased) -> int {
        Plain& call = *static_cast<Plain*>(erased);
        if constexpr (std::is_void_v<decltype(call())>) {
          call();
          return LV_OK;
        } else {
          return call();
        }
      },
      const_cast<void*>(static_cast<const void*>(std::addressof(body))));
}

}  // namespace linkvault::capi
