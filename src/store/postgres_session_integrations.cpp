// The IntegrationStore operations of PostgresSession, and the two sweeps
// that return integrations (auto_sync_candidates for the JobStore,
// expiring_integrations for the OAuthStore), beside the integration row
// reader.
//
// Every write enters the tenant first, which in a write transaction locks
// the tenant's `tenants` row: writers of one tenant's integrations take
// turns there, so a count followed by an insert (the quota) sees no other
// writer's row land in between. Text is ordered COLLATE "C" throughout: byte
// order, as SQLite's BINARY collation orders it, whatever the database's
// locale.
#include "store/postgres_session.hpp"

#include "core/message_text.hpp"
#include "store/postgres_params.hpp"
#include "store/postgres_rows.hpp"

#include <fmt/format.h>

#include <string>

namespace linkvault {

namespace {

// Runs `sql` with the record's columns bound to $1..$22, in
// LV_INTEGRATION_COLUMNS order.
pg::Result run_with_integration(PostgresSession& session, const std::string& name,
                                const std::string& sql, const IntegrationRecord& record) {
  const Integration& i = record.integration;
  // The text the list does not own must outlive it: these locals do.
  const std::string scopes = scopes_to_json(i.scopes);
  const std::optional<std::string> sync_config =
      i.sync_config ? std::optional<std::string>(to_json(*i.sync_config)) : std::nullopt;
  pg::ParamList params;
  params.text(i.id).text(i.tenant).text(i.provider).text(i.name).optional_text(i.account);
  params.text(to_string(i.status));
  // Disconnected rows keep no credentials: NULL, as SQLite stores them.
  if (record.sealed_credentials.empty()) {
    params.null();
  } else {
    params.bytes(record.sealed_credentials);
  }
  params.text(i.credential_mask).text(scopes).optional_integer(i.expires_at);
  params.text(i.connected_by).optional_integer(i.connected_at);
  params.optional_integer(i.disconnected_at).optional_integer(i.last_used_at);
  params.optional_integer(i.last_refreshed_at).integer(i.refresh_count);
  params.optional_text(i.last_error).optional_text(sync_config).optional_integer(i.last_sync_at);
  if (i.last_sync_status) {
    params.text(to_string(*i.last_sync_status));
  } else {
    params.null();
  }
  params.integer(i.created_at).integer(i.updated_at);
  return session.run(name, sql, params.params());
}

const std::string insert_integration_sql =
    "INSERT INTO integrations (" LV_INTEGRATION_COLUMNS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
    "$17, $18, $19, $20, $21, $22) ON CONFLICT (tenant, provider, name) DO NOTHING";

// Every column but the key, from $3..$22; the caller's WHERE names the row.
#define LV_UPDATE_INTEGRATION                                                   \
  "UPDATE integrations SET provider = $3, name = $4, account = $5, status = $6, " \
  "credentials = $7, credential_mask = $8, scopes = $9, expires_at = $10, "       \
  "connected_by = $11, connected_at = $12, disconnected_at = $13, "               \
  "last_used_at = $14, last_refreshed_at = $15, refresh_count = $16, "            \
  "last_error = $17, sync_config = $18, last_sync_at = $19, "                     \
  "last_sync_status = $20, created_at = $21, updated_at = $22 "

QuotaWrite already_exists() {
  QuotaWrite taken;
  taken.outcome = QuotaWrite::Outcome::already_exists;
  return taken;
}

// The quota decision, as SQLite makes it: the tenant's quota, and only when
// it has one, its live (not disconnected) integrations. The caller holds
// the tenant's row, so the count stays true until its write.
QuotaWrite check_quota(PostgresSession& session, std::string_view tenant) {
  QuotaWrite result;
  result.max = session.quota(tenant);
  if (!result.max) return result;
  const pg::Result live = session.run(
      "lv_count_live_integrations",
      "SELECT count(*) FROM integrations WHERE tenant = $1 AND status != 'disconnected'",
      {pg::Param::of(tenant)});
  result.live = live.integer(0, 0);
  if (result.live >= *result.max) result.outcome = QuotaWrite::Outcome::quota_exceeded;
  return result;
}

}  // namespace

std::optional<IntegrationRecord> PostgresSession::load_integration(std::string_view tenant,
                                                                   std::string_view id) {
  enter_tenant(tenant);
  // In a write transaction the caller goes on to update the row: hold it
  // until commit (its writers also take the tenant's row first, which this
  // transaction now holds; the row lock says the same for the row itself).
  const pg::Result result =
      in_write_transaction()
          ? run("lv_load_integration_for_update",
                "SELECT " LV_INTEGRATION_COLUMNS
                " FROM integrations WHERE id = $1 AND tenant = $2 FOR UPDATE",
                {pg::Param::of(id), pg::Param::of(tenant)}, true)
          : run("lv_load_integration",
                "SELECT " LV_INTEGRATION_COLUMNS " FROM integrations WHERE id = $1 AND tenant = $2",
                {pg::Param::of(id), pg::Param::of(tenant)}, true);
  if (result.rows() == 0) return std::nullopt;
  return read_integration(result, 0);
}

std::optional<IntegrationRecord> PostgresSession::find_integration(std::string_view tenant,
                                                                   std::string_view provider,
                                                                   std::string_view name) {
  enter_tenant(tenant);
  const pg::Result result = run(
      "lv_find_integration",
      "SELECT " LV_INTEGRATION_COLUMNS
      " FROM integrations WHERE tenant = $1 AND provider = $2 AND name = $3",
      {pg::Param::of(tenant), pg::Param::of(provider), pg::Param::of(name)}, true);
  if (result.rows() == 0) return std::nullopt;
  return read_integration(result, 0);
}

std::vector<Integration> PostgresSession::list_integrations(std::string_view tenant,
                                                            const ListFilter& filter) {
  enter_tenant(tenant);
  const pg::Param provider =
      filter.provider ? pg::Param::of(*filter.provider) : pg::Param::null_value();
  const pg::Param status =
      filter.status ? pg::Param::of(to_string(*filter.status)) : pg::Param::null_value();
  return read_integrations(run(
      "lv_list_integrations",
      "SELECT " LV_INTEGRATION_COLUMNS " FROM integrations WHERE tenant = $1 "
      "AND ($2::text IS NULL OR provider = $2::text) "
      "AND ($3::text IS NULL OR status = $3::text) "
      "ORDER BY created_at, id COLLATE \"C\"",
      {pg::Param::of(tenant), provider, status}, true));
}

QuotaWrite PostgresSession::insert_integration_within_quota(const IntegrationRecord& record) {
  require_write_transaction("insert_integration_within_quota");
  const Integration& i = record.integration;
  enter_tenant(i.tenant);  // the quota's lock: first, before the count
  QuotaWrite result = check_quota(*this, i.tenant);
  if (result.outcome != QuotaWrite::Outcome::written) {
    // A taken name wins over a full quota, as on SQLite. Looked up only
    // here: under the quota, the insert's ON CONFLICT tells a taken name
    // without a round trip of its own.
    if (find_integration(i.tenant, i.provider, i.name)) return already_exists();
    return result;
  }
  // The tenant's row keeps its other writers out; ON CONFLICT turns a taken
  // name into no row instead of a failed transaction.
  const pg::Result inserted =
      run_with_integration(*this, "lv_insert_integration", insert_integration_sql, record);
  if (inserted.affected() != 1) return already_exists();
  return result;
}

QuotaWrite PostgresSession::reconnect_integration_within_quota(const IntegrationRecord& record) {
  require_write_transaction("reconnect_integration_within_quota");
  const Integration& i = record.integration;
  enter_tenant(i.tenant);  // the quota's lock: first, before the count
  const auto stored = load_integration(i.tenant, i.id);
  if (!stored) {
    throw Error(ErrorCode::not_found,
                fmt::format("integration {} not found", quote_for_message(i.id)));
  }
  if (stored->integration.status != IntegrationStatus::disconnected) return already_exists();
  QuotaWrite result = check_quota(*this, i.tenant);
  if (result.outcome != QuotaWrite::Outcome::written) return result;
  const pg::Result updated = run_with_integration(
      *this, "lv_reconnect_integration",
      LV_UPDATE_INTEGRATION "WHERE id = $1 AND tenant = $2 AND status = 'disconnected'", record);
  if (updated.affected() != 1) return already_exists();
  return result;
}

void PostgresSession::update_integration(const IntegrationRecord& record) {
  enter_tenant(record.integration.tenant);
  const pg::Result updated = run_with_integration(
      *this, "lv_update_integration", LV_UPDATE_INTEGRATION "WHERE id = $1 AND tenant = $2",
      record);
  if (updated.affected() != 1) {
    throw Error(ErrorCode::not_found,
                fmt::format("integration {} not found", quote_for_message(record.integration.id)));
  }
}

bool PostgresSession::record_sync_result(std::string_view tenant, std::string_view id, TimeMs at,
                                         SyncOutcome outcome) {
  enter_tenant(tenant);
  const std::string at_text = std::to_string(at);
  const pg::Result updated = run(
      "lv_record_sync_result",
      "UPDATE integrations SET last_sync_at = $3, last_sync_status = $4, updated_at = $3 "
      "WHERE id = $1 AND tenant = $2",
      {pg::Param::of(id), pg::Param::of(tenant), pg::Param::of(at_text),
       pg::Param::of(to_string(outcome))});
  return updated.affected() == 1;
}

std::vector<Integration> PostgresSession::auto_sync_candidates() {
  // Every tenant's rows: the sweep scope's read policies. Ordered by tenant
  // first, so a caller that goes on to write several of these tenants
  // enters (locks) them in ascending order, the one lock order of writers.
  enter_scope("sweep");
  return read_integrations(run(
      "lv_auto_sync_candidates",
      "SELECT " LV_INTEGRATION_COLUMNS " FROM integrations i "
      "WHERE status = 'connected' AND sync_config IS NOT NULL AND NOT EXISTS "
      "(SELECT 1 FROM sync_jobs j WHERE j.integration_id = i.id "
      "AND j.status IN ('pending', 'running')) "
      "ORDER BY tenant COLLATE \"C\", created_at, id COLLATE \"C\"",
      {}, true));
}

std::vector<Integration> PostgresSession::expiring_integrations(
    std::optional<std::string_view> tenant, TimeMs before) {
  const std::string before_text = std::to_string(before);
  if (tenant) {
    enter_tenant(*tenant);
    return read_integrations(run(
        "lv_expiring_integrations_of_tenant",
        "SELECT " LV_INTEGRATION_COLUMNS " FROM integrations "
        "WHERE tenant = $1 AND status = 'connected' AND expires_at IS NOT NULL "
        "AND expires_at <= $2 ORDER BY expires_at, id COLLATE \"C\"",
        {pg::Param::of(*tenant), pg::Param::of(before_text)}, true));
  }
  enter_scope("sweep");
  return read_integrations(run(
      "lv_expiring_integrations",
      "SELECT " LV_INTEGRATION_COLUMNS " FROM integrations "
      "WHERE status = 'connected' AND expires_at IS NOT NULL AND expires_at <= $1 "
      "ORDER BY expires_at, id COLLATE \"C\"",
      {pg::Param::of(before_text)}, true));
}

}  // namespace linkvault
