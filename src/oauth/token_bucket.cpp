#include "oauth/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace linkvault {

namespace {

constexpr double minute_ms = 60'000.0;
constexpr double hour_ms = 3'600'000.0;
// Refills add up in floating point (0.999 + 0.001 may land just short of
// 1): amounts within this of a whole request count as the request, so a
// caller who waits exactly the time acquire() named is granted.
constexpr double slack_tokens = 1e-9;

// Tokens after `elapsed_ms` of refill, never above capacity.
double refilled(double tokens, std::int64_t capacity, double period_ms, TimeMs elapsed_ms) {
  const double rate = static_cast<double>(capacity) / period_ms;
  return std::min(static_cast<double>(capacity), tokens + rate * static_cast<double>(elapsed_ms));
}

// Milliseconds until `tokens` reaches `cost`, rounded up so that asking
// again after waiting them is granted.
TimeMs wait_for(double tokens, std::int64_t capacity, double period_ms, std::int64_t cost) {
  const double missing = static_cast<double>(cost) - tokens;
  if (missing <= slack_tokens) return 0;
  const double rate = static_cast<double>(capacity) / period_ms;
  return std::max<TimeMs>(1, static_cast<TimeMs>(std::ceil(missing / rate - slack_tokens)));
}

}  // namespace

RateLimits enforced_rate_limits(const ProviderSpec& spec) {
  RateLimits limits;
  if (const auto it = spec.rate_limits.find("per_minute"); it != spec.rate_limits.end()) {
    limits.per_minute = it->second;
  }
  if (const auto it = spec.rate_limits.find("per_hour"); it != spec.rate_limits.end()) {
    limits.per_hour = it->second;
  }
  return limits;
}

RateBucketRecord refill_buckets(const RateLimits& limits,
                                const std::optional<RateBucketRecord>& current, TimeMs now) {
  RateBucketRecord bucket;
  if (current) {
    bucket = *current;
    // A clock that stepped back refills nothing rather than draining.
    const TimeMs elapsed = std::max<TimeMs>(0, now - bucket.refilled_at);
    if (limits.per_minute) {
      bucket.minute_tokens = refilled(bucket.minute_tokens, *limits.per_minute, minute_ms, elapsed);
    }
    if (limits.per_hour) {
      bucket.hour_tokens = refilled(bucket.hour_tokens, *limits.per_hour, hour_ms, elapsed);
    }
  } else {
    bucket.minute_tokens = static_cast<double>(limits.per_minute.value_or(0));
    bucket.hour_tokens = static_cast<double>(limits.per_hour.value_or(0));
  }
  bucket.refilled_at = std::max(now, bucket.refilled_at);
  return bucket;
}

BucketDecision take_from_buckets(const RateLimits& limits,
                                 const std::optional<RateBucketRecord>& current, TimeMs now,
                                 std::int64_t cost) {
  BucketDecision decision;
  decision.bucket = refill_buckets(limits, current, now);
  RateBucketRecord& bucket = decision.bucket;
  if (bucket.blocked_until > now) {
    decision.wait_ms = bucket.blocked_until - now;
    return decision;
  }
  TimeMs wait = 0;
  if (limits.per_minute) {
    wait = std::max(wait, wait_for(bucket.minute_tokens, *limits.per_minute, minute_ms, cost));
  }
  if (limits.per_hour) {
    wait = std::max(wait, wait_for(bucket.hour_tokens, *limits.per_hour, hour_ms, cost));
  }
  decision.wait_ms = wait;
  if (wait == 0) {
    // Never below zero, though slack_tokens may have let it through a hair
    // short.
    if (limits.per_minute) {
      bucket.minute_tokens = std::max(0.0, bucket.minute_tokens - static_cast<double>(cost));
    }
    if (limits.per_hour) {
      bucket.hour_tokens = std::max(0.0, bucket.hour_tokens - static_cast<double>(cost));
    }
  }
  return decision;
}

}  // namespace linkvault
