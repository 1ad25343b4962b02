// Time as linkvault stores it: integer milliseconds since the Unix epoch, UTC.
// JSON shows times as RFC 3339 UTC text ("2026-11-22T03:04:05.678Z").
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace linkvault {

using TimeMs = std::int64_t;

// The system's wall clock in milliseconds since the epoch. The vault layer
// reads time only through a Clock (OpenOptions::clock); this is what the
// default one returns.
TimeMs now_ms() noexcept;

// Where a vault gets the time: created_at, updated_at, expiry and every
// later lease or cooldown. Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now_ms() const noexcept = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs now_ms() const noexcept override { return linkvault::now_ms(); }
};

// The shared system clock, the default wherever a clock is optional.
const std::shared_ptr<const Clock>& system_clock() noexcept;

// A clock that moves only when told to: for tests of expiry, leases and
// retries without real sleeps.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start = 1'700'000'000'000) noexcept : now_(start) {}
  TimeMs now_ms() const noexcept override { return now_.load(); }
  void set(TimeMs time) noexcept { now_.store(time); }
  void advance(TimeMs delta) noexcept { now_.fetch_add(delta); }

 private:
  std::atomic<TimeMs> now_;
};

// "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string format_rfc3339(TimeMs time);

// Accepts RFC 3339 with 'Z' or a numeric offset and optional fraction;
// std::nullopt when the text is not such a time.
std::optional<TimeMs> parse_rfc3339(std::string_view text);

}  // namespace linkvault
