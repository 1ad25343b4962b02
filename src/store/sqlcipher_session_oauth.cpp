// The OAuthStore operations of SqlCipherSession (tables of migration 0004).
// Every write runs under the caller's BEGIN IMMEDIATE, which holds the
// file's one write lock: that is what makes each guarded write below (a
// conditional UPDATE, or a SELECT then DELETE) atomic here. Without UPSERT
// (SQLite 3.15) a row that may be absent is first made to exist with
// INSERT OR IGNORE, then updated under the guard.
#include "store/sqlcipher_session.hpp"

#include "core/message_text.hpp"
#include "store/sqlcipher_session_rows.hpp"
#include "store/sqlite.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

namespace linkvault {

namespace {

#define LV_GRANT_COLUMNS \
  "state_hash, tenant, integration_id, sealed_verifier, redirect_uri, created_at, expires_at"

// The rate bucket's columns, then whether both token counts are stored as
// REAL: column_real() would read text that a broken or edited row holds as
// 0.0 tokens, silently.
#define LV_BUCKET_COLUMNS                                                       \
  "tenant, integration_id, minute_tokens, hour_tokens, refilled_at, blocked_until, " \
  "typeof(minute_tokens) = 'real' AND typeof(hour_tokens) = 'real'"

OAuthGrantRecord read_grant(const sql::Statement& row) {
  OAuthGrantRecord grant;
  const auto hash = row.column_blob(0);
  if (hash.size() != grant.state_hash.size()) {
    throw Error(ErrorCode::integrity,
                fmt::format("a stored OAuth grant's state hash has {} bytes, not 32",
                            hash.size()));
  }
  std::memcpy(grant.state_hash.data(), hash.data(), hash.size());
  grant.tenant = row.column_text(1);
  grant.integration_id = row.column_text(2);
  grant.sealed_verifier = row.column_blob(3);
  grant.redirect_uri = row.column_text(4);
  grant.created_at = row.column_int(5);
  grant.expires_at = row.column_int(6);
  return grant;
}

RateBucketRecord read_bucket(const sql::Statement& row) {
  RateBucketRecord bucket;
  bucket.tenant = row.column_text(0);
  bucket.integration_id = row.column_text(1);
  bucket.minute_tokens = row.column_real(2);
  bucket.hour_tokens = row.column_real(3);
  bucket.refilled_at = row.column_int(4);
  bucket.blocked_until = row.column_int(5);
  if (row.column_int(6) == 0 || !std::isfinite(bucket.minute_tokens) ||
      !std::isfinite(bucket.hour_tokens)) {
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

RefreshState SqlCipherSession::load_refresh_state(std::string_view tenant,
                                                  std::string_view integration_id) {
  auto statement = active_->cached(
      "SELECT lease_token, lease_until, failures, cooldown_until FROM token_refresh "
      "WHERE tenant = ?1 AND integration_id = ?2");
  statement->bind(1, tenant).bind(2, integration_id);
  RefreshState state;
  if (!statement->step()) return state;
  state.lease_token = statement->column_text(0);
  state.lease_until = statement->column_int(1);
  state.failures = statement->column_int(2);
  state.cooldown_until = statement->column_int(3);
  return state;
}

bool SqlCipherSession::take_refresh_lease(std::string_view tenant,
                                          std::string_view integration_id,
                                          std::string_view token, TimeMs now, TimeMs until) {
  require_write_transaction("take_refresh_lease");
  // '' is what "no one holds it" is stored as: a lease taken with it could
  // be taken by anyone, and renewed or finished by anyone passing ''.
  if (token.empty()) {
    throw Error(ErrorCode::internal, "a refresh lease needs a non-empty token");
  }
  // An absent row becomes the all-defaults row (free), which the guarded
  // UPDATE then takes. If the row was there, the INSERT changed nothing, so
  // a refused take changes nothing either.
  auto insert = active_->cached(
      "INSERT OR IGNORE INTO token_refresh (tenant, integration_id) VALUES (?1, ?2)");
  insert->bind(1, tenant).bind(2, integration_id).run();
  auto take = active_->cached(
      "UPDATE token_refresh SET lease_token = ?3, lease_until = ?5 "
      "WHERE tenant = ?1 AND integration_id = ?2 AND (lease_token = '' OR lease_until <= ?4)");
  take->bind(1, tenant).bind(2, integration_id).bind(3, token).bind(4, now).bind(5, until);
  take->run();
  return active_->changes() == 1;
}

bool SqlCipherSession::renew_refresh_lease(std::string_view tenant,
                                           std::string_view integration_id,
                                           std::string_view token, TimeMs until) {
  require_write_transaction("renew_refresh_lease");
  if (token.empty()) return false;  // '' holds nothing (see take_refresh_lease)
  auto renew = active_->cached(
      "UPDATE token_refresh SET lease_until = ?4 "
      "WHERE tenant = ?1 AND integration_id = ?2 AND lease_token = ?3");
  renew->bind(1, tenant).bind(2, integration_id).bind(3, token).bind(4, until).run();
  return active_->changes() == 1;
}

bool SqlCipherSession::finish_refresh(std::string_view tenant, std::string_view integration_id,
                                      std::string_view token, std::int64_t failures,
                                      TimeMs cooldown_until) {
  require_write_transaction("finish_refresh");
  if (token.empty()) return false;  // '' holds nothing (see take_refresh_lease)
  auto finish = active_->cached(
      "UPDATE token_refresh SET failures = ?4, cooldown_until = ?5, lease_token = '', "
      "lease_until = 0 WHERE tenant = ?1 AND integration_id = ?2 AND lease_token = ?3");
  finish->bind(1, tenant).bind(2, integration_id).bind(3, token);
  finish->bind(4, failures).bind(5, cooldown_until).run();
  return active_->changes() == 1;
}

void SqlCipherSession::clear_refresh_failures(std::string_view tenant,
                                              std::string_view integration_id) {
  require_write_transaction("clear_refresh_failures");
  // No row already reads as no failures: nothing to insert.
  auto clear = active_->cached(
      "UPDATE token_refresh SET failures = 0, cooldown_until = 0 "
      "WHERE tenant = ?1 AND integration_id = ?2");
  clear->bind(1, tenant).bind(2, integration_id).run();
}

// ---- expiring tokens -------------------------------------------------------

std::vector<Integration> SqlCipherSession::expiring_integrations(
    std::optional<std::string_view> tenant, TimeMs before) {
  std::vector<Integration> integrations;
  const auto collect = [&](sql::Statement& statement) {
    while (statement.step()) {
      integrations.push_back(std::move(read_integration(statement).integration));
    }
  };
  if (tenant) {
    // One tenant: its connected rows (a handful) from the status index,
    // sorted here; walking the expiry index would pass every other
    // tenant's expiring tokens.
    auto statement = active_->cached(
        "SELECT " LV_INTEGRATION_COLUMNS " FROM integrations "
        "INDEXED BY integrations_by_tenant_status "
        "WHERE tenant = ?1 AND status = 'connected' AND expires_at IS NOT NULL "
        "AND expires_at <= ?2 ORDER BY expires_at, id");
    statement->bind(1, *tenant).bind(2, before);
    collect(*statement);
  } else {
    // Every tenant: the partial expiry index, already in order. Its own
    // WHERE is repeated so SQLite 3.15 can use it.
    auto statement = active_->cached(
        "SELECT " LV_INTEGRATION_COLUMNS " FROM integrations "
        "INDEXED BY integrations_expiring "
        "WHERE status = 'connected' AND expires_at IS NOT NULL AND expires_at <= ?1 "
        "ORDER BY expires_at, id");
    statement->bind(1, before);
    collect(*statement);
  }
  return integrations;
}

// ---- OAuth clients ---------------------------------------------------------

void SqlCipherSession::put_oauth_client(const OAuthClientRecord& client) {
  require_write_transaction("put_oauth_client");
  auto statement = active_->cached(
      "INSERT OR REPLACE INTO oauth_clients (provider, client_id, sealed_secret, updated_at) "
      "VALUES (?1, ?2, ?3, ?4)");
  statement->bind(1, client.provider).bind(2, client.client_id);
  if (client.sealed_secret.empty()) {
    statement->bind_null(3);
  } else {
    statement->bind(3, std::span<const std::uint8_t>(client.sealed_secret));
  }
  statement->bind(4, client.updated_at).run();
}

std::optional<OAuthClientRecord> SqlCipherSession::load_oauth_client(std::string_view provider) {
  auto statement = active_->cached(
      "SELECT provider, client_id, sealed_secret, updated_at FROM oauth_clients "
      "WHERE provider = ?1");
  statement->bind(1, provider);
  if (!statement->step()) return std::nullopt;
  OAuthClientRecord client;
  client.provider = statement->column_text(0);
  client.client_id = statement->column_text(1);
  client.sealed_secret = statement->column_blob(2);  // NULL reads as empty
  client.updated_at = statement->column_int(3);
  return client;
}

// ---- pending grants --------------------------------------------------------

void SqlCipherSession::insert_oauth_grant(const OAuthGrantRecord& grant) {
  require_write_transaction("insert_oauth_grant");
  // OR IGNORE: a taken hash is no failed statement (the transaction goes on
  // to roll back cleanly), and is reported by what changed.
  auto statement = active_->cached(
      "INSERT OR IGNORE INTO oauth_grants (" LV_GRANT_COLUMNS ") "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  statement->bind(1, hash_bytes(grant.state_hash)).bind(2, grant.tenant);
  statement->bind(3, grant.integration_id);
  statement->bind(4, std::span<const std::uint8_t>(grant.sealed_verifier));
  statement->bind(5, grant.redirect_uri).bind(6, grant.created_at).bind(7, grant.expires_at);
  statement->run();
  if (active_->changes() != 1) {
    throw Error(ErrorCode::already_exists, "an OAuth grant with this state already exists");
  }
}

std::optional<OAuthGrantRecord> SqlCipherSession::take_oauth_grant(
    std::string_view tenant, const std::array<std::uint8_t, 32>& state_hash, TimeMs now) {
  require_write_transaction("take_oauth_grant");
  std::optional<OAuthGrantRecord> grant;
  {
    // Another tenant's or an expired grant is not found, so it stays: the
    // expired ones go with delete_expired_oauth_grants.
    auto select = active_->cached(
        "SELECT " LV_GRANT_COLUMNS " FROM oauth_grants "
        "WHERE state_hash = ?1 AND tenant = ?2 AND expires_at > ?3");
    select->bind(1, hash_bytes(state_hash)).bind(2, tenant).bind(3, now);
    if (!select->step()) return std::nullopt;
    grant = read_grant(*select);
  }  // the SELECT is reset before the DELETE writes the same row
  auto remove = active_->cached("DELETE FROM oauth_grants WHERE state_hash = ?1");
  remove->bind(1, hash_bytes(state_hash)).run();
  if (active_->changes() != 1) {
    throw Error(ErrorCode::internal, "an OAuth grant read in this transaction was not deleted");
  }
  return grant;
}

std::int64_t SqlCipherSession::delete_expired_oauth_grants(TimeMs now) {
  require_write_transaction("delete_expired_oauth_grants");
  auto statement = active_->cached(
      "DELETE FROM oauth_grants INDEXED BY oauth_grants_by_expiry WHERE expires_at <= ?1");
  statement->bind(1, now).run();
  return active_->changes();
}

// ---- rate-limit buckets ----------------------------------------------------

std::optional<RateBucketRecord> SqlCipherSession::load_rate_bucket(
    std::string_view tenant, std::string_view integration_id) {
  auto statement = active_->cached(
      "SELECT " LV_BUCKET_COLUMNS " FROM rate_buckets "
      "WHERE tenant = ?1 AND integration_id = ?2");
  statement->bind(1, tenant).bind(2, integration_id);
  if (!statement->step()) return std::nullopt;
  return read_bucket(*statement);
}

void SqlCipherSession::put_rate_bucket(const RateBucketRecord& bucket) {
  require_write_transaction("put_rate_bucket");
  // SQLite stores a NaN as NULL (refused by NOT NULL, with a less helpful
  // error) and an infinity as is: neither is a token count.
  if (!std::isfinite(bucket.minute_tokens) || !std::isfinite(bucket.hour_tokens)) {
    throw Error(ErrorCode::internal,
                fmt::format("rate bucket token counts of integration {} are not finite",
                            quote_for_message(bucket.integration_id)));
  }
  auto statement = active_->cached(
      "INSERT OR REPLACE INTO rate_buckets (tenant, integration_id, minute_tokens, "
      "hour_tokens, refilled_at, blocked_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  statement->bind(1, bucket.tenant).bind(2, bucket.integration_id);
  statement->bind_real(3, bucket.minute_tokens).bind_real(4, bucket.hour_tokens);
  statement->bind(5, bucket.refilled_at).bind(6, bucket.blocked_until).run();
}

}  // namespace linkvault
