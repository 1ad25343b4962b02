// When a failed job runs again: exponential backoff with jitter, as the job
// queues do (River, Oban), so that many jobs failing together (a provider
// outage) do not all come back in the same instant.
#pragma once

#include "linkvault/clock.hpp"

namespace linkvault {

inline constexpr TimeMs max_retry_delay_ms = 3'600'000;  // one hour

// retry_base_seconds · 2^(attempt − 1), capped at one hour, times
// `jitter` (0.8..1.2), capped at one hour again. attempt counts from 1.
TimeMs retry_delay_ms(int retry_base_seconds, int attempt, double jitter) noexcept;

// A uniformly random jitter factor in [0.8, 1.2]. Thread-safe.
double random_retry_jitter();

}  // namespace linkvault
