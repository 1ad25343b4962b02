// The PostgreSQL backend as a whole against a real PostgreSQL 15 server
// (scripts/test-postgres.sh): opening, creating and refusing vaults, no
// password in any message, roles that bypass row-level security refused,
// concurrent creation migrating once, row-level security seen from a raw
// connection, no credential plaintext in any column the operator can read,
// and a server restart in the middle of a run.
#include "fresh_schema.hpp"

#include "linkvault/linkvault.hpp"
#include "store/postgres_connection.hpp"
#include "store/postgres_store.hpp"

#include <botan/hex.h>
#include <botan/system_rng.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

const Actor admin{"u-admin", "Alice Admin", Role::admin};

MasterSecret random_master() {
  SecretBytes key(32);
  Botan::system_rng().randomize(key.data(), key.size());
  return MasterSecret::from_key(std::move(key));
}

Credentials creds(std::initializer_list<std::pair<const char*, const char*>> fields) {
  Credentials out;
  for (const auto& [name, value] : fields) out.emplace(name, make_secret(value));
  return out;
}

ErrorCode code_of(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const Error& error) {
    return error.code();
  }
  return ErrorCode::ok;
}

// The code and message of the Error an operation throws.
std::pair<ErrorCode, std::string> error_of(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const Error& error) {
    return {error.code(), error.what()};
  }
  return {ErrorCode::ok, ""};
}

// A prepared statement's name for `sql` (names are cut at 63 bytes, so the
// text itself would not do).
std::string statement_name(const std::string& sql) {
  return "t_" + std::to_string(std::hash<std::string>{}(sql));
}

// The first column of every row of `sql`, as text ("NULL" for NULL).
std::vector<std::string> column(pg::Connection& connection, const std::string& sql,
                                std::span<const pg::Param> params = {}) {
  const pg::Result result = connection.exec(statement_name(sql), sql, params);
  std::vector<std::string> out;
  for (int row = 0; row < result.rows(); ++row) {
    out.push_back(result.is_null(row, 0) ? "NULL" : std::string(result.text(row, 0)));
  }
  return out;
}

// Starts a transaction on `connection` in `tenant`'s context, as the library
// does (linkvault.tenant = '=' || tenant, transaction-local).
void enter_tenant(pg::Connection& connection, const std::string& tenant) {
  connection.exec_script("BEGIN");
  const std::string marked = "=" + tenant;
  const pg::Param params[] = {pg::Param::of(marked)};
  connection.exec("enter_tenant", "SELECT set_config('linkvault.tenant', $1, true)", params);
}

// The vault's tables (in the schema of `uri`), from the catalog.
std::vector<std::string> vault_tables(pg::Connection& connection) {
  return column(connection,
                "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename");
}

// The tables that hold tenants' rows (row-level security on each).
const std::vector<std::string> tenant_tables = {
    "keyring",      "tenants",      "integrations", "activity",       "sync_jobs",
    "token_refresh", "oauth_grants", "rate_buckets", "field_mappings", "records"};

inline constexpr const char* oauth_spec = R"({
  "key": "acme_oauth", "name": "Acme", "auth_type": "oauth2",
  "authorize_url": "https://auth.example/authorize",
  "token_url": "https://auth.example/token",
  "credential_fields": [
    {"name": "access_token", "label": "Access", "type": "secret", "required": true, "placeholder": ""},
    {"name": "refresh_token", "label": "Refresh", "type": "secret", "required": false, "placeholder": ""}
  ],
  "scopes": ["read"],
  "rate_limits": {"per_minute": 60, "per_hour": 600}
})";

// Every secret a tenant's data holds in `populate`, by tenant.
std::vector<std::string> secrets_of(const std::string& tenant) {
  return {"xoxb-" + tenant + "-bot-token-needle", "sign-" + tenant + "-secret-needle",
          "at-" + tenant + "-access-needle", "rt-" + tenant + "-refresh-needle",
          "at-" + tenant + "-refreshed-needle"};
}
const std::string client_secret = "client-secret-needle-zzzz";

// Gives `tenant` rows in every tenant table: integrations (api key and
// oauth2), activity, keys, a job, field mappings and a remembered record, a
// refresh (token_refresh), a pending OAuth grant and a rate bucket.
void populate(Vault& vault, const std::string& tenant) {
  auto t = vault.tenant(tenant);
  const auto secrets = secrets_of(tenant);
  const auto slack = t.connect(admin, "slack",
                               creds({{"bot_token", secrets[0].c_str()},
                                      {"signing_secret", secrets[1].c_str()}}));
  t.enqueue_sync(admin, slack.id, JobType::full_import);
  t.set_field_mappings(admin, slack.id, {FieldMapping{"email", "/email", {Transform::trim}}});
  t.commit_records(t.map_records(slack.id, R"([{"id": "c-1", "email": " a@example.com "}])"));
  ConnectOptions options;
  options.name = "main";
  options.expires_at = 0;  // long expired: the next valid_credentials refreshes
  const auto oauth = t.connect(
      admin, "acme_oauth",
      creds({{"access_token", secrets[2].c_str()}, {"refresh_token", secrets[3].c_str()}}),
      options);
  const std::string refreshed = secrets[4];
  t.valid_credentials(admin, oauth.id, [&](const Credentials&) {
    TokenGrant grant;
    grant.access_token = make_secret(refreshed);
    grant.expires_in = 3600;
    return grant;
  });
  CHECK(t.acquire(oauth.id) == std::chrono::milliseconds(0));
  BeginOAuthOptions begin;
  begin.name = "pending";
  t.begin_oauth(admin, "acme_oauth", "https://app.example/callback", begin);
}

std::string temp_dir() {
  std::string pattern = "/tmp/linkvault-pg-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

}  // namespace

TEST_CASE("a PostgreSQL vault is created in a fresh schema and reopened") {
  const std::string uri = fresh_postgres_vault_uri();
  const MasterSecret master = random_master();
  std::string id;
  {
    Vault vault = Vault::open(uri, master);
    id = vault.tenant("acme")
             .connect(admin, "tave", creds({{"api_key", "tave-key-0123456789"}}))
             .id;
  }
  Vault again = Vault::open(uri, master, OpenOptions{.create = false});
  auto acme = again.tenant("acme");
  CHECK(acme.get(id).status == IntegrationStatus::connected);
  CHECK(std::string(secret_view(acme.reveal_credentials(admin, id).at("api_key"))) ==
        "tave-key-0123456789");
  CHECK(again.verify_audit().ok);

  auto raw = pg::Connection::open(uri);
  CHECK(column(*raw, "SELECT key || '=' || value FROM meta WHERE key IN ('format', 'backend', "
                     "'schema_version') ORDER BY key") ==
        std::vector<std::string>{"backend=postgresql", "format=linkvault",
                                 "schema_version=" +
                                     std::to_string(latest_postgres_schema_version())});
  const auto tables = vault_tables(*raw);
  for (const auto& table : tenant_tables) {
    CHECK_MESSAGE(std::find(tables.begin(), tables.end(), table) != tables.end(), table);
  }
}

TEST_CASE("opening a schema without a vault and create=false is NOT_FOUND and creates nothing") {
  const std::string uri = fresh_postgres_vault_uri();
  CHECK(code_of([&] { Vault::open(uri, random_master(), OpenOptions{.create = false}); }) ==
        ErrorCode::not_found);
  auto raw = pg::Connection::open(uri);
  CHECK(vault_tables(*raw).empty());
}

TEST_CASE("a wrong master secret is WRONG_KEY and writes nothing") {
  const std::string uri = fresh_postgres_vault_uri();
  const MasterSecret master = random_master();
  {
    Vault vault = Vault::open(uri, master);
    vault.tenant("acme").connect(admin, "tave", creds({{"api_key", "tave-key-0123456789"}}));
  }
  // Every row's version (xmin changes with any write to it), in the tenant's
  // context and in none.
  auto snapshot = [&] {
    auto raw = pg::Connection::open(uri);
    std::vector<std::string> rows = column(
        *raw, "SELECT key || '=' || value || '@' || xmin::text FROM meta ORDER BY key");
    enter_tenant(*raw, "acme");
    for (const auto& table : tenant_tables) {
      // Table names are ours (the list above), not inputs.
      for (const auto& row :
           column(*raw, "SELECT count(*)::text || '/' || coalesce(max(xmin::text), '') FROM " +
                            table)) {
        rows.push_back(table + ":" + row);
      }
    }
    raw->exec_script("COMMIT");
    return rows;
  };
  const auto before = snapshot();
  CHECK(code_of([&] { Vault::open(uri, random_master()); }) == ErrorCode::wrong_key);
  CHECK(code_of([&] {
          Vault::open(uri, MasterSecret::from_passphrase(make_secret("not the passphrase")));
        }) == ErrorCode::wrong_key);
  CHECK(snapshot() == before);
  Vault vault = Vault::open(uri, master);  // the right one still opens
  CHECK(vault.tenant("acme").list().size() == 1);
}

TEST_CASE("a schema 1 vault gains the record tables, under forced row-level security") {
  const std::string uri = fresh_postgres_vault_uri();
  const MasterSecret master = random_master();
  std::string id;
  {
    Vault vault = Vault::open(uri, master);
    id = vault.tenant("acme")
             .connect(admin, "tave", creds({{"api_key", "tave-key-0123456789"}}))
             .id;
  }
  auto raw = pg::Connection::open(uri);
  // Back to what the library of issue 11 (PostgreSQL schema 1) left behind.
  raw->exec_script(
      "DROP TABLE records; DROP TABLE field_mappings; "
      "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  {
    Vault vault = Vault::open(uri, master, OpenOptions{.create = false});
    CHECK(vault.tenant("acme").get(id).status == IntegrationStatus::connected);
    CHECK(vault.verify_audit().ok);
  }
  CHECK(column(*raw, "SELECT value FROM meta WHERE key = 'schema_version'") ==
        std::vector<std::string>{std::to_string(latest_postgres_schema_version())});
  CHECK(column(*raw,
               "SELECT relname || ':' || relrowsecurity || ':' || relforcerowsecurity "
               "FROM pg_catalog.pg_class WHERE relnamespace = current_schema()::regnamespace "
               "AND relname IN ('field_mappings', 'records') ORDER BY relname") ==
        std::vector<std::string>{"field_mappings:true:true", "records:true:true"});

  // Each tenant writes and sees its own rows only.
  for (const std::string tenant : {"acme", "globex"}) {
    enter_tenant(*raw, tenant);
    const pg::Param params[] = {pg::Param::of(tenant)};
    raw->exec("insert_record",
              "INSERT INTO records (tenant, integration_id, external_id, hash, seen_at) "
              "VALUES ($1, 'i', 'x', decode(repeat('ab', 32), 'hex'), 0)",
              params);
    raw->exec("insert_mapping",
              "INSERT INTO field_mappings (tenant, integration_id, rules, updated_by, "
              "updated_at) VALUES ($1, 'i', '[]', 'u', 0)",
              params);
    raw->exec_script("COMMIT");
  }
  enter_tenant(*raw, "acme");
  CHECK(column(*raw, "SELECT tenant FROM records") == std::vector<std::string>{"acme"});
  CHECK(column(*raw, "SELECT tenant FROM field_mappings") == std::vector<std::string>{"acme"});
  CHECK(code_of([&] {
          raw->exec_script(
              "INSERT INTO records (tenant, integration_id, external_id, hash, seen_at) "
              "VALUES ('globex', 'i', 'y', decode(repeat('ab', 32), 'hex'), 0)");
        }) == ErrorCode::permission_denied);  // the policy's WITH CHECK
  raw->exec_script("ROLLBACK");
  enter_tenant(*raw, "acme");
  // The hash is 32 bytes or nothing.
  CHECK(code_of([&] {
          raw->exec_script(
              "INSERT INTO records (tenant, integration_id, external_id, hash, seen_at) "
              "VALUES ('acme', 'i', 'z', decode('abcd', 'hex'), 0)");
        }) != ErrorCode::ok);
  raw->exec_script("ROLLBACK");
  raw->exec_script("BEGIN");
  CHECK(column(*raw, "SELECT count(*) FROM records") == std::vector<std::string>{"0"});
  raw->exec_script("COMMIT");
}

TEST_CASE("a vault whose schema is newer than the library is FAILED_PRECONDITION") {
  const std::string uri = fresh_postgres_vault_uri();
  const MasterSecret master = random_master();
  Vault::open(uri, master).close();
  pg::Connection::open(uri)->exec_script(
      "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  const auto [code, message] = error_of([&] { Vault::open(uri, master); });
  CHECK(code == ErrorCode::failed_precondition);
  CHECK(message.find("99") != std::string::npos);
}

TEST_CASE("a schema whose `meta` table is not a vault's is INVALID_ARGUMENT and left alone") {
  const std::string uri = fresh_postgres_vault_uri();
  auto raw = pg::Connection::open(uri);
  raw->exec_script(
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); "
      "INSERT INTO meta VALUES ('format', 'someone-elses-app'), ('owner', 'billing')");
  SUBCASE("create=true") {
    CHECK(code_of([&] { Vault::open(uri, random_master()); }) == ErrorCode::invalid_argument);
  }
  SUBCASE("create=false") {
    CHECK(code_of([&] { Vault::open(uri, random_master(), OpenOptions{.create = false}); }) ==
          ErrorCode::invalid_argument);
  }
  CHECK(vault_tables(*raw) == std::vector<std::string>{"meta"});
  CHECK(column(*raw, "SELECT key || '=' || value FROM meta ORDER BY key") ==
        std::vector<std::string>{"format=someone-elses-app", "owner=billing"});
}

TEST_CASE("a URI's password appears in no error message") {
  const std::string password = "pw-hunter2-needle";
  const std::string server = postgres_server_uri();  // postgresql://user@/db?host=...
  // The same server with a password in the user information and as a
  // parameter (the test server trusts its socket, so both are accepted).
  const auto with_password = [&](const std::string& uri) {
    std::string out = uri;
    const auto at = out.find('@');
    REQUIRE(at != std::string::npos);
    out.insert(at, ":" + password);
    return out + "&password=" + password;
  };
  std::vector<std::pair<ErrorCode, std::string>> failures;
  SUBCASE("no vault there") {
    const std::string uri = with_password(fresh_postgres_vault_uri());
    failures.push_back(error_of([&] { Vault::open(uri, random_master(), OpenOptions{.create = false}); }));
    CHECK(failures.back().first == ErrorCode::not_found);
  }
  SUBCASE("a wrong key and a newer schema") {
    const std::string uri = with_password(fresh_postgres_vault_uri());
    const MasterSecret master = random_master();
    Vault::open(uri, master).close();
    failures.push_back(error_of([&] { Vault::open(uri, random_master()); }));
    CHECK(failures.back().first == ErrorCode::wrong_key);
    pg::Connection::open(uri)->exec_script(
        "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    failures.push_back(error_of([&] { Vault::open(uri, master); }));
    CHECK(failures.back().first == ErrorCode::failed_precondition);
  }
  SUBCASE("a server that is not there") {
    failures.push_back(error_of([&] {
      Vault::open("postgresql://app:" + password + "@/linkvault?host=/nonexistent-socket-dir" +
                      "&password=" + password,
                  random_master());
    }));
    CHECK(failures.back().first == ErrorCode::io);
  }
  SUBCASE("a database that is not there") {
    std::string uri = with_password(server);
    uri.replace(uri.find("/linkvault?"), 11, "/no_such_database?");
    failures.push_back(error_of([&] { Vault::open(uri, random_master()); }));
    CHECK(failures.back().first == ErrorCode::io);
  }
  SUBCASE("a search_path naming no schema") {
    const std::string uri = with_password(uri_with_schema(server, "lv_no_such_schema"));
    failures.push_back(error_of([&] { Vault::open(uri, random_master()); }));
    CHECK(failures.back().first == ErrorCode::invalid_argument);
  }
  SUBCASE("a URI libpq cannot parse") {
    failures.push_back(error_of([&] {
      Vault::open("postgresql://app:" + password + "@/db?host=/tmp&no_such_option=1",
                  random_master());
    }));
    CHECK(failures.back().first == ErrorCode::invalid_argument);
  }
  for (const auto& [code, message] : failures) {
    CAPTURE(message);
    CHECK(code != ErrorCode::ok);
    CHECK(message.find(password) == std::string::npos);
    CHECK(message.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("a role that bypasses row-level security is refused") {
  // The test server trusts its socket, so the test may connect as the
  // server's superuser (`postgres`) and make a BYPASSRLS role; the library's
  // own role (linkvault_app) could do neither.
  const std::string server = postgres_server_uri();
  // A fresh schema the role may use (else it would have no current schema,
  // refused before the role is looked at).
  const auto as_role = [&](const std::string& role) {
    const std::string schema = create_fresh_schema();
    // Names are ours (hex digits and a fixed role), not inputs.
    pg::Connection::open(server)->exec_script("GRANT USAGE, CREATE ON SCHEMA " + schema +
                                              " TO " + role);
    std::string uri = server;
    const auto start = uri.find("://") + 3;
    uri.replace(start, uri.find('@') - start, role);
    return uri_with_schema(uri, schema);
  };
  SUBCASE("SUPERUSER") {
    const auto [code, message] = error_of([&] { Vault::open(as_role("postgres"), random_master()); });
    CHECK(code == ErrorCode::failed_precondition);
    CHECK(message.find("row-level security") != std::string::npos);
  }
  SUBCASE("BYPASSRLS") {
    std::array<std::uint8_t, 6> random{};
    Botan::system_rng().randomize(random.data(), random.size());
    const std::string role = "lv_bypass_" + Botan::hex_encode(random.data(), random.size(), false);
    std::string superuser = server;
    const auto start = superuser.find("://") + 3;
    superuser.replace(start, superuser.find('@') - start, "postgres");
    // The role name is ours (hex digits), not an input.
    pg::Connection::open(superuser)->exec_script("CREATE ROLE " + role +
                                                 " LOGIN NOSUPERUSER BYPASSRLS");
    const auto [code, message] = error_of([&] { Vault::open(as_role(role), random_master()); });
    CHECK(code == ErrorCode::failed_precondition);
    CHECK(message.find("row-level security") != std::string::npos);
  }
  SUBCASE("the library's role opens") {
    CHECK(code_of([&] { Vault::open(fresh_postgres_vault_uri(), random_master()).close(); }) ==
          ErrorCode::ok);
  }
}

TEST_CASE("10 processes opening one new schema at once migrate it once and all open") {
  const std::string uri = fresh_postgres_vault_uri();
  const MasterSecret master = random_master();
  int go[2];
  REQUIRE(pipe(go) == 0);
  std::vector<pid_t> children;
  for (int index = 0; index < 10; ++index) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // No libpq connection is open in the parent at this point.
      close(go[1]);
      char start = 0;
      if (read(go[0], &start, 1) < 0) _exit(3);  // all start together
      int status = 1;
      try {
        Vault vault = Vault::open(uri, master);
        vault.tenant("acme").connect(admin, "slack",
                                     creds({{"bot_token", "xoxb-process-token-0000"}}),
                                     ConnectOptions{.name = "p" + std::to_string(index)});
        status = 0;
      } catch (...) {
        status = 2;
      }
      _exit(status);
    }
    children.push_back(pid);
  }
  close(go[0]);
  close(go[1]);  // EOF: every child starts
  int failed = 0;
  for (const pid_t child : children) {
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  CHECK(failed == 0);
  auto raw = pg::Connection::open(uri);
  CHECK(column(*raw, "SELECT value FROM meta WHERE key = 'schema_version'") ==
        std::vector<std::string>{std::to_string(latest_postgres_schema_version())});
  CHECK(column(*raw, "SELECT count(*) FROM meta WHERE key = 'salt'") ==
        std::vector<std::string>{"1"});
  Vault vault = Vault::open(uri, master, OpenOptions{.create = false});
  CHECK(vault.tenant("acme").list().size() == 10);
  CHECK(vault.verify_audit().ok);
}

TEST_CASE("row-level security: a raw connection sees and writes one tenant's rows only") {
  const std::string uri = fresh_postgres_vault_uri();
  {
    Vault vault = Vault::open(uri, random_master());
    vault.register_provider(oauth_spec);
    OAuthClient client;
    client.client_id = "client-1";
    client.client_secret = make_secret(client_secret);
    vault.configure_oauth_client("acme_oauth", client);
    populate(vault, "acme");
    populate(vault, "globex");
  }
  auto raw = pg::Connection::open(uri);

  SUBCASE("in one tenant's context: its rows, in every tenant table, and no other's") {
    for (const std::string tenant : {"acme", "globex"}) {
      enter_tenant(*raw, tenant);
      for (const auto& table : tenant_tables) {
        CAPTURE(tenant);
        CAPTURE(table);
        // Table names are ours (the list above), not inputs.
        CHECK(column(*raw, "SELECT count(*) FROM " + table + " WHERE tenant <> '" + tenant +
                               "'") == std::vector<std::string>{"0"});
        CHECK(column(*raw, "SELECT count(*) > 0 FROM " + table) ==
              std::vector<std::string>{"t"});
      }
      raw->exec_script("COMMIT");
    }
  }
  SUBCASE("without a context: no tenant's rows at all") {
    for (const auto& table : tenant_tables) {
      CAPTURE(table);
      CHECK(column(*raw, "SELECT count(*) FROM " + table) == std::vector<std::string>{"0"});
    }
    // Nor in a transaction that set the context to nothing.
    raw->exec_script("BEGIN; SELECT set_config('linkvault.tenant', '', true)");
    for (const auto& table : tenant_tables) {
      CAPTURE(table);
      CHECK(column(*raw, "SELECT count(*) FROM " + table) == std::vector<std::string>{"0"});
    }
    raw->exec_script("COMMIT");
  }
  SUBCASE("a context ends with its transaction") {
    enter_tenant(*raw, "acme");
    raw->exec_script("COMMIT");
    CHECK(column(*raw, "SELECT count(*) FROM integrations") == std::vector<std::string>{"0"});
  }
  SUBCASE("no row can be written for another tenant, nor another's rows changed") {
    enter_tenant(*raw, "acme");
    CHECK(code_of([&] {
            raw->exec_script(
                "INSERT INTO integrations (id, tenant, provider, name, status, connected_by, "
                "created_at, updated_at) VALUES ('forged', 'globex', 'slack', 'x', 'connected', "
                "'mallory', 0, 0)");
          }) == ErrorCode::permission_denied);
    raw->exec_script("ROLLBACK");
    enter_tenant(*raw, "acme");
    CHECK(code_of([&] {
            raw->exec_script("UPDATE integrations SET tenant = 'globex' WHERE tenant = 'acme'");
          }) == ErrorCode::permission_denied);
    raw->exec_script("ROLLBACK");
    enter_tenant(*raw, "acme");
    const pg::Result updated = raw->exec(
        "update_other", "UPDATE integrations SET status = 'error' WHERE tenant = 'globex'", {});
    CHECK(updated.affected() == 0);
    const pg::Result deleted =
        raw->exec("delete_other", "DELETE FROM activity WHERE tenant = 'globex'", {});
    CHECK(deleted.affected() == 0);
    raw->exec_script("COMMIT");
    enter_tenant(*raw, "globex");
    CHECK(column(*raw, "SELECT count(*) FROM integrations WHERE status = 'error'") ==
          std::vector<std::string>{"0"});
    CHECK(column(*raw, "SELECT count(*) > 0 FROM activity") == std::vector<std::string>{"t"});
    raw->exec_script("COMMIT");
  }
  SUBCASE("the cross-tenant scopes read only what they name") {
    raw->exec_script("BEGIN; SELECT set_config('linkvault.scope', 'workers', true)");
    CHECK(column(*raw, "SELECT count(DISTINCT tenant) FROM sync_jobs") ==
          std::vector<std::string>{"2"});
    for (const std::string table : {"integrations", "keyring", "activity", "oauth_grants"}) {
      CAPTURE(table);
      CHECK(column(*raw, "SELECT count(*) FROM " + table) == std::vector<std::string>{"0"});
    }
    CHECK(raw->exec("workers_update", "UPDATE sync_jobs SET status = 'failed'", {}).affected() ==
          0);
    raw->exec_script("COMMIT");
    raw->exec_script("BEGIN; SELECT set_config('linkvault.scope', 'verify', true)");
    CHECK(column(*raw, "SELECT count(*) FROM keyring") == std::vector<std::string>{"0"});
    CHECK(column(*raw, "SELECT count(*) FROM integrations") == std::vector<std::string>{"0"});
    raw->exec_script("COMMIT");
  }
}

TEST_CASE("no column the database operator can read holds a credential, key or client secret") {
  const std::string uri = fresh_postgres_vault_uri();
  std::vector<std::string> needles = {client_secret};
  {
    Vault vault = Vault::open(uri, random_master());
    vault.register_provider(oauth_spec);
    OAuthClient client;
    client.client_id = "client-1";
    client.client_secret = make_secret(client_secret);
    vault.configure_oauth_client("acme_oauth", client);
    for (const std::string tenant : {"acme", "globex"}) {
      populate(vault, tenant);
      for (const auto& secret : secrets_of(tenant)) needles.push_back(secret);
    }
  }
  // Every text and bytea column of every table, read in every context the
  // rows live in: each tenant's, the vault-wide keyring tenant "", and none.
  auto raw = pg::Connection::open(uri);
  const pg::Result columns = raw->exec(
      "columns",
      "SELECT table_name, column_name, data_type FROM information_schema.columns "
      "WHERE table_schema = current_schema() AND data_type IN ('text', 'bytea') "
      "ORDER BY table_name, column_name",
      {});
  REQUIRE(columns.rows() > 20);
  std::size_t values_read = 0;
  for (const std::string context : {"acme", "globex", "", "(none)"}) {
    if (context == "(none)") {
      raw->exec_script("BEGIN");
    } else {
      enter_tenant(*raw, context);
    }
    for (int c = 0; c < columns.rows(); ++c) {
      const std::string table(columns.text(c, 0));
      const std::string name(columns.text(c, 1));
      const bool bytes = columns.text(c, 2) == "bytea";
      // Names from the catalog, quoted by the server.
      const pg::Param names[] = {pg::Param::of(table), pg::Param::of(name)};
      const std::string sql(
          raw->exec("quote", "SELECT format('SELECT %I FROM %I', $2::text, $1::text)", names)
              .text(0, 0));
      const pg::Result values = raw->exec(statement_name(sql), sql, {}, true);
      for (int row = 0; row < values.rows(); ++row) {
        if (values.is_null(row, 0)) continue;
        ++values_read;
        std::string value;
        if (bytes) {
          const auto blob = values.bytes(row, 0);
          value.assign(blob.begin(), blob.end());
        } else {
          value = std::string(values.text(row, 0));
        }
        for (const auto& needle : needles) {
          CAPTURE(table);
          CAPTURE(name);
          CHECK(value.find(needle) == std::string::npos);
        }
        CHECK(value.find("needle") == std::string::npos);
      }
    }
    raw->exec_script("COMMIT");
  }
  CHECK(values_read > 50);  // the scan read the rows, not an empty vault
}

// Restarts the test server (pg_ctl restart -m fast, as its owner): every
// connection is cut, and the server is down for a moment.
void restart_server() {
  const char* dir = std::getenv("LINKVAULT_PG_DIR");
  const char* bin = std::getenv("LINKVAULT_PG_BIN");
  REQUIRE_MESSAGE(dir != nullptr, "LINKVAULT_PG_DIR is not set (scripts/test-postgres.sh)");
  REQUIRE_MESSAGE(bin != nullptr, "LINKVAULT_PG_BIN is not set (scripts/test-postgres.sh)");
  // Paths from the test script's environment, not from an input.
  const std::string owner = geteuid() == 0 ? "runuser -u postgres -- " : "";
  const std::string command = owner + "'" + bin + "/pg_ctl' -D '" + dir + "/data' -l '" + dir +
                              "/server.log' -m fast -w -s restart >/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
}

TEST_CASE("a server restart mid-run: in-flight calls fail with IO or BUSY, nothing acknowledged "
          "is lost, and the same vault works again" *
          doctest::test_suite("server_restart")) {
  const std::string uri = fresh_postgres_vault_uri();
  const MasterSecret master = random_master();
  Vault vault = Vault::open(uri, master);
  auto acme = vault.tenant("acme");

  std::mutex mutex;
  std::vector<std::string> acknowledged;  // integration names whose connect returned
  std::set<ErrorCode> failures;
  std::atomic<bool> restarted{false}, stop{false};
  std::atomic<int> after_restart{0};
  std::thread writer([&] {
    for (int n = 0; !stop; ++n) {
      const std::string name = "w" + std::to_string(n);
      try {
        acme.connect(admin, "slack", creds({{"bot_token", "xoxb-restart-token-0000"}}),
                     ConnectOptions{.name = name});
        std::lock_guard lock(mutex);
        acknowledged.push_back(name);
        if (restarted) ++after_restart;
      } catch (const Error& error) {
        std::lock_guard lock(mutex);
        failures.insert(error.code());
      }
    }
  });
  const auto wait_for = [&](const std::function<bool()>& done) {
    // A generous bound, only so that a broken vault fails the test rather
    // than hanging it; not a timing assertion.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  };
  const bool started = wait_for([&] {
    std::lock_guard lock(mutex);
    return acknowledged.size() >= 20;
  });
  CHECK(started);
  restart_server();
  restarted = true;
  CHECK(wait_for([&] { return after_restart >= 20; }));
  stop = true;
  writer.join();

  for (const ErrorCode code : failures) {
    CAPTURE(error_code_name(code));
    CHECK((code == ErrorCode::io || code == ErrorCode::busy));
  }
  // Every acknowledged connect is there, read through the same vault.
  std::set<std::string> stored;
  for (const auto& integration : acme.list()) stored.insert(integration.name);
  for (const auto& name : acknowledged) {
    CAPTURE(name);
    CHECK(stored.contains(name));
  }
  CHECK(vault.verify_audit().ok);
  // And by a fresh open.
  Vault reopened = Vault::open(uri, master, OpenOptions{.create = false});
  CHECK(reopened.tenant("acme").list().size() >= acknowledged.size());
}
