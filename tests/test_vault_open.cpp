// Opening and creating vault files: keys, wrong keys, non-vaults, migrations.
#include "vault_fixture.hpp"
#include "vault/vault_access.hpp"

#include <doctest/doctest.h>

#include <cstring>

using namespace linkvault;
using namespace linkvault::testing;

TEST_CASE("vault open creates an encrypted file whose first 16 bytes are the salt" *
          doctest::test_suite("sqlcipher")) {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  f.connect_slack(tenant);
  const auto bytes = read_file(f.path);
  REQUIRE(bytes.size() >= 4096);
  CHECK(std::memcmp(bytes.data(), "SQLite format 3", 15) != 0);
  f.vault.close();

  // Reopening with the same secret reads the salt back from the file.
  Vault again = Vault::open(f.path, f.master, OpenOptions{false});
  CHECK(again.tenant("acme").find("slack").has_value());
}

TEST_CASE("vault open with a wrong key is WRONG_KEY and leaves the file unchanged" *
          doctest::test_suite("sqlcipher")) {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  f.connect_slack(tenant);
  f.vault.close();
  const auto before = read_file(f.path);
  const bool wal_existed = std::filesystem::exists(f.path + "-wal");
  const auto wal_before = read_file(f.path + "-wal");

  CHECK(code_of([&] { Vault::open(f.path, random_master()); }) == ErrorCode::wrong_key);
  CHECK(code_of([&] {
          Vault::open(f.path, MasterSecret::from_passphrase(make_secret("not it")));
        }) == ErrorCode::wrong_key);

  CHECK(read_file(f.path) == before);
  CHECK(std::filesystem::exists(f.path + "-wal") == wal_existed);
  CHECK(read_file(f.path + "-wal") == wal_before);
  CHECK_FALSE(std::filesystem::exists(f.path + "-journal"));
}

TEST_CASE("vault open with a passphrase round-trips and records the KDF profile") {
  const std::string dir = make_temp_dir();
  const std::string path = test_vault_location(dir, "pass.vault");
  {
    Vault vault = Vault::open(path, MasterSecret::from_passphrase(make_secret("correct horse")));
    auto tenant = vault.tenant("t1");
    tenant.connect(admin, "tave", creds({{"api_key", "tave-key-0123456789"}}));
  }
  Vault vault = Vault::open(path, MasterSecret::from_passphrase(make_secret("correct horse")));
  CHECK(vault.tenant("t1").find("tave").has_value());
  // `meta` has no tenant: any context reads it.
  CHECK(raw_texts(vault, path, "", "SELECT value FROM meta WHERE key = 'kdf'") ==
        std::vector<std::optional<std::string>>{"argon2id;m=65536;t=3;p=1;hkdf-sha256"});
  std::filesystem::remove_all(dir);
}

TEST_CASE("vault open refuses files that are not vaults" *
          doctest::test_suite("sqlcipher")) {
  const std::string dir = make_temp_dir();
  SUBCASE("missing file with create=false is NOT_FOUND") {
    CHECK(code_of([&] { Vault::open(dir + "/none.vault", random_master(), OpenOptions{false}); }) ==
          ErrorCode::not_found);
    CHECK_FALSE(std::filesystem::exists(dir + "/none.vault"));
  }
  SUBCASE("a plaintext SQLite database") {
    const std::string path = dir + "/plain.db";
    std::ofstream(path, std::ios::binary) << std::string("SQLite format 3\0", 16) << std::string(4080, '\0');
    CHECK(code_of([&] { Vault::open(path, random_master()); }) == ErrorCode::invalid_argument);
  }
  SUBCASE("a short file") {
    const std::string path = dir + "/short.bin";
    std::ofstream(path, std::ios::binary) << "hello";
    CHECK(code_of([&] { Vault::open(path, random_master()); }) == ErrorCode::invalid_argument);
  }
  SUBCASE("random bytes look like a wrong key") {
    const std::string path = dir + "/random.bin";
    std::vector<char> noise(8192);
    Botan::system_rng().randomize(reinterpret_cast<std::uint8_t*>(noise.data()), noise.size());
    std::ofstream(path, std::ios::binary).write(noise.data(), static_cast<std::streamsize>(noise.size()));
    CHECK(code_of([&] { Vault::open(path, random_master()); }) == ErrorCode::wrong_key);
  }
  SUBCASE("an empty path") {
    CHECK(code_of([&] { Vault::open("", random_master()); }) == ErrorCode::invalid_argument);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("vault migrations run on an empty file, are recorded, and newer schemas are refused" *
          doctest::test_suite("sqlcipher")) {
  const std::string dir = make_temp_dir();
  const std::string path = dir + "/empty.vault";
  std::ofstream(path, std::ios::binary).close();  // a zero-byte file counts as new
  const MasterSecret master = random_master();
  {
    Vault vault = Vault::open(path, master);
    auto& store = dynamic_cast<SqlCipherStore&>(VaultAccess::core(vault)->store());
    auto raw = store.open_connection();
    sql::Statement version(raw->handle(), "PRAGMA user_version");
    REQUIRE(version.step());
    CHECK(version.column_int(0) == latest_schema_version());
  }
  {
    Vault reopened = Vault::open(path, master);  // nothing to migrate; no error
    auto& store = dynamic_cast<SqlCipherStore&>(VaultAccess::core(reopened)->store());
    auto raw = store.open_connection();
    raw->exec("PRAGMA user_version = 99");
  }
  try {
    Vault::open(path, master);
    FAIL("a newer schema must be refused");
  } catch (const Error& error) {
    CHECK(error.code() == ErrorCode::failed_precondition);
    CHECK(std::string(error.what()).find("99") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a schema 4 vault gains the record tables when opened and keeps its rows" *
          doctest::test_suite("sqlcipher")) {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const Integration slack = f.connect_slack(tenant);
  {
    // Back to what the library of issue 11 (schema 4) left behind.
    auto raw = f.raw();
    raw->exec("DROP TABLE records");
    raw->exec("DROP TABLE field_mappings");
    raw->exec("PRAGMA user_version = 4");
  }
  f.vault.close();
  f.vault = Vault::open(f.path, f.master, options_with(f.clock));
  {
    auto raw = f.raw();
    sql::Statement version(raw->handle(), "PRAGMA user_version");
    REQUIRE(version.step());
    CHECK(version.column_int(0) == latest_schema_version());
    sql::Statement tables(raw->handle(),
                          "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                          "('field_mappings', 'records') ORDER BY name");
    REQUIRE(tables.step());
    CHECK(tables.column_text(0) == "field_mappings");
    REQUIRE(tables.step());
    CHECK(tables.column_text(0) == "records");
  }
  CHECK(f.vault.tenant("acme").get(slack.id).status == IntegrationStatus::connected);
  CHECK(f.vault.verify_audit().ok);
  // The new tables work through the store.
  auto session = VaultAccess::core(f.vault)->store().session();
  session->begin(TransactionMode::write);
  session->records().save_field_mappings("acme", slack.id, std::string("[]"), "u", 1);
  session->records().remember_records("acme", slack.id, {SeenRecord{"1", RecordHash{}}},
                                      std::nullopt, 1);
  session->commit();
  session->begin(TransactionMode::read);
  CHECK(session->records().load_field_mappings("acme", slack.id) == "[]");
  CHECK(session->records().remembered_records("acme", slack.id, {"1"}).at(0).has_value());
  session->commit();
}

TEST_CASE("the records table refuses a hash that is not 32 bytes and a stale flag not 0 or 1" *
          doctest::test_suite("sqlcipher")) {
  VaultFixture f;
  auto raw = f.raw();
  const auto insert = [&](const char* hash, const char* stale) {
    const std::string sql =
        std::string("INSERT INTO records (tenant, integration_id, external_id, hash, stale, "
                    "seen_at) VALUES ('acme', 'i', 'x', ") +
        hash + ", " + stale + ", 0)";
    return code_of([&] { raw->exec(sql.c_str()); });
  };
  CHECK(insert("zeroblob(31)", "0") != ErrorCode::ok);
  CHECK(insert("zeroblob(33)", "0") != ErrorCode::ok);
  CHECK(insert("zeroblob(32)", "2") != ErrorCode::ok);
  CHECK(insert("zeroblob(32)", "1") == ErrorCode::ok);
}

TEST_CASE("vault close makes later calls FAILED_PRECONDITION, also through held tenants") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const auto integration = f.connect_slack(tenant);
  f.vault.close();
  f.vault.close();  // idempotent
  CHECK(code_of([&] { tenant.get(integration.id); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.vault.tenant("acme"); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.vault.verify_audit(); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.vault.providers(); }) == ErrorCode::failed_precondition);
}

TEST_CASE("vault tenant ids are validated") {
  VaultFixture f;
  CHECK(code_of([&] { f.vault.tenant(""); }) == ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.vault.tenant(std::string(129, 'x')); }) == ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.vault.tenant("bad\xff"); }) == ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.vault.tenant("tab\there"); }) == ErrorCode::invalid_argument);
  CHECK(f.vault.tenant(std::string(128, 'x')).id().size() == 128);
}
