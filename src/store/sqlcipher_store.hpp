// SqlCipherStore — the Store backend: one SQLCipher-encrypted file, a small
// pool of keyed connections, schema migrations embedded in the library.
//
// Opening derives the page key from the MasterSecret and the file's 16-byte
// salt (DESIGN.md §3). The key is proven on a read-only connection, so a
// wrong secret fails with WRONG_KEY and the file and its -wal stay
// byte-for-byte unchanged, also after a crash. Opening finishes a shred left
// pending by a crashed purge before anything else. Thread-safe.
#pragma once

#include "linkvault/master_secret.hpp"
#include "linkvault/store.hpp"
#include "store/pending_shred.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace linkvault {

namespace sql {
class Connection;
}

// The newest schema version this library writes (the count of migrations).
int latest_schema_version() noexcept;

class SqlCipherStore final : public Store {
 public:
  struct Opened {
    std::unique_ptr<SqlCipherStore> store;
    SecretBytes wrapping_key;  // for the Keyring
  };

  // Error(NOT_FOUND) if the file is missing and !create; WRONG_KEY for a
  // wrong secret; INVALID_ARGUMENT for a file that is not a vault;
  // FAILED_PRECONDITION for a schema newer than this library.
  static Opened open(const std::string& path, const MasterSecret& secret,
                     bool create);

  ~SqlCipherStore() override;
  std::unique_ptr<StoreSession> session() override;
  void close() noexcept override;

  const std::string& path() const noexcept { return path_; }

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

 private:
  SqlCipherStore(std::string path, SecretBytes key_text);
  std::unique_ptr<sql::Connection> open_connection_once() const;
  void apply_and_check_key(sql::Connection& connection) const;
  void prove_key_read_only() const;
  void migrate(sql::Connection& connection, const MasterSecret& secret);

  std::string path_;
  SecretBytes key_text_;  // "x'<key hex><salt hex>'" for sqlite3_key
  std::mutex mutex_;
  std::vector<std::unique_ptr<sql::Connection>> idle_;
  bool closed_ = false;
  std::atomic<bool> shred_pending_{false};
  std::atomic<std::chrono::steady_clock::rep> next_shred_retry_{0};
};

}  // namespace linkvault
