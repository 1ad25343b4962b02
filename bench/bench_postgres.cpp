#include "bench_postgres.hpp"

#include <botan/hex.h>
#include <botan/system_rng.h>
#include <fmt/format.h>
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace linkvault::bench {

namespace {

[[noreturn]] void die(const std::string& what, pg_conn* connection) {
  std::fprintf(stderr, "linkvault-bench: PostgreSQL %s failed: %s\n", what.c_str(),
               connection != nullptr ? PQerrorMessage(connection) : "no connection");
  std::abort();
}

pg_conn* connect_or_die(const std::string& location) {
  pg_conn* connection = PQconnectdb(location.c_str());
  if (PQstatus(connection) != CONNECTION_OK) die("connect", connection);
  return connection;
}

// One statement, no parameters, on a short-lived connection (set-up only).
std::string query_one(const std::string& server, const std::string& sql) {
  pg_conn* connection = connect_or_die(server);
  PGresult* result = PQexec(connection, sql.c_str());
  const auto status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) die(sql, connection);
  std::string value = PQntuples(result) > 0 ? PQgetvalue(result, 0, 0) : "";
  PQclear(result);
  PQfinish(connection);
  return value;
}

struct CreatedSchemas {
  std::mutex mutex;
  std::string server;
  std::vector<std::string> names;
};

CreatedSchemas& created_schemas() {
  static CreatedSchemas schemas;
  return schemas;
}

void drop_created_schemas() {
  CreatedSchemas& schemas = created_schemas();
  std::lock_guard lock(schemas.mutex);
  for (const std::string& name : schemas.names) {
    pg_conn* connection = PQconnectdb(schemas.server.c_str());
    if (PQstatus(connection) == CONNECTION_OK) {
      PQclear(PQexec(connection, fmt::format("SET client_min_messages = warning; DROP SCHEMA {} CASCADE", name).c_str()));
    }
    PQfinish(connection);
  }
  schemas.names.clear();
}

}  // namespace

std::optional<std::string> postgres_server() {
  for (const char* variable : {"LINKVAULT_BENCH_POSTGRES", "LINKVAULT_TEST_POSTGRES"}) {
    const char* value = std::getenv(variable);
    if (value != nullptr && *value != '\0') return std::string(value);
  }
  return std::nullopt;
}

bool skip_without_postgres(const std::string& workload) {
  if (postgres_server()) return false;
  fmt::print("{{\"workload\": \"{}\", \"skipped\": \"no PostgreSQL (set "
             "LINKVAULT_BENCH_POSTGRES, or run under scripts/test-postgres.sh)\"}}\n",
             workload);
  std::fflush(stdout);
  return true;
}

std::string fresh_postgres_location(const std::string& server) {
  std::uint8_t random[8];
  Botan::system_rng().randomize(random, sizeof random);
  // Random hex only: safe to name in SQL and in the URI without quoting.
  const std::string schema = "lv_bench_" + Botan::hex_encode(random, sizeof random, false);
  query_one(server, "CREATE SCHEMA " + schema);
  {
    CreatedSchemas& schemas = created_schemas();
    std::lock_guard lock(schemas.mutex);
    if (schemas.server.empty()) {
      schemas.server = server;
      std::atexit(drop_created_schemas);
    }
    schemas.names.push_back(schema);
  }
  const char separator = server.find('?') == std::string::npos ? '?' : '&';
  return fmt::format("{}{}options=-csearch_path%3D{}", server, separator, schema);
}

std::string postgres_server_fields(const std::string& server) {
  return fmt::format(", \"server\": \"PostgreSQL {}\", \"server_fsync\": \"{}\"",
                     query_one(server, "SHOW server_version"), query_one(server, "SHOW fsync"));
}

BareConnection::BareConnection(const std::string& location)
    : connection_(connect_or_die(location)) {}

BareConnection::~BareConnection() { PQfinish(connection_); }

void BareConnection::exec(const char* sql) {
  PGresult* result = PQexec(connection_, sql);
  const auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) die(sql, connection_);
  PQclear(result);
}

std::int64_t BareConnection::run(const std::string& name, const char* sql,
                                 std::initializer_list<Param> params, bool binary_results) {
  constexpr int max_params = 32;
  const int count = static_cast<int>(params.size());
  if (count > max_params) std::abort();
  if (!prepared_.contains(name)) {
    PGresult* prepared = PQprepare(connection_, name.c_str(), sql, 0, nullptr);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) die(fmt::format("prepare {}", name), connection_);
    PQclear(prepared);
    prepared_.insert(name);
  }
  // Text parameters need NUL-terminated copies; bytes go as binary bytea.
  std::string texts[max_params];
  const char* values[max_params];
  int lengths[max_params];
  int formats[max_params];
  int n = 0;
  for (const Param& param : params) {
    if (param.is_bytes) {
      values[n] = reinterpret_cast<const char*>(param.bytes.data());
      lengths[n] = static_cast<int>(param.bytes.size());
      formats[n] = 1;
    } else if (param.text) {
      texts[n].assign(*param.text);
      values[n] = texts[n].c_str();
      lengths[n] = 0;
      formats[n] = 0;
    } else {
      values[n] = nullptr;
      lengths[n] = 0;
      formats[n] = 0;
    }
    ++n;
  }
  PGresult* result = PQexecPrepared(connection_, name.c_str(), count, values, lengths, formats,
                                    binary_results ? 1 : 0);
  const auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) die(name, connection_);
  const std::int64_t rows = status == PGRES_TUPLES_OK ? PQntuples(result)
                                                      : std::atoll(PQcmdTuples(result));
  PQclear(result);
  return rows;
}

}  // namespace linkvault::bench
