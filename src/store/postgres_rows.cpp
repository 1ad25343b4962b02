#include "store/postgres_rows.hpp"

namespace linkvault {

std::optional<std::int64_t> optional_integer(const pg::Result& result, int row, int column) {
  if (result.is_null(row, column)) return std::nullopt;
  return result.integer(row, column);
}

IntegrationRecord read_integration(const pg::Result& result, int row) {
  IntegrationRecord record;
  Integration& i = record.integration;
  i.id = result.text(row, 0);
  i.tenant = result.text(row, 1);
  i.provider = result.text(row, 2);
  i.name = result.text(row, 3);
  i.account = result.optional_text(row, 4);
  i.status = parse_stored<IntegrationStatus>(result.text(row, 5), parse_integration_status,
                                             "status");
  record.sealed_credentials = result.bytes(row, 6);  // empty for NULL (disconnected)
  i.credential_mask = result.text(row, 7);
  i.scopes = scopes_from_json(result.text(row, 8));
  i.expires_at = optional_integer(result, row, 9);
  i.connected_by = result.text(row, 10);
  i.connected_at = optional_integer(result, row, 11);
  i.disconnected_at = optional_integer(result, row, 12);
  i.last_used_at = optional_integer(result, row, 13);
  i.last_refreshed_at = optional_integer(result, row, 14);
  i.refresh_count = result.integer(row, 15);
  i.last_error = result.optional_text(row, 16);
  if (!result.is_null(row, 17)) i.sync_config = parse_sync_config(result.text(row, 17));
  i.last_sync_at = optional_integer(result, row, 18);
  if (!result.is_null(row, 19)) {
    i.last_sync_status =
        parse_stored<SyncOutcome>(result.text(row, 19), parse_sync_outcome, "sync status");
  }
  i.created_at = result.integer(row, 20);
  i.updated_at = result.integer(row, 21);
  return record;
}

std::vector<Integration> read_integrations(const pg::Result& result) {
  std::vector<Integration> integrations;
  integrations.reserve(static_cast<std::size_t>(result.rows()));
  for (int row = 0; row < result.rows(); ++row) {
    integrations.push_back(std::move(read_integration(result, row).integration));
  }
  return integrations;
}

}  // namespace linkvault
