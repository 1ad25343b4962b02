// Row readers shared by the SqlCipherSession files: the integration row is
// read by the integration queries (sqlcipher_session.cpp) and by the OAuth
// expiring-token queries (sqlcipher_session_oauth.cpp), one column order for
// both.
#pragma once

#include "store/store.hpp"

namespace linkvault {

namespace sql {
class Statement;
}

// Column order shared by every integration SELECT and read_integration().
#define LV_INTEGRATION_COLUMNS                                                 \
  "id, tenant, provider, name, account, status, credentials, credential_mask, " \
  "scopes, expires_at, connected_by, connected_at, disconnected_at, "          \
  "last_used_at, last_refreshed_at, refresh_count, last_error, sync_config, "  \
  "last_sync_at, last_sync_status, created_at, updated_at"

// The current row of a SELECT of LV_INTEGRATION_COLUMNS (in that order, from
// column 0); Error(INTEGRITY) for a stored value that is not valid.
IntegrationRecord read_integration(const sql::Statement& row);

}  // namespace linkvault
