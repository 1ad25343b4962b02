// Row readers shared by the SqlCipherSession files: the integration row is
// read by the integration queries (sqlcipher_session.cpp) and by the OAuth
// expiring-token queries (sqlcipher_session_oauth.cpp), one column order for
// both.
#pragma once

#include "store/store.hpp"
#include "store/store_rows.hpp"  // LV_INTEGRATION_COLUMNS

namespace linkvault {

namespace sql {
class Statement;
}

// The current row of a SELECT of LV_INTEGRATION_COLUMNS (in that order, from
// column 0); Error(INTEGRITY) for a stored value that is not valid.
IntegrationRecord read_integration(const sql::Statement& row);

}  // namespace linkvault
