// The OAuthStore operations of PostgresSession (schema 1's token_refresh,
// oauth_clients, oauth_grants, rate_buckets). Each tenant-scoped write
// enters its tenant first, which in a write transaction locks the tenant's
// row: that serialises a tenant's guarded writes (a lease taken, a bucket
// loaded then put) as SQLCipher's one writer does, and keeps the session's
// lock order (tenant row, then the rows under it). The rows themselves are
// still locked where the contract names it (the refresh state and the rate
// bucket FOR UPDATE), so the guarantee does not rest on the tenant lock
// alone. PostgreSQL has UPSERT and RETURNING, so a row that may be absent is
// upserted, and a grant is taken with one DELETE ... RETURNING.
#include "store/postgres_session.hpp"

#include "core/message_text.hpp"
#include "store/postgres_params.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

namespace linkvault {

namespace {

#define LV_GRANT_COLUMNS \
  "state_hash, tenant, integration_id, sealed_verifier, redirect_uri, created_at, expires_at"

#define LV_BUCKET_COLUMNS \
  "tenant, integration_id, minute_tokens, hour_tokens, refilled_at, blocked_until"

// Row `row` of a binary-format SELECT (or RETURNING) of LV_GRANT_COLUMNS.
OAuthGrantRecord read_grant(const pg::Result& rows, int row) {
  OAuthGrantRecord grant;
  const std::vector<std::uint8_t> hash = rows.bytes(row, 0);
  if (hash.size() != grant.state_hash.size()) {
    throw Error(ErrorCode::integrity,
                fmt::format("a stored OAuth grant's state hash has {} bytes, not 32",
                            hash.size()));
  }
  std::memcpy(grant.state_hash.data(), hash.data(), hash.size());
  grant.tenant = rows.text(row, 1);
  grant.integration_id = rows.text(row, 2);
  grant.sealed_verifier = rows.bytes(row, 3);
  grant.redirect_uri = rows.text(row, 4);
  grant.created_at = rows.integer(row, 5);
  grant.expires_at = rows.integer(row, 6);
  return grant;
}

// Row 0 of a text-format SELECT of LV_BUCKET_COLUMNS. DOUBLE PRECISION
// holds NaN and infinities, which no write of ours stores: an edited row.
RateBucketRecord read_bucket(const pg::Result& rows) {
  RateBucketRecord bucket;
  bucket.tenant = rows.text(0, 0);
  bucket.integration_id = rows.text(0, 1);
  bucket.minute_tokens = rows.real(0, 2);
  bucket.hour_tokens = rows.real(0, 3);
  bucket.refilled_at = rows.integer(0, 4);
  bucket.blocked_until = rows.integer(0, 5);
  if (!std::isfinite(bucket.minute_tokens) || !std::isfinite(bucket.hour_tokens)) {
    throw Error(ErrorCode::integrity,
                fmt::format("the stored rate bucket of integration {} holds token counts "
                            "that are not numbers",
                            quote_for_message(bucket.integration_id)));
  }
  return bucket;
}

std::span<const std::uint8_t> hash_bytes(const std::array<std::uint8_t, 32>& hash) {
  return {hash.data(), hash.size()};
}

}  // namespace

// ---- refresh leases --------------------------------------------------------

RefreshState PostgresSession::load_refresh_state(std::string_view tenant,
                                                 std::string_view integration_id) {
  enter_tenant(tenant);
  pg::Result rows = run("lv_load_refresh_state",
                        "SELECT lease_token, lease_until, failures, cooldown_until "
                        "FROM token_refresh WHERE tenant = $1 AND integration_id = $2",
                        {pg::Param::of(tenant), pg::Param::of(integration_id)});
  RefreshState state;
  if (rows.rows() == 0) return state;
  state.lease_token = rows.text(0, 0);
  state.lease_until = rows.integer(0, 1);
  state.failures = rows.integer(0, 2);
  state.cooldown_until = rows.integer(0, 3);
  return state;
}

bool PostgresSession::take_refresh_lease(std::string_view tenant,
                                         std::string_view integration_id,
                                         std::string_view token, TimeMs now, TimeMs until) {
  require_write_transaction("take_refresh_lease");
  // '' is what "no one holds it" is stored as: a lease taken with it could
  // be taken by anyone, and renewed or finished by anyone passing ''.
  if (token.empty()) {
    throw Error(ErrorCode::internal, "a refresh lease needs a non-empty token");
  }
  enter_tenant(tenant);
  const pg::Param tenant_param = pg::Param::of(tenant);
  const pg::Param integration_param = pg::Param::of(integration_id);
  // An absent row becomes the all-defaults row (free); a concurrent
  // inserter's row is waited for. Then the row is held until commit while
  // the lease is decided.
  run("lv_insert_refresh_state",
      "INSERT INTO token_refresh (tenant, integration_id) VALUES ($1, $2) "
      "ON CONFLICT DO NOTHING",
      {tenant_param, integration_param});
  pg::Result held = run("lv_lock_refresh_state",
                        "SELECT lease_token, lease_until FROM token_refresh "
                        "WHERE tenant = $1 AND integration_id = $2 FOR UPDATE",
                        {tenant_param, integration_param});
  if (held.rows() != 1) {
    throw Error(ErrorCode::internal, "a refresh state row inserted in this transaction is gone");
  }
  const bool free = held.text(0, 0).empty() || held.integer(0, 1) <= now;
  if (!free) return false;
  const std::string until_text = std::to_string(until);
  run("lv_take_refresh_lease",
      "UPDATE token_refresh SET lease_token = $3, lease_until = $4 "
      "WHERE tenant = $1 AND integration_id = $2",
      {tenant_param, integration_param, pg::Param::of(token), pg::Param::of(until_text)});
  return true;
}

bool PostgresSession::renew_refresh_lease(std::string_view tenant,
                                          std::string_view integration_id,
                                          std::string_view token, TimeMs until) {
  require_write_transaction("renew_refresh_lease");
  if (token.empty()) return false;  // '' holds nothing (see take_refresh_lease)
  enter_tenant(tenant);
  const std::string until_text = std::to_string(until);
  pg::Result renewed = run("lv_renew_refresh_lease",
                           "UPDATE token_refresh SET lease_until = $4 "
                           "WHERE tenant = $1 AND integration_id = $2 AND lease_token = $3",
                           {pg::Param::of(tenant), pg::Param::of(integration_id),
                            pg::Param::of(token), pg::Param::of(until_text)});
  return renewed.affected() == 1;
}

bool PostgresSession::finish_refresh(std::string_view tenant, std::string_view integration_id,
                                     std::string_view token, std::int64_t failures,
                                     TimeMs cooldown_until) {
  require_write_transaction("finish_refresh");
  if (token.empty()) return false;  // '' holds nothing (see take_refresh_lease)
  enter_tenant(tenant);
  const std::string failures_text = std::to_string(failures);
  const std::string cooldown_text = std::to_string(cooldown_until);
  pg::Result finished =
      run("lv_finish_refresh",
          "UPDATE token_refresh SET failures = $4, cooldown_until = $5, lease_token = '', "
          "lease_until = 0 WHERE tenant = $1 AND integration_id = $2 AND lease_token = $3",
          {pg::Param::of(tenant), pg::Param::of(integration_id), pg::Param::of(token),
           pg::Param::of(failures_text), pg::Param::of(cooldown_text)});
  return finished.affected() == 1;
}

void PostgresSession::clear_refresh_failures(std::string_view tenant,
                                             std::string_view integration_id) {
  require_write_transaction("clear_refresh_failures");
  enter_tenant(tenant);
  // No row already reads as no failures: nothing to insert.
  run("lv_clear_refresh_failures",
      "UPDATE token_refresh SET failures = 0, cooldown_until = 0 "
      "WHERE tenant = $1 AND integration_id = $2",
      {pg::Param::of(tenant), pg::Param::of(integration_id)});
}

// ---- OAuth clients ---------------------------------------------------------

void PostgresSession::put_oauth_client(const OAuthClientRecord& client) {
  require_write_transaction("put_oauth_client");
  // The host's clients are vault-wide (no tenant, no row-level security).
  const std::string updated_text = std::to_string(client.updated_at);
  const pg::Param secret = client.sealed_secret.empty()
                               ? pg::Param::null_value()
                               : pg::Param::of_bytes(client.sealed_secret);
  run("lv_put_oauth_client",
      "INSERT INTO oauth_clients (provider, client_id, sealed_secret, updated_at) "
      "VALUES ($1, $2, $3, $4) ON CONFLICT (provider) DO UPDATE SET "
      "client_id = EXCLUDED.client_id, sealed_secret = EXCLUDED.sealed_secret, "
      "updated_at = EXCLUDED.updated_at",
      {pg::Param::of(client.provider), pg::Param::of(client.client_id), secret,
       pg::Param::of(updated_text)});
}

std::optional<OAuthClientRecord> PostgresSession::load_oauth_client(std::string_view provider) {
  pg::Result rows = run("lv_load_oauth_client",
                        "SELECT provider, client_id, sealed_secret, updated_at "
                        "FROM oauth_clients WHERE provider = $1",
                        {pg::Param::of(provider)}, /*binary_results=*/true);
  if (rows.rows() == 0) return std::nullopt;
  OAuthClientRecord client;
  client.provider = rows.text(0, 0);
  client.client_id = rows.text(0, 1);
  if (!rows.is_null(0, 2)) client.sealed_secret = rows.bytes(0, 2);  // NULL: no secret
  client.updated_at = rows.integer(0, 3);
  return client;
}

// ---- pending grants --------------------------------------------------------

void PostgresSession::insert_oauth_grant(const OAuthGrantRecord& grant) {
  require_write_transaction("insert_oauth_grant");
  enter_tenant(grant.tenant);
  // DO NOTHING: a taken hash is no failed statement (the transaction goes
  // on to roll back cleanly), and is reported by what changed.
  const std::string created_text = std::to_string(grant.created_at);
  const std::string expires_text = std::to_string(grant.expires_at);
  pg::Result inserted = run(
      "lv_insert_oauth_grant",
      "INSERT INTO oauth_grants (" LV_GRANT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7) "
      "ON CONFLICT (state_hash) DO NOTHING",
      {pg::Param::of_bytes(hash_bytes(grant.state_hash)), pg::Param::of(grant.tenant),
       pg::Param::of(grant.integration_id), pg::Param::of_bytes(grant.sealed_verifier),
       pg::Param::of(grant.redirect_uri), pg::Param::of(created_text),
       pg::Param::of(expires_text)});
  if (inserted.affected() != 1) {
    throw Error(ErrorCode::already_exists, "an OAuth grant with this state already exists");
  }
}

std::optional<OAuthGrantRecord> PostgresSession::take_oauth_grant(
    std::string_view tenant, const std::array<std::uint8_t, 32>& state_hash, TimeMs now) {
  require_write_transaction("take_oauth_grant");
  enter_tenant(tenant);
  // One statement reads and deletes: of two takers the second finds the
  // row gone. Another tenant's or an expired grant is not found, so it
  // stays: the expired ones go with delete_expired_oauth_grants.
  const std::string now_text = std::to_string(now);
  pg::Result taken = run("lv_take_oauth_grant",
                         "DELETE FROM oauth_grants "
                         "WHERE state_hash = $1 AND tenant = $2 AND expires_at > $3 "
                         "RETURNING " LV_GRANT_COLUMNS,
                         {pg::Param::of_bytes(hash_bytes(state_hash)), pg::Param::of(tenant),
                          pg::Param::of(now_text)},
                         /*binary_results=*/true);
  if (taken.rows() == 0) return std::nullopt;
  return read_grant(taken, 0);
}

std::int64_t PostgresSession::delete_expired_oauth_grants(TimeMs now) {
  require_write_transaction("delete_expired_oauth_grants");
  // Every tenant's expired grants: the 'sweep' scope may read and delete
  // them (and nothing else of oauth_grants' writes).
  enter_scope("sweep");
  const std::string now_text = std::to_string(now);
  pg::Result deleted = run("lv_delete_expired_oauth_grants",
                           "DELETE FROM oauth_grants WHERE expires_at <= $1",
                           {pg::Param::of(now_text)});
  return deleted.affected();
}

// ---- rate-limit buckets ----------------------------------------------------

std::optional<RateBucketRecord> PostgresSession::load_rate_bucket(
    std::string_view tenant, std::string_view integration_id) {
  enter_tenant(tenant);
  const std::initializer_list<pg::Param> key = {pg::Param::of(tenant),
                                                pg::Param::of(integration_id)};
  // In a write transaction the row is held until commit, so load, decide
  // and put are one step; a read transaction (READ ONLY) may not lock.
  pg::Result rows =
      in_write_transaction()
          ? run("lv_lock_rate_bucket",
                "SELECT " LV_BUCKET_COLUMNS " FROM rate_buckets "
                "WHERE tenant = $1 AND integration_id = $2 FOR UPDATE",
                key)
          : run("lv_load_rate_bucket",
                "SELECT " LV_BUCKET_COLUMNS " FROM rate_buckets "
                "WHERE tenant = $1 AND integration_id = $2",
                key);
  if (rows.rows() == 0) return std::nullopt;
  return read_bucket(rows);
}

void PostgresSession::put_rate_bucket(const RateBucketRecord& bucket) {
  require_write_transaction("put_rate_bucket");
  // DOUBLE PRECISION would store a NaN or an infinity as is: neither is a
  // token count.
  if (!std::isfinite(bucket.minute_tokens) || !std::isfinite(bucket.hour_tokens)) {
    throw Error(ErrorCode::internal,
                fmt::format("rate bucket token counts of integration {} are not finite",
                            quote_for_message(bucket.integration_id)));
  }
  enter_tenant(bucket.tenant);
  // Token counts go as their shortest exact text, so what is read back is
  // the same double.
  pg::ParamList params;
  params.text(bucket.tenant).text(bucket.integration_id);
  params.real(bucket.minute_tokens).real(bucket.hour_tokens);
  params.integer(bucket.refilled_at).integer(bucket.blocked_until);
  run("lv_put_rate_bucket",
      "INSERT INTO rate_buckets (" LV_BUCKET_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6) "
      "ON CONFLICT (tenant, integration_id) DO UPDATE SET "
      "minute_tokens = EXCLUDED.minute_tokens, hour_tokens = EXCLUDED.hour_tokens, "
      "refilled_at = EXCLUDED.refilled_at, blocked_until = EXCLUDED.blocked_until",
      params.params());
}

}  // namespace linkvault
