// Token buckets for a provider's rate limits (docs/SEMANTICS.md, "Rate
// limits"). Pure arithmetic on a RateBucketRecord; the caller loads and
// stores the record in one write transaction, which is what makes the
// buckets shared by every thread and process. Thread-safe (no state).
//
// Each enforced limit is a bucket holding at most `limit` tokens, refilled
// continuously at limit per period, starting full. A request of `cost` is
// granted when every bucket holds at least `cost`, and then takes it from
// each; otherwise nothing is taken and the wait is the time until every
// bucket will hold enough. So in any window of one period at most
// 2 × limit are granted (a full bucket plus one period's refill).
#pragma once

#include "linkvault/clock.hpp"
#include "linkvault/provider.hpp"
#include "store/oauth_store.hpp"

#include <cstdint>
#include <optional>

namespace linkvault {

struct RateLimits {
  std::optional<std::int64_t> per_minute;
  std::optional<std::int64_t> per_hour;
  bool any() const noexcept { return per_minute || per_hour; }
};

// The limits the vault enforces for a provider ("per_minute", "per_hour").
RateLimits enforced_rate_limits(const ProviderSpec& spec);

// The buckets as of `now`: `current` (nullopt: full) refilled for the time
// since it was last refilled. Keeps blocked_until.
RateBucketRecord refill_buckets(const RateLimits& limits,
                                const std::optional<RateBucketRecord>& current, TimeMs now);

struct BucketDecision {
  TimeMs wait_ms = 0;        // 0: granted
  RateBucketRecord bucket;   // refilled, and charged when granted
};

// `current` is the stored record, or nullopt for full buckets. Precondition:
// cost >= 1 and no larger than any enforced limit.
BucketDecision take_from_buckets(const RateLimits& limits,
                                 const std::optional<RateBucketRecord>& current,
                                 TimeMs now, std::int64_t cost);

}  // namespace linkvault
