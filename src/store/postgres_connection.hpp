// PostgreSQL through libpq, the way the PostgreSQL backend uses it: one
// RAII connection, results that free themselves, parameters always bound
// (never spliced into SQL), statements prepared once per connection, and
// SQLSTATEs mapped to the library's error codes (internal: not installed).
//
// Messages never carry a password: URIs are redacted, and of a server error
// only the SQLSTATE and the primary message are kept (the DETAIL line may
// quote row values). A Connection is used by one thread at a time.
#pragma once

#include "linkvault/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace linkvault::pg {

// "postgresql://..." or "postgres://...": a location Vault::open gives to the
// PostgreSQL backend rather than to SQLCipher.
bool is_postgres_uri(std::string_view location) noexcept;

// The URI with the password of its user information (and any password=
// query parameter) replaced by "****", for messages.
std::string redact_uri(std::string_view uri);

// The library's error code for a server's SQLSTATE: serialization failures
// and deadlocks (40001, 40P01) and lock timeouts (55P03) are BUSY (the caller retries them), a unique
// violation ALREADY_EXISTS, lost connections and shutdowns (class 08, 57P01-
// 57P03) IO, insufficient privilege PERMISSION_DENIED, anything else
// INTERNAL.
ErrorCode error_code_for_sqlstate(std::string_view sqlstate) noexcept;

// One bound parameter: SQL NULL, text, or bytes (sent as binary bytea).
struct Param {
  enum class Kind { null, text, bytes } kind = Kind::null;
  std::string_view text;
  std::span<const std::uint8_t> bytes;

  static Param null_value() { return {}; }
  static Param of(std::string_view value) { return {Kind::text, value, {}}; }
  static Param of_bytes(std::span<const std::uint8_t> value) { return {Kind::bytes, {}, value}; }
};

class Result {
 public:
  explicit Result(pg_result* result) noexcept : result_(result) {}
  int rows() const noexcept;
  bool is_null(int row, int column) const noexcept;
  std::string_view text(int row, int column) const noexcept;  // "" for NULL
  std::optional<std::string> optional_text(int row, int column) const;
  std::int64_t integer(int row, int column) const;  // Error(INTERNAL) if not one
  double real(int row, int column) const;           // a DOUBLE PRECISION column
  // A bytea column of a query run with binary results (exec's
  // `binary_results`).
  std::vector<std::uint8_t> bytes(int row, int column) const;
  // Rows an INSERT/UPDATE/DELETE changed.
  std::int64_t affected() const noexcept;

 private:
  struct Clear {
    void operator()(pg_result* result) const noexcept;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

class Connection {
 public:
  // Error(INVALID_ARGUMENT) for a URI libpq cannot parse; Error(IO) when the
  // server cannot be reached or refuses; both name the redacted URI.
  static std::unique_ptr<Connection> open(const std::string& uri);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL with no parameters (several statements allowed: migrations).
  void exec_script(const std::string& sql);
  // Runs one statement with bound parameters (a text parameter holding a
  // NUL byte is Error(INVALID_ARGUMENT): PostgreSQL text cannot). The statement is prepared
  // under `name` the first time this connection runs it. With
  // `binary_results` every column comes back in binary (for bytea).
  Result exec(const std::string& name, const std::string& sql, std::span<const Param> params,
              bool binary_results = false);
  // Whether the connection is still usable (false after the server went
  // away; the pool then drops it).
  bool ok() const noexcept;

 private:
  explicit Connection(pg_conn* connection) noexcept : connection_(connection) {}
  // The error of a failed command, as an Error; marks nothing.
  [[noreturn]] void throw_command_error(pg_result* result, std::string_view what) const;
  pg_conn* connection_;
  std::set<std::string, std::less<>> prepared_;
};

}  // namespace linkvault::pg
