#include "store/postgres_store.hpp"

#include "store/postgres_session.hpp"

#include "linkvault_postgres_migrations.inc"

#include <botan/hex.h>
#include <botan/mac.h>
#include <botan/mem_ops.h>
#include <botan/system_rng.h>
#include <fmt/format.h>

#include <chrono>
#include <optional>

namespace linkvault {

namespace {

constexpr std::string_view key_check_label = "linkvault/v1/postgres-key-check";

std::string key_check(const SecretBytes& database_key) {
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  mac->set_key(database_key);
  mac->update(reinterpret_cast<const std::uint8_t*>(key_check_label.data()),
              key_check_label.size());
  return Botan::hex_encode(mac->final(), false);
}

// The vault's `meta` row, or nullopt (no row, or no meta table yet).
std::optional<std::string> meta_value(pg::Connection& connection, const std::string& key) {
  const pg::Param params[] = {pg::Param::of(key)};
  pg::Result result = connection.exec(
      "lv_meta_value", "SELECT value FROM meta WHERE key = $1", params);
  if (result.rows() == 0) return std::nullopt;
  return std::string(result.text(0, 0));
}

bool has_meta_table(pg::Connection& connection) {
  pg::Result result = connection.exec(
      "lv_has_meta",
      "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
      "AND tablename = 'meta'",
      {});
  return result.rows() == 1;
}

int stored_schema_version(pg::Connection& connection) {
  if (!has_meta_table(connection)) return 0;
  const auto format = meta_value(connection, "format");
  if (!format || *format != "linkvault") {
    throw Error(ErrorCode::invalid_argument,
                "the PostgreSQL schema has a `meta` table that is not a linkvault vault's");
  }
  const auto version = meta_value(connection, "schema_version");
  if (!version) throw Error(ErrorCode::integrity, "the vault's meta has no schema_version");
  try {
    return std::stoi(*version);
  } catch (const std::exception&) {
    throw Error(ErrorCode::integrity, "the vault's meta schema_version is not a number");
  }
}

// Holds the session-level advisory lock of this schema's migrations.
class MigrationLock {
 public:
  explicit MigrationLock(pg::Connection& connection) : connection_(connection) {
    connection_.exec("lv_migrate_lock",
                     "SELECT pg_advisory_lock(hashtextextended('linkvault/migrate/' || "
                     "current_schema(), 0))",
                     {});
  }
  ~MigrationLock() {
    try {
      connection_.exec("lv_migrate_unlock",
                       "SELECT pg_advisory_unlock(hashtextextended('linkvault/migrate/' || "
                       "current_schema(), 0))",
                       {});
    } catch (const Error&) {
      // The connection is gone, and the server released the lock with it.
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  pg::Connection& connection_;
};

}  // namespace

int latest_postgres_schema_version() noexcept {
  return static_cast<int>(embedded::postgres_migration_all.size());
}

PostgresStore::PostgresStore(std::string uri, int busy_timeout_ms)
    : uri_(std::move(uri)), busy_timeout_ms_(busy_timeout_ms) {}

PostgresStore::~PostgresStore() { close(); }

std::unique_ptr<pg::Connection> PostgresStore::open_connection() const {
  auto connection = pg::Connection::open(uri_);
  // Waiting for a row lock is bounded by the busy timeout, as waiting for
  // SQLite's write lock is (0 would mean "forever" to PostgreSQL).
  connection->exec_script(
      fmt::format("SET lock_timeout = '{}ms'", busy_timeout_ms_ > 0 ? busy_timeout_ms_ : 1));
  return connection;
}

std::unique_ptr<PostgresStore> PostgresStore::open(const std::string& uri,
                                                   const StoreOptions& options,
                                                   const DatabaseKeyForSalt& database_key_for) {
  std::unique_ptr<PostgresStore> store(new PostgresStore(uri, options.busy_timeout_ms));
  auto connection = store->open_connection();

  pg::Result schema = connection->exec("lv_current_schema", "SELECT current_schema()", {});
  if (schema.is_null(0, 0)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("PostgreSQL at {} has no current schema: its search_path names no "
                            "schema that exists",
                            pg::redact_uri(uri)));
  }
  // Row-level security is the tenant boundary the database enforces; a
  // role that skips it would silently void that promise.
  pg::Result role = connection->exec(
      "lv_role_bypasses",
      "SELECT rolname, rolsuper OR rolbypassrls FROM pg_catalog.pg_roles "
      "WHERE rolname = current_user",
      {});
  if (role.rows() == 1 && role.text(0, 1) == "t") {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("PostgreSQL role {} bypasses row-level security (SUPERUSER or "
                            "BYPASSRLS); open the vault as a role without either",
                            role.text(0, 0)));
  }

  // Derived at most once per open: Argon2id is deliberately slow.
  std::optional<FileSalt> derived_for;
  SecretBytes database_key;
  const auto key_for = [&](const FileSalt& salt) -> const SecretBytes& {
    if (!derived_for || *derived_for != salt) {
      database_key = database_key_for(salt);
      derived_for = salt;
    }
    return database_key;
  };

  {
    MigrationLock lock(*connection);
    const int version = stored_schema_version(*connection);
    if (version == 0 && !options.create) {
      throw Error(ErrorCode::not_found,
                  fmt::format("no linkvault vault in PostgreSQL at {}", pg::redact_uri(uri)));
    }
    if (version > latest_postgres_schema_version()) {
      throw Error(ErrorCode::failed_precondition,
                  fmt::format("the vault's PostgreSQL schema is version {}, newer than this "
                              "library's {}",
                              version, latest_postgres_schema_version()));
    }
    for (int target = version + 1; target <= latest_postgres_schema_version(); ++target) {
      connection->exec_script("BEGIN");
      try {
        connection->exec_script(
            std::string(embedded::postgres_migration_all[static_cast<std::size_t>(target - 1)]));
        if (target == 1) {
          FileSalt salt;
          Botan::system_rng().randomize(salt.data(), salt.size());
          const std::string salt_hex = Botan::hex_encode(salt.data(), salt.size(), false);
          const std::string check = key_check(key_for(salt));
          const pg::Param params[] = {pg::Param::of(salt_hex), pg::Param::of(options.kdf_profile),
                                      pg::Param::of(check)};
          connection->exec("lv_meta_create",
                           "INSERT INTO meta (key, value) VALUES ('format', 'linkvault'), "
                           "('backend', 'postgresql'), ('schema_version', '0'), ('salt', $1), "
                           "('kdf', $2), ('key_check', $3)",
                           params);
        }
        const std::string version_text = std::to_string(target);
        const pg::Param params[] = {pg::Param::of(version_text)};
        connection->exec("lv_meta_version",
                         "UPDATE meta SET value = $1 WHERE key = 'schema_version'", params);
        connection->exec_script("COMMIT");
      } catch (...) {
        try {
          connection->exec_script("ROLLBACK");
        } catch (const Error&) {
          // The connection is gone; the server rolled back.
        }
        throw;
      }
    }
  }

  const auto salt_hex = meta_value(*connection, "salt");
  const auto stored_check = meta_value(*connection, "key_check");
  if (!salt_hex || !stored_check || salt_hex->size() != 2 * file_salt_size) {
    throw Error(ErrorCode::integrity, "the vault's meta has no valid salt or key check");
  }
  FileSalt salt;
  try {
    const auto bytes = Botan::hex_decode(*salt_hex);
    std::copy(bytes.begin(), bytes.end(), salt.begin());
  } catch (const std::exception&) {
    throw Error(ErrorCode::integrity, "the vault's meta salt is not hex");
  }
  const std::string check = key_check(key_for(salt));
  if (check.size() != stored_check->size() ||
      !Botan::constant_time_compare(reinterpret_cast<const std::uint8_t*>(check.data()),
                                    reinterpret_cast<const std::uint8_t*>(stored_check->data()),
                                    check.size())) {
    throw Error(ErrorCode::wrong_key, "wrong master secret for this vault");
  }
  store->idle_.push_back(std::move(connection));  // the pool's first idle connection
  return store;
}

std::unique_ptr<StoreSession> PostgresStore::session() {
  std::unique_lock lock(mutex_);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms_);
  while (!closed_ && idle_.empty() && in_use_ >= max_connections) {
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        in_use_ >= max_connections && !closed_) {
      throw Error(ErrorCode::busy,
                  fmt::format("all {} PostgreSQL connections of this vault stayed in use for "
                              "{} ms",
                              max_connections, busy_timeout_ms_));
    }
  }
  if (closed_) throw Error(ErrorCode::failed_precondition, "vault is closed");
  ++in_use_;
  std::unique_ptr<pg::Connection> connection;
  if (!idle_.empty()) {
    connection = std::move(idle_.back());
    idle_.pop_back();
  }
  lock.unlock();
  if (!connection) {
    try {
      connection = open_connection();
    } catch (...) {
      lock.lock();
      --in_use_;
      returned_.notify_one();
      throw;
    }
  }
  return std::make_unique<PostgresSession>(*this, std::move(connection));
}

void PostgresStore::release(std::unique_ptr<pg::Connection> connection) noexcept {
  std::lock_guard lock(mutex_);
  if (in_use_ > 0) --in_use_;
  if (connection && !closed_ && connection->ok()) idle_.push_back(std::move(connection));
  returned_.notify_one();
}

void PostgresStore::close() noexcept {
  std::lock_guard lock(mutex_);
  closed_ = true;
  idle_.clear();
  returned_.notify_all();
}

}  // namespace linkvault
