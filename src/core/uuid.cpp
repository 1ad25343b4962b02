#include "core/uuid.hpp"

#include "linkvault/clock.hpp"

#include <botan/system_rng.h>

#include <array>
#include <atomic>
#include <cstdint>

namespace linkvault {

std::string new_uuid_v7() {
  std::array<std::uint8_t, 16> bytes;
  Botan::system_rng().randomize(bytes.data(), bytes.size());

  // RFC 9562 §6.2, method 1: the 12 rand_a bits are a counter within the
  // millisecond, so ids made by this process sort in creation order even
  // when several share a millisecond (the header promises "sort by creation
  // time"; random rand_a bits would not). State is the last (ms << 12 |
  // counter), advanced atomically. A counter overflow carries into the
  // millisecond, and a clock that steps back keeps counting from the last
  // value, so ids never go backwards within a process.
  static std::atomic<std::uint64_t> last_stamp{0};
  const auto now = static_cast<std::uint64_t>(now_ms()) & 0xFFFF'FFFF'FFFFu;
  // A new millisecond starts its counter at a random point in the lower half:
  // unpredictable, with at least 2048 steps of room.
  const std::uint64_t random_start = ((std::uint64_t{bytes[6]} << 8) | bytes[7]) & 0x7FF;
  std::uint64_t previous = last_stamp.load(std::memory_order_relaxed);
  std::uint64_t stamp;
  do {
    stamp = now > (previous >> 12) ? (now << 12) | random_start : previous + 1;
  } while (!last_stamp.compare_exchange_weak(previous, stamp, std::memory_order_relaxed));

  const std::uint64_t ms = stamp >> 12;
  const auto counter = static_cast<std::uint16_t>(stamp & 0xFFF);
  for (int i = 0; i < 6; ++i) {
    bytes[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  }
  bytes[6] = static_cast<std::uint8_t>(0x70 | (counter >> 8));      // version 7
  bytes[7] = static_cast<std::uint8_t>(counter & 0xFF);
  bytes[8] = static_cast<std::uint8_t>(0x80 | (bytes[8] & 0x3F));  // variant 10
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(hex[bytes[i] >> 4]);
    text.push_back(hex[bytes[i] & 0xF]);
  }
  return text;
}

}  // namespace linkvault
