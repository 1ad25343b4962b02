// Row readers shared by the PostgresSession files: the integration row is
// read by the integration queries and by the sweeps that return
// integrations, one column order (LV_INTEGRATION_COLUMNS) for all.
#pragma once

#include "store/postgres_connection.hpp"
#include "store/store.hpp"
#include "store/store_rows.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace linkvault {

// NULL → nullopt, else the BIGINT column's value.
std::optional<std::int64_t> optional_integer(const pg::Result& result, int row, int column);

// Row `row` of a SELECT of LV_INTEGRATION_COLUMNS (in that order, from
// column 0) run with binary results (the credentials are bytea);
// Error(INTEGRITY) for a stored value that is not valid.
IntegrationRecord read_integration(const pg::Result& result, int row);

// Every integration of a SELECT of LV_INTEGRATION_COLUMNS, without their
// credentials.
std::vector<Integration> read_integrations(const pg::Result& result);

}  // namespace linkvault
