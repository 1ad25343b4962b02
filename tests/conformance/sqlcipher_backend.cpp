// The conformance suite's SQLCipher backend: SqlCipherStore on a file in a
// temporary directory, tampered with through a keyed raw connection.
#include "backend.hpp"

#include "store/sqlcipher_store.hpp"
#include "store/sqlite.hpp"

#include <botan/system_rng.h>

#include <cstdlib>
#include <filesystem>

namespace linkvault::conformance {
namespace {

class SqlCipherBackend final : public Backend {
 public:
  SqlCipherBackend() : key_(32) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "linkvault-conformance-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    Botan::system_rng().randomize(key_.data(), key_.size());
  }
  ~SqlCipherBackend() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<Store> open(int busy_timeout_ms) override {
    return open_sqlcipher(busy_timeout_ms);
  }

  void tamper(Tamper what, std::string_view tenant, std::string_view id) override {
    auto store = open_sqlcipher(5000);
    auto connection = store->open_connection();
    const char* sql = nullptr;
    switch (what) {
      case Tamper::integration_status:
        sql = "UPDATE integrations SET status = 'sleeping' WHERE tenant = ?1 AND id = ?2";
        break;
      case Tamper::integration_scopes:
        sql = "UPDATE integrations SET scopes = '{not json' WHERE tenant = ?1 AND id = ?2";
        break;
      case Tamper::audit_head:
        sql = "UPDATE tenants SET audit_head = x'0102030405' WHERE tenant = ?1 AND ?2 = ?2";
        break;
      case Tamper::activity_details:
        sql = "UPDATE activity SET details = '{\"edited\":true}' "
              "WHERE tenant = ?1 AND sequence = CAST(?2 AS INTEGER)";
        break;
      case Tamper::activity_mac:
        sql = "UPDATE activity SET mac = x'0102030405' "
              "WHERE tenant = ?1 AND sequence = CAST(?2 AS INTEGER)";
        break;
    }
    sql::Statement statement(connection->handle(), sql);
    statement.bind(1, tenant).bind(2, id).run();
    if (connection->changes() != 1) std::abort();  // the suite named a row that is not there
  }

 private:
  std::unique_ptr<SqlCipherStore> open_sqlcipher(int busy_timeout_ms) {
    StoreOptions options;
    options.busy_timeout_ms = busy_timeout_ms;
    options.kdf_profile = "raw-key;conformance";
    return SqlCipherStore::open(dir_ + "/conformance.vault", options,
                                [this](const FileSalt&) { return key_; });
  }

  std::string dir_;
  SecretBytes key_;
};

}  // namespace

std::unique_ptr<Backend> make_conformance_backend() {
  return std::make_unique<SqlCipherBackend>();
}

}  // namespace linkvault::conformance
