// A fresh, empty vault location on the test server (scripts/test-postgres.sh
// exports LINKVAULT_TEST_POSTGRES): a new schema with a random name, and the
// server's URI with that schema as the connection's search_path, which is
// where PostgresStore keeps a vault's tables. Shared by every suite that
// runs against PostgreSQL; schemas are never dropped (the server is thrown
// away after the run).
#pragma once

#include "store/postgres_connection.hpp"

#include <botan/hex.h>
#include <botan/system_rng.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace linkvault::testing {

// The server's URI; throws if the suite was started without one.
inline std::string postgres_server_uri() {
  const char* uri = std::getenv("LINKVAULT_TEST_POSTGRES");
  if (uri == nullptr || *uri == '\0') {
    throw std::runtime_error("LINKVAULT_TEST_POSTGRES is not set (scripts/test-postgres.sh)");
  }
  return uri;
}

// `uri` with `schema` as its search_path (libpq's options=-csearch_path=...,
// percent-encoded).
inline std::string uri_with_schema(const std::string& uri, const std::string& schema) {
  const char separator = uri.find('?') == std::string::npos ? '?' : '&';
  return uri + separator + "options=-csearch_path%3D" + schema;
}

// Creates a schema named lv_<16 random hex digits> and returns its name.
inline std::string create_fresh_schema() {
  std::array<std::uint8_t, 8> random{};
  Botan::system_rng().randomize(random.data(), random.size());
  const std::string schema = "lv_" + Botan::hex_encode(random.data(), random.size(), false);
  // The name is ours (hex digits), not an input: safe to put in the SQL.
  pg::Connection::open(postgres_server_uri())->exec_script("CREATE SCHEMA " + schema);
  return schema;
}

// The location of a new, empty vault: a fresh schema's URI.
inline std::string fresh_postgres_vault_uri() {
  return uri_with_schema(postgres_server_uri(), create_fresh_schema());
}

}  // namespace linkvault::testing
