#include "freed_memory_scan.hpp"

#include <execinfo.h>
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

// glibc's own entry points, which the interposed functions below hand the
// memory to once it is scanned.
extern "C" {
void __libc_free(void* pointer);
void* __libc_realloc(void* pointer, std::size_t size);
}

namespace linkvault::heap_test {
namespace {

std::string_view needles[max_needles];
std::size_t needle_count = 0;
std::atomic<bool> armed{false};
std::atomic<std::size_t> hit_blocks{0};
std::atomic<std::size_t> first_size{0};
std::atomic<std::size_t> first_needle{0};
bool print_traces = false;  // LINKVAULT_HEAP_TRACE=1: who freed it
thread_local bool in_hook = false;

void report(std::size_t block_size, std::size_t needle) noexcept {
  if (hit_blocks.fetch_add(1) == 0) {
    first_size.store(block_size);
    first_needle.store(needle);
  }
  if (print_traces) {
    void* frames[32];
    const int depth = backtrace(frames, 32);
    static constexpr char banner[] = "--- freed block holds a needle:\n";
    (void)!write(2, banner, sizeof banner - 1);
    backtrace_symbols_fd(frames, depth, 2);
  }
}

void scan(const void* pointer) noexcept {
  if (pointer == nullptr || !armed.load(std::memory_order_relaxed) || in_hook) return;
  in_hook = true;
  const std::size_t size = malloc_usable_size(const_cast<void*>(pointer));
  for (std::size_t i = 0; i < needle_count; ++i) {
    if (memmem(pointer, size, needles[i].data(), needles[i].size()) != nullptr) {
      report(size, i);
      break;
    }
  }
  in_hook = false;
}

}  // namespace

void add_needle(std::string_view needle) {
  if (needle_count == max_needles || needle.empty()) std::abort();
  needles[needle_count++] = needle;
}

void arm() noexcept {
  const char* trace = std::getenv("LINKVAULT_HEAP_TRACE");
  print_traces = trace != nullptr && trace[0] == '1';
  if (print_traces) {  // backtrace() loads libgcc on first use: not inside a hook
    void* frame[1];
    (void)backtrace(frame, 1);
  }
  armed.store(true);
}

void disarm() noexcept { armed.store(false); }

Findings findings() noexcept { return {hit_blocks.load(), first_size.load(), first_needle.load()}; }

void reset_findings() noexcept {
  hit_blocks.store(0);
  first_size.store(0);
  first_needle.store(0);
}

}  // namespace linkvault::heap_test

using linkvault::heap_test::scan;

extern "C" void free(void* pointer) {
  scan(pointer);
  __libc_free(pointer);
}

// realloc gives the old block back when it moves (or shrinks it in place):
// scan it first, as free would.
extern "C" void* realloc(void* pointer, std::size_t size) {
  scan(pointer);
  return __libc_realloc(pointer, size);
}

// libstdc++'s operator new takes its memory from malloc (aligned new from
// aligned_alloc), so every delete ends in free.
void operator delete(void* pointer) noexcept { free(pointer); }
void operator delete[](void* pointer) noexcept { free(pointer); }
void operator delete(void* pointer, std::size_t) noexcept { free(pointer); }
void operator delete[](void* pointer, std::size_t) noexcept { free(pointer); }
void operator delete(void* pointer, std::align_val_t) noexcept { free(pointer); }
void operator delete[](void* pointer, std::align_val_t) noexcept { free(pointer); }
void operator delete(void* pointer, std::size_t, std::align_val_t) noexcept { free(pointer); }
void operator delete[](void* pointer, std::size_t, std::align_val_t) noexcept { free(pointer); }
void operator delete(void* pointer, const std::nothrow_t&) noexcept { free(pointer); }
void operator delete[](void* pointer, const std::nothrow_t&) noexcept { free(pointer); }
void operator delete(void* pointer, std::align_val_t, const std::nothrow_t&) noexcept {
  free(pointer);
}
void operator delete[](void* pointer, std::align_val_t, const std::nothrow_t&) noexcept {
  free(pointer);
}
