#include "jobs/retry_backoff.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace linkvault {

TimeMs retry_delay_ms(int retry_base_seconds, int attempt, double jitter) noexcept {
  // Doubling stops once past the cap (2^12 > 3600), so nothing overflows.
  double delay_ms = std::max(retry_base_seconds, 0) * 1000.0;
  for (int doubling = 1; doubling < attempt && delay_ms < max_retry_delay_ms; ++doubling) {
    delay_ms *= 2;
  }
  delay_ms = std::min(delay_ms, static_cast<double>(max_retry_delay_ms)) * jitter;
  return std::min(static_cast<TimeMs>(std::llround(delay_ms)), max_retry_delay_ms);
}

double random_retry_jitter() {
  // Not a secret: a per-thread generator seeded once is enough.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.8, 1.2)(generator);
}

}  // namespace linkvault
