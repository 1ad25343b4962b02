// OAuthStore — the OAuth operations of the Store seam (store.hpp says the
// isolation rules shared by every operation): refresh leases, OAuth clients,
// pending authorization grants, rate-limit buckets, and the expiring-token
// queries. The oauth layer (src/oauth/) decides everything; these only read
// and write rows, each guarded write saying what it checks.
#pragma once

#include "linkvault/clock.hpp"
#include "linkvault/integration.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// Per integration: who is refreshing it, and how its refreshes have failed.
// No row reads as all zeros (no lease, no failures, no cooldown).
struct RefreshState {
  std::string lease_token;  // "" when no one holds the lease
  TimeMs lease_until = 0;
  std::int64_t failures = 0;    // consecutive transient failures
  TimeMs cooldown_until = 0;    // no refresher call before this (unless forced)
};

// The host's OAuth client at one provider.
struct OAuthClientRecord {
  std::string provider;
  std::string client_id;
  std::vector<std::uint8_t> sealed_secret;  // empty: no secret
  TimeMs updated_at = 0;
};

// A pending authorization grant of begin_oauth, found by the SHA-256 of its
// state (the state itself is never stored).
struct OAuthGrantRecord {
  std::array<std::uint8_t, 32> state_hash{};
  std::string tenant;
  std::string integration_id;
  std::vector<std::uint8_t> sealed_verifier;  // the PKCE code verifier
  std::string redirect_uri;
  TimeMs created_at = 0;
  TimeMs expires_at = 0;
};

// A token bucket pair of one integration. Tokens are fractional: they refill
// continuously from refilled_at.
struct RateBucketRecord {
  std::string tenant;
  std::string integration_id;
  double minute_tokens = 0;
  double hour_tokens = 0;
  TimeMs refilled_at = 0;
  TimeMs blocked_until = 0;  // penalize(): nothing is granted before this
};

class OAuthStore {
 public:
  virtual ~OAuthStore() = default;

  // --- Refresh leases (the single flight across processes) -------------
  // The integration's state as of the transaction's snapshot.
  virtual RefreshState load_refresh_state(std::string_view tenant,
                                          std::string_view integration_id) = 0;
  // Atomic (write transaction): takes the lease with `token` until `until`
  // if no one holds a live one (none, or lease_until <= now) and returns
  // true; false, changing nothing, if another token's lease is live
  // (PostgreSQL: the state row FOR UPDATE, inserted first if absent).
  virtual bool take_refresh_lease(std::string_view tenant, std::string_view integration_id,
                                  std::string_view token, TimeMs now, TimeMs until) = 0;
  // Atomic (write transaction): moves lease_until to `until` only while
  // `token` holds the lease (expired or not, as long as no one took it
  // over). False if it does not.
  virtual bool renew_refresh_lease(std::string_view tenant, std::string_view integration_id,
                                   std::string_view token, TimeMs until) = 0;
  // Atomic (write transaction), the fence of a refresh: only while `token`
  // holds the lease, writes failures and cooldown_until and releases the
  // lease (token "" and lease_until 0). False, changing nothing, if it does
  // not hold it.
  virtual bool finish_refresh(std::string_view tenant, std::string_view integration_id,
                              std::string_view token, std::int64_t failures,
                              TimeMs cooldown_until) = 0;

  // A blind write (no read before it): zeroes failures and cooldown_until,
  // keeping any lease. New credentials (connect, update_credentials, a
  // completed OAuth flow) start with a clean failure budget.
  virtual void clear_refresh_failures(std::string_view tenant,
                                      std::string_view integration_id) = 0;

  // --- Expiring tokens --------------------------------------------------
  // Connected integrations with expires_at <= before, soonest first (then
  // by id); the tenant's only, or every tenant's when tenant is nullopt.
  virtual std::vector<Integration> expiring_integrations(std::optional<std::string_view> tenant,
                                                         TimeMs before) = 0;

  // --- OAuth clients ----------------------------------------------------
  // Inserts or replaces the provider's client (write transaction).
  virtual void put_oauth_client(const OAuthClientRecord& client) = 0;
  virtual std::optional<OAuthClientRecord> load_oauth_client(std::string_view provider) = 0;

  // --- Pending grants ---------------------------------------------------
  // Error(ALREADY_EXISTS) if the hash is taken (256 random bits: never).
  virtual void insert_oauth_grant(const OAuthGrantRecord& grant) = 0;
  // Atomic (write transaction): deletes and returns the tenant's grant with
  // this state hash if it has not expired (expires_at > now). nullopt, and
  // nothing changes, when there is none, it is another tenant's, or it has
  // expired: a grant is used at most once.
  virtual std::optional<OAuthGrantRecord> take_oauth_grant(
      std::string_view tenant, const std::array<std::uint8_t, 32>& state_hash, TimeMs now) = 0;
  // Deletes every grant with expires_at <= now; returns how many.
  virtual std::int64_t delete_expired_oauth_grants(TimeMs now) = 0;

  // --- Rate-limit buckets -----------------------------------------------
  // In a write transaction the row is held until commit (PostgreSQL: FOR
  // UPDATE), so load, decide and put_rate_bucket are one atomic step.
  virtual std::optional<RateBucketRecord> load_rate_bucket(std::string_view tenant,
                                                           std::string_view integration_id) = 0;
  // Inserts or replaces the row.
  virtual void put_rate_bucket(const RateBucketRecord& bucket) = 0;
};

}  // namespace linkvault
