// PostgresStore — the Store backend on a PostgreSQL server (15 or newer),
// for hosts whose processes run on many machines: the vault's tables live in
// the connection's current schema (the first of its search_path), reached
// through a bounded pool of libpq connections.
//
// The database pages are not encrypted by us: credentials, keys, client
// secrets and PKCE verifiers are sealed exactly as in a file vault, and the
// rest is readable by the database's operator (docs/SEMANTICS.md
// "PostgreSQL"). Instead of a page key the store keeps, in `meta`, the
// vault's salt and a key check: HMAC-SHA256(database key,
// "linkvault/v1/postgres-key-check"), so a wrong master secret fails with
// WRONG_KEY before anything is read or written. Thread-safe.
#pragma once

#include "store/open_store.hpp"
#include "store/postgres_connection.hpp"
#include "store/store.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace linkvault {

// The newest PostgreSQL schema version this library writes (the count of
// its PostgreSQL migrations; the file format counts its own).
int latest_postgres_schema_version() noexcept;

class PostgresStore final : public Store {
 public:
  // At most this many connections per store; session() waits for one to be
  // returned (at most the busy timeout, then BUSY).
  static constexpr std::size_t max_connections = 16;

  // Opens (or, with options.create, creates) the vault at `uri`.
  // INVALID_ARGUMENT for a URI libpq cannot parse or a connection without a
  // current schema; IO when the server cannot be reached; NOT_FOUND when
  // there is no vault there and !options.create; INVALID_ARGUMENT when the
  // schema holds tables that are not a vault; FAILED_PRECONDITION for a
  // schema newer than this library, or a role that bypasses row-level
  // security (SUPERUSER or BYPASSRLS); WRONG_KEY for a wrong master secret.
  // Migrations run under an advisory lock, so processes opening at once
  // migrate exactly once. No message carries the URI's password.
  static std::unique_ptr<PostgresStore> open(const std::string& uri, const StoreOptions& options,
                                             const DatabaseKeyForSalt& database_key_for);

  ~PostgresStore() override;
  std::unique_ptr<StoreSession> session() override;
  void close() noexcept override;

  int busy_timeout_ms() const noexcept { return busy_timeout_ms_; }
  // A new connection with the vault's session settings (lock_timeout = the
  // busy timeout); IO if the server cannot be reached.
  std::unique_ptr<pg::Connection> open_connection() const;
  // Returns a session's connection to the pool; a broken one (the server
  // went away) is dropped, so the next session connects afresh.
  void release(std::unique_ptr<pg::Connection> connection) noexcept;

 private:
  PostgresStore(std::string uri, int busy_timeout_ms);
  void migrate(pg::Connection& connection, const StoreOptions& options,
               const DatabaseKeyForSalt& database_key_for);

  std::string uri_;
  int busy_timeout_ms_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<pg::Connection>> idle_;
  std::size_t in_use_ = 0;  // connections lent to sessions
  bool closed_ = false;
};

}  // namespace linkvault
