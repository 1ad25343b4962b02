#define SQLITE_HAS_CODEC 1  // declares sqlite3_key()
#include "store/sqlcipher_store.hpp"

#include "store/pending_shred.hpp"
#include "store/sqlcipher_session.hpp"
#include "store/sqlite.hpp"
#include "store/vault_file.hpp"

#include "linkvault_migrations.inc"

#include <sqlite3.h>

#include <botan/system_rng.h>
#include <fmt/format.h>

#include <cstring>
#include <optional>

namespace linkvault {

namespace {

// How many connections the pool keeps idle; more are opened under load and
// closed when returned. Opening one costs no KDF (the key is raw).
constexpr std::size_t max_idle_connections = 8;

// SQLite's plaintext header; a vault never starts with it.
constexpr char plaintext_sqlite_header[16] = "SQLite format 3";

SecretBytes raw_key_text(const SecretBytes& key, const FileSalt& salt) {
  // SQLCipher's raw key with explicit salt: x'<64 hex key><32 hex salt>'.
  static constexpr char hex[] = "0123456789ABCDEF";
  SecretBytes text;
  text.reserve(3 + 2 * (key.size() + salt.size()));
  text.push_back('x');
  text.push_back('\'');
  for (std::uint8_t byte : key) {
    text.push_back(static_cast<std::uint8_t>(hex[byte >> 4]));
    text.push_back(static_cast<std::uint8_t>(hex[byte & 0xF]));
  }
  for (std::uint8_t byte : salt) {
    text.push_back(static_cast<std::uint8_t>(hex[byte >> 4]));
    text.push_back(static_cast<std::uint8_t>(hex[byte & 0xF]));
  }
  text.push_back('\'');
  return text;
}

int schema_version(sql::Connection& connection) {
  sql::Statement statement(connection.handle(), "PRAGMA user_version");
  statement.step();
  return static_cast<int>(statement.column_int(0));
}

}  // namespace

int latest_schema_version() noexcept {
  return static_cast<int>(embedded::migration_all.size());
}

SqlCipherStore::SqlCipherStore(std::string path, SecretBytes key_text, int busy_timeout_ms)
    : path_(std::move(path)), key_text_(std::move(key_text)), busy_timeout_ms_(busy_timeout_ms) {}

SqlCipherStore::~SqlCipherStore() { close(); }

std::unique_ptr<SqlCipherStore> SqlCipherStore::open(const std::string& path,
                                                     const StoreOptions& options,
                                                     const DatabaseKeyForSalt& database_key_for) {
  const bool create = options.create;
  // A missing or empty file is created under a lock on its directory, so
  // two processes creating the same vault agree on one salt: the second
  // waits, then finds the first one's file.
  std::optional<vault_file::CreationLock> creation;
  std::uint64_t size = vault_file::size_or_zero(path);
  if (size == 0) {
    if (!create) throw Error(ErrorCode::not_found, fmt::format("no vault at '{}'", path));
    creation.emplace(path);
    size = vault_file::size_or_zero(path);
  }

  // The salt is the file's first 16 bytes (SQLCipher writes it there), so a
  // vault needs no sidecar. A new file gets a fresh random salt.
  FileSalt salt{};
  const bool is_new = size == 0;
  if (is_new) {
    Botan::system_rng().randomize(salt.data(), salt.size());
  } else {
    const auto header = size < 512 ? std::nullopt : vault_file::read_salt(path);
    if (!header) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("'{}' is not a linkvault vault (too short)", path));
    }
    salt = *header;
    if (std::memcmp(salt.data(), plaintext_sqlite_header, salt.size()) == 0) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("'{}' is a plaintext SQLite database, not a "
                              "linkvault vault", path));
    }
  }

  std::unique_ptr<SqlCipherStore> store(new SqlCipherStore(
      path, raw_key_text(database_key_for(salt), salt), options.busy_timeout_ms));
  if (!is_new) store->retry_while_busy([&] { store->prove_key_read_only(); });
  auto connection = store->open_connection();
  // Before anything else: a purge whose process died before its checkpoint
  // succeeded left old page images holding destroyed keys. One attempt, no
  // waiting for readers; if they still pin those images, the marker stays
  // for the next open (and this process retries after its writes).
  if (store->retry_while_busy([&] { return schema_version(*connection); }) >= 1) {
    store->finish_pending_shred(*connection, shred::Wait::none);
  }
  store->migrate(*connection, options.kdf_profile);
  store->release(std::move(connection));
  return store;
}

void SqlCipherStore::prove_key_read_only() const {
  // A wrong key must leave the file and its -wal byte-for-byte unchanged. A
  // read-write connection cannot promise that once a writer has crashed:
  // closing as the last connection, SQLite checkpoints the -wal into the
  // file and deletes it, whether the key was right or not. A read-only
  // connection never checkpoints and never deletes the -wal (SQLite will not
  // write through it), so the key is proven here first. (Turning the close
  // checkpoint off needs SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, SQLite 3.16;
  // PERSIST_WAL would keep the -wal but still checkpoint into the file.)
  //
  // One state a read-only connection cannot read: a hot rollback journal.
  // A vault uses WAL from its first transaction on, so only a creation that
  // was killed before WAL was on leaves one (SQLITE_READONLY_ROLLBACK). Its
  // rollback restores the file as it was before that transaction, which any
  // opener must do first; the read-write connection below does it, then
  // checks the key.
  sql::Connection probe(path_, sql::Access::read_only, busy_timeout_ms_);
  try {
    apply_and_check_key(probe);
  } catch (const Error&) {
    if (sqlite3_extended_errcode(probe.handle()) == SQLITE_READONLY_ROLLBACK) return;
    throw;
  }
}

std::unique_ptr<sql::Connection> SqlCipherStore::open_connection() const {
  // Every statement of opening waits in the busy handler; one that still
  // ends in BUSY is retried on a fresh connection (each step is idempotent).
  return retry_while_busy([&] { return open_connection_once(); });
}

void SqlCipherStore::apply_and_check_key(sql::Connection& connection) const {
  sqlite3* db = connection.handle();

  // Refuse to run on a SQLite without the codec: it would write plaintext.
  {
    sql::Statement version(db, "PRAGMA cipher_version");
    if (!version.step() || version.column_text_view(0).empty()) {
      throw Error(ErrorCode::internal,
                  "the linked SQLite is not SQLCipher (PRAGMA cipher_version "
                  "is silent); refusing to open a vault with it");
    }
  }
  if (sqlite3_key(db, key_text_.data(), static_cast<int>(key_text_.size())) != SQLITE_OK) {
    throw Error(ErrorCode::internal, "SQLCipher refused the vault key");
  }
  // The page format is pinned to SQLCipher 3.4.1's, whatever SQLCipher is
  // linked (docs/FORMAT.md "Database file"): each setting is spelled out, so
  // no version's defaults leak into the file. All must precede the first read.
  // 4 KiB pages, on every SQLCipher version (3.x defaults to 1 KiB): fewer
  // pages to encrypt and authenticate per row.
  connection.exec("PRAGMA cipher_page_size = 4096");
  // Every page carries an HMAC (encrypted page, IV, page number): a changed or
  // moved page is an error, never silently wrong data.
  connection.exec("PRAGMA cipher_use_hmac = ON");
  // The HMAC key is PBKDF2(page key, file salt XOR 0x3a) with this many
  // rounds: the one KDF SQLCipher still runs on a raw key. 2 is every
  // version's default; recent 4.x releases log the pragma as deprecated but
  // still apply it.
  connection.exec("PRAGMA fast_kdf_iter = 2");
  // The passphrase KDF's rounds: unused, as the raw page key skips PBKDF2;
  // pinned to 3.4.1's value so that not even an unused default varies.
  connection.exec("PRAGMA kdf_iter = 64000");
  // SQLCipher 4 only (3.x ignores both pragmas and always uses SHA-1): 4.x
  // defaults to SHA-512 for the page HMAC (80-byte reserve) and for the HMAC
  // key's PBKDF2; these make a 4.x build write 3.x's pages.
  connection.exec("PRAGMA cipher_hmac_algorithm = HMAC_SHA1");
  connection.exec("PRAGMA cipher_kdf_algorithm = PBKDF2_HMAC_SHA1");
  // Left at their defaults, the same in 3.4.1 and every 4.x: the HMAC's page
  // number is little-endian and the HMAC salt mask is 0x3a. Their pragmas
  // are deprecated in recent 4.x, and the mask's is process-wide: it would
  // change the host's own SQLCipher databases too.

  // The first read decrypts page 1: a wrong key fails here, before any
  // write (and on open, on a read-only connection: see prove_key_read_only).
  {
    const int result = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master",
                                    nullptr, nullptr, nullptr);
    if (result == SQLITE_NOTADB) {
      throw Error(ErrorCode::wrong_key,
                  fmt::format("wrong master secret for vault '{}' (or the file "
                              "is not a linkvault vault)", path_));
    }
    if (result != SQLITE_OK) sql::throw_sqlite(result, db, "opening the vault");
  }
}

std::unique_ptr<sql::Connection> SqlCipherStore::open_connection_once() const {
  // The busy timeout is set as the connection opens, before the key check:
  // every statement here waits for other processes.
  auto connection = std::make_unique<sql::Connection>(path_, sql::Access::read_write_create,
                                                      busy_timeout_ms_);
  apply_and_check_key(*connection);

  // WAL: readers never block the writer and a killed process leaves a file
  // that recovers on the next open. NORMAL sync is crash-safe in WAL mode
  // (only an OS crash may lose the latest commits, never corrupt).
  connection->exec("PRAGMA journal_mode = WAL");
  connection->exec("PRAGMA synchronous = NORMAL");
  connection->exec("PRAGMA foreign_keys = ON");
  // Freed pages are zeroed, so deleted rows and destroyed keys do not linger
  // in free pages (crypto-shredding, DESIGN.md §3).
  connection->exec("PRAGMA secure_delete = ON");
  // 8 MiB of decrypted pages per connection (SQLite's default is 2 MiB):
  // every miss costs a read plus an AES decrypt and HMAC check of the page.
  connection->exec("PRAGMA cache_size = -8192");
  // Temporary tables and sort spills stay in memory, never in a temp file.
  connection->exec("PRAGMA temp_store = MEMORY");
  return connection;
}

void SqlCipherStore::migrate(sql::Connection& connection, const std::string& kdf_profile) {
  const auto read_version = [&] { return schema_version(connection); };
  const int latest = latest_schema_version();
  const int found = retry_while_busy(read_version);
  if (found > latest) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("vault '{}' has schema version {}, newer than this "
                            "library supports ({}); upgrade linkvault", path_,
                            found, latest));
  }
  // Only the missing migrations take the write lock: opening an up-to-date
  // vault writes nothing, so opens never queue behind a busy writer.
  for (int target = found + 1; target <= latest; ++target) {
    // One transaction per migration; another process may have applied it
    // while we waited for the lock, so look again inside.
    SqlCipherSession::begin_immediate(connection, busy_timeout_ms_);
    try {
      if (read_version() >= target) {
        connection.exec("COMMIT");
        continue;
      }
      const std::string script(embedded::migration_all[static_cast<std::size_t>(target - 1)]);
      connection.exec(script.c_str());
      if (target == 1) {
        sql::Statement meta(connection.handle(),
                            "INSERT INTO meta (key, value) VALUES ('format', 'linkvault'), "
                            "('kdf', ?1)");
        meta.bind(1, kdf_profile).run();
      }
      connection.exec(fmt::format("PRAGMA user_version = {}", target).c_str());
      connection.exec("COMMIT");
    } catch (...) {
      sqlite3_exec(connection.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  // A vault file must say it is one; an unrelated SQLCipher database with the
  // same key would otherwise be taken over.
  sql::Statement format(connection.handle(), "SELECT value FROM meta WHERE key = 'format'");
  if (!format.step() || format.column_text_view(0) != "linkvault") {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("'{}' is not a linkvault vault", path_));
  }
}

std::unique_ptr<StoreSession> SqlCipherStore::session() {
  std::unique_ptr<sql::Connection> connection;
  {
    std::lock_guard lock(mutex_);
    if (closed_) throw Error(ErrorCode::failed_precondition, "the vault is closed");
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!connection) connection = open_connection();
  return std::make_unique<SqlCipherSession>(*this, std::move(connection));
}

void SqlCipherStore::release(std::unique_ptr<sql::Connection> connection) noexcept {
  std::lock_guard lock(mutex_);
  if (!closed_ && idle_.size() < max_idle_connections) {
    idle_.push_back(std::move(connection));
  }
  // Otherwise the connection closes as it goes out of scope here.
}

bool SqlCipherStore::finish_pending_shred(sql::Connection& connection,
                                          shred::Wait wait) noexcept {
  const bool finished = shred::finish_pending(connection, wait);
  shred_pending_.store(!finished);
  return finished;
}

void SqlCipherStore::retry_pending_shred(sql::Connection& connection) noexcept {
  if (!shred_pending_.load()) return;
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto due = next_shred_retry_.load();
  if (now < due) return;
  const auto next = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::seconds(1)).count();
  // One thread retries per second; the others go on.
  if (!next_shred_retry_.compare_exchange_strong(due, next)) return;
  finish_pending_shred(connection, shred::Wait::none);
}

std::shared_ptr<sql::Connection> SqlCipherStore::writer_connection() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) throw Error(ErrorCode::failed_precondition, "the vault is closed");
    if (writer_) return writer_;
  }
  std::shared_ptr<sql::Connection> connection = open_connection();
  connection->defer_checkpoints(wal_pages_);
  std::lock_guard lock(mutex_);
  if (closed_) throw Error(ErrorCode::failed_precondition, "the vault is closed");
  if (!writer_) writer_ = std::move(connection);
  return writer_;
}

void SqlCipherStore::checkpoint_if_due(sql::Connection& connection) noexcept {
  constexpr int checkpoint_after_pages = 1000;
  if (wal_pages_.load() < checkpoint_after_pages) return;
  // One caller checkpoints; the count starts again from the next commit.
  if (wal_pages_.exchange(0) < checkpoint_after_pages) return;
  connection.checkpoint_passive();
}

void SqlCipherStore::close() noexcept {
  std::vector<std::unique_ptr<sql::Connection>> closing;
  std::shared_ptr<sql::Connection> writer;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    closing.swap(idle_);
    writer.swap(writer_);
  }
}

}  // namespace linkvault
