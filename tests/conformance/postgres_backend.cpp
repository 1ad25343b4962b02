// The conformance suite's PostgreSQL backend: PostgresStore on a fresh
// schema of the test server (one per backend, so the suite's cases never
// see each other's rows), tampered with through a raw libpq connection.
// Row-level security applies to the raw connection as to the store (its
// role is the store's), so each edit first enters the row's tenant, as the
// store itself does.
#include "backend.hpp"

#include "../postgres/fresh_schema.hpp"
#include "store/postgres_connection.hpp"
#include "store/postgres_store.hpp"

#include <botan/system_rng.h>

#include <cstdlib>

namespace linkvault::conformance {
namespace {

class PostgresBackend final : public Backend {
 public:
  PostgresBackend() : uri_(testing::fresh_postgres_vault_uri()), key_(32) {
    Botan::system_rng().randomize(key_.data(), key_.size());
  }

  std::unique_ptr<Store> open(int busy_timeout_ms) override {
    StoreOptions options;
    options.busy_timeout_ms = busy_timeout_ms;
    options.kdf_profile = "raw-key;conformance";
    return PostgresStore::open(uri_, options, [this](const FileSalt&) { return key_; });
  }

  void tamper(Tamper what, std::string_view tenant, std::string_view id) override {
    const char* sql = nullptr;
    bool uses_id = true;
    switch (what) {
      case Tamper::integration_status:
        sql = "UPDATE integrations SET status = 'sleeping' WHERE tenant = $1 AND id = $2";
        break;
      case Tamper::integration_scopes:
        sql = "UPDATE integrations SET scopes = '{not json' WHERE tenant = $1 AND id = $2";
        break;
      case Tamper::audit_head:
        sql = "UPDATE tenants SET audit_head = decode('0102030405', 'hex') WHERE tenant = $1";
        uses_id = false;
        break;
      case Tamper::activity_details:
        sql = "UPDATE activity SET details = '{\"edited\":true}' "
              "WHERE tenant = $1 AND sequence = $2::bigint";
        break;
      case Tamper::activity_mac:
        sql = "UPDATE activity SET mac = decode('0102030405', 'hex') "
              "WHERE tenant = $1 AND sequence = $2::bigint";
        break;
    }
    auto connection = pg::Connection::open(uri_);
    connection->exec_script("BEGIN");
    const std::string marked = "=" + std::string(tenant);  // the setting's form
    const pg::Param context[] = {pg::Param::of(marked)};
    connection->exec("enter", "SELECT set_config('linkvault.tenant', $1, true)", context);
    const pg::Param both[] = {pg::Param::of(tenant), pg::Param::of(id)};
    const std::span<const pg::Param> params(both, uses_id ? 2 : 1);
    const auto changed = connection->exec("tamper", sql, params).affected();
    connection->exec_script("COMMIT");
    if (changed != 1) std::abort();  // the suite named a row that is not there
  }

 private:
  std::string uri_;
  SecretBytes key_;
};

}  // namespace

std::unique_ptr<Backend> make_conformance_backend() {
  return std::make_unique<PostgresBackend>();
}

}  // namespace linkvault::conformance
