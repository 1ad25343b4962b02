// The TenantStore operations of PostgresSession: the quota lives on the
// tenant's `tenants` row, the row enter_tenant() locks in a write
// transaction.
#include "store/postgres_session.hpp"

#include <string>

namespace linkvault {

std::optional<std::int64_t> PostgresSession::quota(std::string_view tenant) {
  enter_tenant(tenant);
  if (const TenantRow* held = held_tenant_row(tenant)) return held->max_integrations;
  const pg::Result result = run("lv_quota",
                                "SELECT max_integrations FROM tenants WHERE tenant = $1",
                                {pg::Param::of(tenant)});
  if (result.rows() == 0 || result.is_null(0, 0)) return std::nullopt;
  return result.integer(0, 0);
}

void PostgresSession::set_quota(std::string_view tenant,
                                std::optional<std::int64_t> max_integrations) {
  enter_tenant(tenant);
  const std::string max_text = max_integrations ? std::to_string(*max_integrations) : "";
  run("lv_set_quota",
      "INSERT INTO tenants (tenant, max_integrations) VALUES ($1, $2) "
      "ON CONFLICT (tenant) DO UPDATE SET max_integrations = EXCLUDED.max_integrations",
      {pg::Param::of(tenant),
       max_integrations ? pg::Param::of(max_text) : pg::Param::null_value()});
  if (TenantRow* held = held_tenant_row(tenant)) held->max_integrations = max_integrations;
}

TenantRowCounts PostgresSession::delete_tenant_rows(std::string_view tenant) {
  // Entering first holds the tenant's row: no other writer adds a row of
  // this tenant while its rows go.
  enter_tenant(tenant);
  const pg::Param key = pg::Param::of(tenant);
  TenantRowCounts counts;
  counts.activity =
      run("lv_delete_tenant_activity", "DELETE FROM activity WHERE tenant = $1", {key}).affected();
  counts.jobs =
      run("lv_delete_tenant_jobs", "DELETE FROM sync_jobs WHERE tenant = $1", {key}).affected();
  counts.integrations =
      run("lv_delete_tenant_integrations", "DELETE FROM integrations WHERE tenant = $1", {key})
          .affected();
  run("lv_delete_tenant_row", "DELETE FROM tenants WHERE tenant = $1", {key});
  if (TenantRow* held = held_tenant_row(tenant)) *held = TenantRow{};
  // The OAuth bookkeeping: not counted, as the quota row is not. The
  // tenant's grants go too, so no flow it began can complete.
  run("lv_delete_tenant_token_refresh", "DELETE FROM token_refresh WHERE tenant = $1", {key});
  run("lv_delete_tenant_oauth_grants", "DELETE FROM oauth_grants WHERE tenant = $1", {key});
  run("lv_delete_tenant_rate_buckets", "DELETE FROM rate_buckets WHERE tenant = $1", {key});
  // The record path (schema 2): not counted either.
  run("lv_delete_tenant_field_mappings", "DELETE FROM field_mappings WHERE tenant = $1", {key});
  run("lv_delete_tenant_records", "DELETE FROM records WHERE tenant = $1", {key});
  return counts;
}

}  // namespace linkvault
