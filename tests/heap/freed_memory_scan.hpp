// Watches every block the process hands back to the allocator: free, realloc
// and each operator delete are interposed in this executable, scan the block
// (malloc_usable_size bytes) for the registered needles, then give it to
// glibc. A needle found in a freed block means a secret was left behind in
// ordinary heap memory, readable by whoever gets that memory next.
//
// The hooks never allocate. Needles are registered before arm() and must
// outlive disarm(); one process-wide watch, used from the test's thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace linkvault::heap_test {

inline constexpr std::size_t max_needles = 8;

// Adds a byte string to look for (kept by pointer: it must stay alive and
// must not itself live in memory that is freed while armed).
void add_needle(std::string_view needle);

void arm() noexcept;
void disarm() noexcept;

// How many freed blocks held a needle since the last reset, and the first
// such block's size and needle index (for the failure message).
struct Findings {
  std::size_t blocks = 0;
  std::size_t first_block_size = 0;
  std::size_t first_needle = 0;
};
Findings findings() noexcept;
void reset_findings() noexcept;

}  // namespace linkvault::heap_test
