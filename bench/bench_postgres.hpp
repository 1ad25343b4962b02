// What the PostgreSQL workloads share: the server they run against (from
// LINKVAULT_BENCH_POSTGRES, else LINKVAULT_TEST_POSTGRES; without one they
// print a "skipped" line), a fresh schema per vault (dropped at exit), and
// the baseline's bare libpq connection: PQprepare once, PQexecPrepared per
// statement, text parameters and binary bytea, nothing of linkvault's above
// it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

struct pg_conn;

namespace linkvault::bench {

// The server's URI, or nullopt when neither variable is set.
std::optional<std::string> postgres_server();

// Prints {"workload": NAME, "skipped": "no PostgreSQL"} and returns true
// when there is no server to run against.
bool skip_without_postgres(const std::string& workload);

// A new empty schema on `server`, dropped when the process exits; returns
// the vault location whose connections use it as their current schema.
std::string fresh_postgres_location(const std::string& server);

// `, "server": "PostgreSQL 15.x", "server_fsync": "off"` for a report's
// extra fields: the ratio is fair whatever the server's durability settings
// (both sides share them), but the absolute rates depend on them.
std::string postgres_server_fields(const std::string& server);

// One bare libpq connection. Every failure aborts the bench with the
// server's message: a baseline that silently did less would flatter us.
class BareConnection {
 public:
  explicit BareConnection(const std::string& location);
  ~BareConnection();
  BareConnection(const BareConnection&) = delete;
  BareConnection& operator=(const BareConnection&) = delete;

  // One parameter: text, SQL NULL (nullopt) or bytes (binary bytea).
  struct Param {
    std::optional<std::string_view> text;
    std::span<const std::uint8_t> bytes;
    bool is_bytes = false;
    Param(std::string_view value) : text(value) {}                      // NOLINT
    Param(const std::string& value) : text(std::string_view(value)) {}  // NOLINT
    Param(const char* value) : text(std::string_view(value)) {}         // NOLINT
    Param(std::nullopt_t) {}                                            // NOLINT
    Param(std::span<const std::uint8_t> value) : bytes(value), is_bytes(true) {}  // NOLINT
  };

  // A statement with no parameters and no result (BEGIN, COMMIT, SET).
  void exec(const char* sql);
  // Runs `sql` prepared under `name` (prepared on first use); returns the
  // number of rows it returned or changed. `binary_results` as the backend
  // asks for them (its queries that read bytea).
  std::int64_t run(const std::string& name, const char* sql, std::initializer_list<Param> params,
                   bool binary_results = false);

 private:
  pg_conn* connection_;
  std::set<std::string, std::less<>> prepared_;
};

}  // namespace linkvault::bench
