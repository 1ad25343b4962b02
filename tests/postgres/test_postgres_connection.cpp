// The libpq layer of the PostgreSQL backend against a real PostgreSQL 15
// server (scripts/test-postgres.sh): connecting by URI, bound parameters of
// every kind, prepared statements, SQLSTATEs mapped to error codes, and no
// password in any message.
#include "store/postgres_connection.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

using namespace linkvault;
using namespace linkvault::pg;

namespace {

std::string server_uri() { return std::getenv("LINKVAULT_TEST_POSTGRES"); }

ErrorCode code_of(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const Error& error) {
    return error.code();
  }
  return ErrorCode::ok;
}

std::string message_of(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("postgres URIs are recognised and their passwords redacted") {
  CHECK(is_postgres_uri("postgresql://u@/db?host=/run/pg"));
  CHECK(is_postgres_uri("postgres://u@h/db"));
  CHECK_FALSE(is_postgres_uri("/var/lib/app/vault.db"));
  CHECK_FALSE(is_postgres_uri("postgresql:/x"));
  CHECK(redact_uri("postgresql://app:s3cret-pw@db.example:5432/vault") ==
        "postgresql://app:****@db.example:5432/vault");
  CHECK(redact_uri("postgresql://app@/vault?host=/run/pg&password=s3cret-pw&sslmode=disable") ==
        "postgresql://app@/vault?host=/run/pg&password=****&sslmode=disable");
  CHECK(redact_uri("postgresql://app@/vault?password=s3cret-pw") ==
        "postgresql://app@/vault?password=****");
  CHECK(redact_uri("postgresql://app@host/db") == "postgresql://app@host/db");
}

TEST_CASE("SQLSTATEs map to the library's codes") {
  CHECK(error_code_for_sqlstate("40001") == ErrorCode::busy);
  CHECK(error_code_for_sqlstate("40P01") == ErrorCode::busy);
  CHECK(error_code_for_sqlstate("23505") == ErrorCode::already_exists);
  CHECK(error_code_for_sqlstate("08006") == ErrorCode::io);
  CHECK(error_code_for_sqlstate("57P01") == ErrorCode::io);
  CHECK(error_code_for_sqlstate("42501") == ErrorCode::permission_denied);
  CHECK(error_code_for_sqlstate("42P01") == ErrorCode::internal);
}

TEST_CASE("a connection runs scripts and prepared statements with bound parameters") {
  auto connection = Connection::open(server_uri());
  REQUIRE(connection->ok());
  connection->exec_script(
      "DROP TABLE IF EXISTS pg_layer_test; "
      "CREATE TABLE pg_layer_test (id text PRIMARY KEY, n bigint, blob bytea, note text)");
  const std::vector<std::uint8_t> blob{0x00, 0xff, 0x27, 0x5c, 0x00};
  // A value that would break SQL if it were spliced in.
  const std::string tricky = "it's; DROP TABLE pg_layer_test; --";
  const Param insert[] = {Param::of("a"), Param::of("42"), Param::of_bytes(blob),
                          Param::of(tricky)};
  const std::string insert_sql =
      "INSERT INTO pg_layer_test (id, n, blob, note) VALUES ($1, $2, $3, $4)";
  CHECK(connection->exec("insert", insert_sql, insert).affected() == 1);
  const Param second[] = {Param::of("b"), Param::null_value(), Param::of_bytes({}),
                          Param::null_value()};
  CHECK(connection->exec("insert", insert_sql, second).affected() == 1);  // prepared once

  const Param key[] = {Param::of("a")};
  const Result row = connection->exec(
      "select", "SELECT n, blob, note FROM pg_layer_test WHERE id = $1", key, true);
  REQUIRE(row.rows() == 1);
  CHECK(row.integer(0, 0) == 42);
  CHECK(row.bytes(0, 1) == blob);
  CHECK(row.optional_text(0, 2) == tricky);
  const Param other[] = {Param::of("b")};
  const Result nulls = connection->exec(
      "select", "SELECT n, blob, note FROM pg_layer_test WHERE id = $1", other, true);
  CHECK(nulls.is_null(0, 0));
  CHECK(nulls.bytes(0, 1).empty());
  CHECK_FALSE(nulls.optional_text(0, 2).has_value());
  const Result count = connection->exec("count", "SELECT count(*) FROM pg_layer_test", {});
  CHECK(count.integer(0, 0) == 2);

  // A unique violation is ALREADY_EXISTS; the connection stays usable.
  CHECK(code_of([&] { connection->exec("insert", insert_sql, insert); }) ==
        ErrorCode::already_exists);
  const std::string message = message_of([&] { connection->exec("insert", insert_sql, insert); });
  CHECK(message.find("23505") != std::string::npos);
  CHECK(message.find(tricky) == std::string::npos);  // DETAIL (the row's values) is dropped
  CHECK(connection->ok());
  CHECK(code_of([&] { connection->exec_script("SELECT * FROM no_such_table"); }) ==
        ErrorCode::internal);
  connection->exec_script("DROP TABLE pg_layer_test");
}

TEST_CASE("the library's role cannot bypass row-level security") {
  auto connection = Connection::open(server_uri());
  const Result role = connection->exec(
      "role", "SELECT rolsuper::text, rolbypassrls::text FROM pg_roles WHERE rolname = current_user",
      {});
  REQUIRE(role.rows() == 1);
  CHECK(role.text(0, 0) == "false");
  CHECK(role.text(0, 1) == "false");
}

TEST_CASE("connection failures are IO or INVALID_ARGUMENT and never show the password") {
  const std::string uri = server_uri();
  const auto host_at = uri.find("?host=");
  REQUIRE(host_at != std::string::npos);
  const std::string socket_dir = uri.substr(host_at + 6);
  const std::string wrong_db =
      "postgresql://linkvault_app:pw-s3cret-123@/no_such_db?host=" + socket_dir;
  CHECK(code_of([&] { Connection::open(wrong_db); }) == ErrorCode::io);
  const std::string message = message_of([&] { Connection::open(wrong_db); });
  CHECK(message.find("no_such_db") != std::string::npos);
  CHECK(message.find("pw-s3cret-123") == std::string::npos);
  CHECK(message.find("****") != std::string::npos);
  CHECK(code_of([&] { Connection::open("postgresql://a:b@/db?host=/nonexistent-dir-xyz"); }) ==
        ErrorCode::io);
  CHECK(code_of([&] { Connection::open("postgresql://u@/db?no_such_option=1"); }) ==
        ErrorCode::invalid_argument);
}
