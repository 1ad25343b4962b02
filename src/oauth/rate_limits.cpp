// Tenant::acquire and Tenant::penalize: a provider's rate limits as token
// buckets shared by every thread and process that opens the vault (the
// arithmetic is in oauth/token_bucket.hpp). Each call is one write
// transaction: load the integration and its bucket, decide, store, commit;
// the write transaction is what keeps two processes from spending the same
// tokens.
#include "linkvault/tenant.hpp"

#include "core/message_text.hpp"
#include "linkvault/error.hpp"
#include "oauth/token_bucket.hpp"
#include "vault/operation.hpp"
#include "vault/transaction.hpp"
#include "vault/vault_core.hpp"

#include <fmt/format.h>

namespace linkvault {

namespace {

constexpr std::int64_t max_acquire_cost = 1'000'000;
constexpr std::chrono::milliseconds max_retry_after = std::chrono::hours(24 * 7);

// The integration (NOT_FOUND if not the tenant's), not disconnected.
Integration load_limited_integration(StoreSession& session, std::string_view tenant,
                                     std::string_view integration_id, std::string_view operation) {
  Integration integration = load_or_throw(session, tenant, integration_id).integration;
  if (integration.status == IntegrationStatus::disconnected) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("cannot {} for integration {}: it is disconnected", operation,
                            quote_for_message(integration.id)));
  }
  return integration;
}

// The provider's enforced limits, read from the catalog's shared spec (no
// copy: acquire is called before every request a host makes).
RateLimits limits_of(VaultCore& core, StoreSession& session, const std::string& provider) {
  const auto spec = core.catalog().find(provider, session);
  if (!spec) {
    throw Error(ErrorCode::internal,
                fmt::format("integration's provider {} is not in the catalog",
                            quote_for_message(provider)));
  }
  return enforced_rate_limits(*spec);
}

}  // namespace

std::chrono::milliseconds Tenant::acquire(std::string_view integration_id, std::int64_t cost) {
  if (cost < 1 || cost > max_acquire_cost) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("cost must be 1 to {}, got {}", max_acquire_cost, cost));
  }
  VaultCore& core = require_open(core_);
  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  const Integration integration =
      load_limited_integration(*session, id_, integration_id, "acquire");
  const RateLimits limits = limits_of(core, *session, integration.provider);
  for (const auto& [name, limit] : {std::pair{"per_minute", limits.per_minute},
                                    std::pair{"per_hour", limits.per_hour}}) {
    if (limit && cost > *limit) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("cost {} exceeds provider {}'s {} limit of {}: it could never be granted",
                              cost, integration.provider, name, *limit));
    }
  }
  const auto current = session->load_rate_bucket(id_, integration.id);
  if (!limits.any() && !current) return std::chrono::milliseconds(0);  // nothing limits it

  const TimeMs now = core.now_ms();
  BucketDecision decision = take_from_buckets(limits, current, now, cost);
  // Only a grant changes what later callers see: a refusal takes nothing,
  // and refilling is a function of time, so it writes nothing.
  if (decision.wait_ms == 0) {
    decision.bucket.tenant = id_;
    decision.bucket.integration_id = integration.id;
    session->put_rate_bucket(decision.bucket);
  }
  transaction.commit();
  return std::chrono::milliseconds(decision.wait_ms);
}

void Tenant::penalize(std::string_view integration_id, std::chrono::milliseconds retry_after) {
  if (retry_after.count() < 0 || retry_after > max_retry_after) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("retry_after must be 0 to {} seconds, got {} ms",
                            std::chrono::duration_cast<std::chrono::seconds>(max_retry_after).count(),
                            retry_after.count()));
  }
  VaultCore& core = require_open(core_);
  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  const Integration integration =
      load_limited_integration(*session, id_, integration_id, "penalize");
  const RateLimits limits = limits_of(core, *session, integration.provider);
  const TimeMs now = core.now_ms();
  // Refilled up to now and stored with the block, so that what the buckets
  // held before the 429 is kept, not reset to full.
  RateBucketRecord bucket =
      refill_buckets(limits, session->load_rate_bucket(id_, integration.id), now);
  bucket.tenant = id_;
  bucket.integration_id = integration.id;
  bucket.blocked_until = std::max(bucket.blocked_until, now + retry_after.count());
  session->put_rate_bucket(bucket);
  transaction.commit();
}

}  // namespace linkvault
