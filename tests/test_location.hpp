// Where a test's vault lives. By default a file in the test's own
// directory (SQLCipher); with LINKVAULT_TEST_BACKEND=postgresql a fresh
// schema on the server of LINKVAULT_TEST_POSTGRES (scripts/test-postgres.sh),
// so that the same suites run over both backends. Every test that opens a
// vault takes its location from here.
#pragma once

#include "postgres/fresh_schema.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

namespace linkvault::testing {

// Whether this run puts its vaults on PostgreSQL.
inline bool testing_postgres() {
  const char* backend = std::getenv("LINKVAULT_TEST_BACKEND");
  return backend != nullptr && std::string_view(backend) == "postgresql";
}

// A new vault's location: `dir`/`file_name`, or on PostgreSQL a fresh,
// empty schema (the name then only tells the test's vaults apart).
inline std::string test_vault_location(const std::string& dir,
                                       std::string_view file_name = "test.vault") {
  if (testing_postgres()) return fresh_postgres_vault_uri();
  return dir + "/" + std::string(file_name);
}

}  // namespace linkvault::testing
