// SqlCipherStore — the Store backend: one SQLCipher-encrypted file, a small
// pool of keyed connections, schema migrations embedded in the library.
//
// The store keeps the vault's 16-byte salt (the file's first 16 bytes) and
// asks the vault layer for the page key derived from it (DESIGN.md §3): it
// never sees the master secret. The key is proven on a read-only connection, so a
// wrong secret fails with WRONG_KEY and the file and its -wal stay
// byte-for-byte unchanged, also after a crash. Opening finishes a shred left
// pending by a crashed purge before anything else. Thread-safe.
#pragma once

#include "store/open_store.hpp"
#include "store/pending_shred.hpp"
#include "store/writer_gate.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace linkvault {


// The newest schema version this library writes (the count of migrations).
int latest_schema_version() noexcept;

class SqlCipherStore final : public Store {
 public:
  // Error(NOT_FOUND) if the file is missing and !options.create; WRONG_KEY
  // for a wrong key; INVALID_ARGUMENT for a file that is not a vault;
  // FAILED_PRECONDITION for a schema newer than this library. A new file is
  // created, with a fresh random salt, under vault_file::CreationLock.
  static std::unique_ptr<SqlCipherStore> open(const std::string& path,
                                              const StoreOptions& options,
                                              const DatabaseKeyForSalt& database_key_for);

  ~SqlCipherStore() override;
  std::unique_ptr<StoreSession> session() override;
  void close() noexcept override;

  const std::string& path() const noexcept { return path_; }
  int busy_timeout_ms() const noexcept { return busy_timeout_ms_; }
  // Retries BUSY for at most the store's busy timeout in all.
  template <typename Step>
  auto retry_while_busy(Step&& step) const {
    return sql::retry_while_busy(std::forward<Step>(step),
                                 std::chrono::milliseconds(busy_timeout_ms_));
  }

  // A new keyed connection with the vault's pragmas, retrying BUSY for a
  // bounded time; also used by tests that tamper with rows through raw SQL.
  std::unique_ptr<sql::Connection> open_connection() const;

  // Returns a connection to the idle pool (or drops it once closed).
  void release(std::unique_ptr<sql::Connection> connection) noexcept;

  // Tries to finish a pending shred on `connection` (outside a transaction)
  // and remembers whether one is still pending in this process. True when
  // none is.
  bool finish_pending_shred(sql::Connection& connection, shred::Wait wait) noexcept;
  // After a write transaction: retries a shred this process knows is still
  // pending, without waiting, at most once a second (each attempt copies
  // frames and syncs the file).
  void retry_pending_shred(sql::Connection& connection) noexcept;

  // This process's writers queue here before the file's write lock.
  WriterGate& writer_gate() noexcept { return writer_gate_; }
  // The one connection this process's write transactions run on; only for
  // the holder of the writer gate's turn. Opened on first use; a session
  // holds it (shared) for its transaction, so close() never frees it under
  // one.
  std::shared_ptr<sql::Connection> writer_connection();
  // After a write transaction, outside the writer turn, on the caller's own
  // connection: a PASSIVE checkpoint once the -wal holds 1000 pages (SQLite's
  // auto-checkpoint threshold), by one caller.
  void checkpoint_if_due(sql::Connection& connection) noexcept;

 private:
  SqlCipherStore(std::string path, SecretBytes key_text, int busy_timeout_ms);
  std::unique_ptr<sql::Connection> open_connection_once() const;
  void apply_and_check_key(sql::Connection& connection) const;
  void prove_key_read_only() const;
  void migrate(sql::Connection& connection, const std::string& kdf_profile);

  std::string path_;
  SecretBytes key_text_;  // "x'<key hex><salt hex>'" for sqlite3_key
  int busy_timeout_ms_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<sql::Connection>> idle_;
  bool closed_ = false;
  WriterGate writer_gate_;
  std::shared_ptr<sql::Connection> writer_;  // under mutex_
  std::atomic<int> wal_pages_{0};            // in the -wal after the last commit
  std::atomic<bool> shred_pending_{false};
  std::atomic<std::chrono::steady_clock::rep> next_shred_retry_{0};
};

}  // namespace linkvault
