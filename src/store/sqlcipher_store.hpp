// SqlCipherStore — the Store backend: one SQLCipher-encrypted file, a small
// pool of keyed connections, schema migrations embedded in the library.
//
// Opening derives the page key from the MasterSecret and the file's 16-byte
// salt (DESIGN.md §3). A wrong secret fails with WRONG_KEY before anything is
// written, so the file stays byte-for-byte unchanged. Thread-safe.
#pragma once

#include "linkvault/master_secret.hpp"
#include "linkvault/store.hpp"

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

  // A new keyed connection with the vault's pragmas; also used by tests that
  // tamper with rows through raw SQL.
  std::unique_ptr<sql::Connection> open_connection() const;

  // Returns a connection to the idle pool (or drops it once closed).
  void release(std::unique_ptr<sql::Connection> connection) noexcept;

 private:
  SqlCipherStore(std::string path, SecretBytes key_text);
  void migrate(sql::Connection& connection, const MasterSecret& secret);

  std::string path_;
  SecretBytes key_text_;  // "x'<key hex><salt hex>'" for sqlite3_key
  std::mutex mutex_;
  std::vector<std::unique_ptr<sql::Connection>> idle_;
  bool closed_ = false;
};

}  // namespace linkvault
