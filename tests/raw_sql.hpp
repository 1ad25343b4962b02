// SQL on a vault's stored rows behind the library's back, for the tests that
// tamper with or inspect rows to check how the vault reacts, on either
// backend: on SQLCipher through a keyed raw connection to the file, on
// PostgreSQL through a raw libpq connection that first enters the row's
// tenant (row-level security applies to it as to the library: it sees and
// changes only that tenant's rows; tables without a tenant, such as
// `providers`, are visible whatever the tenant).
//
// Statements must be SQL both engines accept. Parameters are written ?1, ?2
// (rewritten to $1, $2 for PostgreSQL), every statement uses all of them,
// and each is text or a blob.
#pragma once

#include "linkvault/linkvault.hpp"
#include "store/postgres_connection.hpp"
#include "store/sqlcipher_store.hpp"
#include "store/sqlite.hpp"
#include "vault/vault_access.hpp"

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace linkvault::testing {

using RawValue = std::variant<std::string, std::vector<std::uint8_t>>;

namespace raw_detail {

inline std::string postgres_placeholders(const std::string& sql) {
  std::string out = sql;
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '?' && std::isdigit(static_cast<unsigned char>(out[i + 1]))) out[i] = '$';
  }
  return out;
}

inline std::vector<pg::Param> postgres_params(const std::vector<RawValue>& values) {
  std::vector<pg::Param> params;
  for (const auto& value : values) {
    if (const auto* text = std::get_if<std::string>(&value)) {
      params.push_back(pg::Param::of(*text));
    } else {
      params.push_back(pg::Param::of_bytes(std::get<std::vector<std::uint8_t>>(value)));
    }
  }
  return params;
}

inline void bind_sqlite(sql::Statement& statement, const std::vector<RawValue>& values) {
  int index = 1;
  for (const auto& value : values) {
    if (const auto* text = std::get_if<std::string>(&value)) {
      statement.bind(index++, std::string_view(*text));
    } else {
      statement.bind(index++, std::span<const std::uint8_t>(
                                  std::get<std::vector<std::uint8_t>>(value)));
    }
  }
}

inline std::unique_ptr<sql::Connection> sqlite_connection(Vault& vault) {
  return dynamic_cast<SqlCipherStore&>(VaultAccess::core(vault)->store()).open_connection();
}

// A raw connection to `location` inside a write transaction in `tenant`'s
// context.
inline std::unique_ptr<pg::Connection> postgres_in_tenant(const std::string& location,
                                                          std::string_view tenant) {
  auto connection = pg::Connection::open(location);
  connection->exec_script("BEGIN");
  const std::string marked = "=" + std::string(tenant);  // the setting's form
  const pg::Param context[] = {pg::Param::of(marked)};
  connection->exec("raw_enter", "SELECT set_config('linkvault.tenant', $1, true)", context);
  return connection;
}

}  // namespace raw_detail

// Runs `statements` in one transaction in `tenant`'s context; returns the
// rows the last one changed. Throws Error (PostgreSQL) or the SQLite
// layer's error when a statement fails (nothing is then committed).
inline std::int64_t raw_exec(Vault& vault, const std::string& location, std::string_view tenant,
                             const std::vector<std::string>& statements,
                             const std::vector<RawValue>& params = {}) {
  std::int64_t changed = 0;
  if (pg::is_postgres_uri(location)) {
    auto connection = raw_detail::postgres_in_tenant(location, tenant);
    const auto bound = raw_detail::postgres_params(params);
    int n = 0;
    for (const auto& statement : statements) {
      changed = connection
                    ->exec("raw_" + std::to_string(n++),
                           raw_detail::postgres_placeholders(statement), bound)
                    .affected();
    }
    connection->exec_script("COMMIT");
    return changed;
  }
  auto connection = raw_detail::sqlite_connection(vault);
  connection->exec("BEGIN IMMEDIATE");
  try {
    for (const auto& statement : statements) {
      sql::Statement prepared(connection->handle(), statement);
      raw_detail::bind_sqlite(prepared, params);
      prepared.run();
      changed = connection->changes();
    }
  } catch (...) {
    connection->exec("ROLLBACK");
    throw;
  }
  connection->exec("COMMIT");
  return changed;
}

// The first column of every row `query` returns in `tenant`'s context, as
// text (nullopt for NULL): for text and integer columns.
inline std::vector<std::optional<std::string>> raw_texts(Vault& vault, const std::string& location,
                                                         std::string_view tenant,
                                                         const std::string& query,
                                                         const std::vector<RawValue>& params = {}) {
  std::vector<std::optional<std::string>> out;
  if (pg::is_postgres_uri(location)) {
    auto connection = raw_detail::postgres_in_tenant(location, tenant);
    const auto result = connection->exec("raw_texts", raw_detail::postgres_placeholders(query),
                                         raw_detail::postgres_params(params));
    for (int row = 0; row < result.rows(); ++row) out.push_back(result.optional_text(row, 0));
    connection->exec_script("COMMIT");
    return out;
  }
  auto connection = raw_detail::sqlite_connection(vault);
  sql::Statement prepared(connection->handle(), query);
  raw_detail::bind_sqlite(prepared, params);
  while (prepared.step()) out.push_back(prepared.column_optional_text(0));
  return out;
}

// The blob in the first column of the first row `query` returns in
// `tenant`'s context; nullopt when there is no row or it is NULL.
inline std::optional<std::vector<std::uint8_t>> raw_blob(Vault& vault, const std::string& location,
                                                         std::string_view tenant,
                                                         const std::string& query,
                                                         const std::vector<RawValue>& params = {}) {
  if (pg::is_postgres_uri(location)) {
    auto connection = raw_detail::postgres_in_tenant(location, tenant);
    const auto result = connection->exec("raw_blob", raw_detail::postgres_placeholders(query),
                                         raw_detail::postgres_params(params), true);
    connection->exec_script("COMMIT");
    if (result.rows() == 0 || result.is_null(0, 0)) return std::nullopt;
    return result.bytes(0, 0);
  }
  auto connection = raw_detail::sqlite_connection(vault);
  sql::Statement prepared(connection->handle(), query);
  raw_detail::bind_sqlite(prepared, params);
  if (!prepared.step() || prepared.is_null(0)) return std::nullopt;
  return prepared.column_blob(0);
}

}  // namespace linkvault::testing
