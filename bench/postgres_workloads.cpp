// PostgreSQL workloads (DESIGN.md §9, issue 11), run when a server is given
// (bench_postgres.hpp): connect_pg and job_cycle_pg, each against bare libpq
// running the same statements the PostgreSQL backend runs for the same
// writes, in the same run against the same server; and job_claims_pg, job
// claims per second with 1, 2 and 4 worker processes.
//
// The baselines run the backend's own SQL text (postgres_statements below,
// copied from src/store/postgres_session*.cpp) on one bare connection:
// prepared once, parameters bound, values precomputed. What they leave out
// is linkvault's: validation, sealing, the audit MAC, the checking reads
// (the existing-integration look, the quota count, the keyring, the job
// loads and state checks) and its layers. Both sides share the server and
// its settings (the bench prints its fsync: off under
// scripts/test-postgres.sh, which flatters both sides alike).
#include "bench.hpp"
#include "bench_postgres.hpp"
#include "bench_vaults.hpp"

#include "core/uuid.hpp"
#include "linkvault/linkvault.hpp"
#include "store/store_rows.hpp"
#include "store/store_rows.hpp"

#include <botan/system_rng.h>
#include <fmt/format.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace linkvault::bench {
namespace {

// The backend's own statements, text for text: the session's transaction
// and tenant context (postgres_session.cpp), the integration insert
// (postgres_session_integrations.cpp), the chain append
// (postgres_session_audit.cpp) and the job queries
// (postgres_session_jobs.cpp). Column lists are the backend's macros.
namespace postgres_statements {
constexpr const char* begin_write = "BEGIN ISOLATION LEVEL READ COMMITTED";
constexpr const char* enter_tenant = "SELECT set_config('linkvault.tenant', $1, true)";
constexpr const char* enter_scope = "SELECT set_config('linkvault.scope', $1, true)";
constexpr const char* lock_tenant = "SELECT 1 FROM tenants WHERE tenant = $1 FOR UPDATE";
constexpr const char* try_lock_tenant =
    "SELECT 1 FROM tenants WHERE tenant = $1 FOR UPDATE SKIP LOCKED";
constexpr const char* insert_tenant =
    "INSERT INTO tenants (tenant) VALUES ($1) ON CONFLICT DO NOTHING";
constexpr const char* insert_integration =
    "INSERT INTO integrations (" LV_INTEGRATION_COLUMNS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
    "$17, $18, $19, $20, $21, $22) ON CONFLICT (tenant, provider, name) DO NOTHING";
// The chain append: the head (binary: it is bytea), the entry, the head moved.
constexpr const char* audit_head =
    "SELECT audit_sequence, audit_head FROM tenants WHERE tenant = $1";
constexpr const char* insert_activity =
    "INSERT INTO activity (" LV_ACTIVITY_COLUMNS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
constexpr const char* move_audit_head =
    "INSERT INTO tenants (tenant, audit_sequence, audit_head) VALUES ($1, $2, $3) "
    "ON CONFLICT (tenant) DO UPDATE SET audit_sequence = EXCLUDED.audit_sequence, "
    "audit_head = EXCLUDED.audit_head";
constexpr const char* insert_job =
    "INSERT INTO sync_jobs (" LV_JOB_COLUMNS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
    "$18, $19, $20, $21, $22, $23, $24, $25) "
    "ON CONFLICT (integration_id) WHERE status IN ('pending', 'running') DO NOTHING";
constexpr const char* due_job_candidates =
    "SELECT id, tenant, run_after, created_at FROM sync_jobs "
    "WHERE status = 'pending' AND run_after <= $1 "
    "AND (cardinality($2::text[]) = 0 OR type = ANY ($2::text[])) "
    "AND ($3::bigint IS NULL OR (run_after, created_at, id) > ($3::bigint, $4::bigint, "
    "$5::text)) "
    "ORDER BY run_after, created_at, id LIMIT $6";
constexpr const char* lock_due_job =
    "SELECT " LV_JOB_COLUMNS " FROM sync_jobs "
    "WHERE id = $1 AND status = 'pending' AND run_after <= $2 "
    "FOR UPDATE SKIP LOCKED";
constexpr const char* find_job = "SELECT " LV_JOB_COLUMNS " FROM sync_jobs WHERE id = $1";
constexpr const char* update_job_if =
    "UPDATE sync_jobs SET status = $2, progress_percent = $3, records_processed = $4, "
    "records_total = $5, attempt = $6, run_after = $7, worker_id = $8, lease_token = $9, "
    "lease_ms = $10, lease_until = $11, cancel_requested = $12, error = $13, "
    "outcome = $14, summary = $15, started_at = $16, completed_at = $17, updated_at = $18 "
    "WHERE id = $1 AND status = $19 AND lease_token = $20";
constexpr const char* update_progress_if =
    "UPDATE sync_jobs SET records_processed = $2, records_total = $3, progress_percent = $4, "
    "lease_ms = $5, lease_until = $6, updated_at = $7 "
    "WHERE id = $1 AND status = 'running' AND lease_token = $8";
constexpr const char* record_sync_result =
    "UPDATE integrations SET last_sync_at = $3, last_sync_status = $4, updated_at = $3 "
    "WHERE id = $1 AND tenant = $2";
}  // namespace postgres_statements

const std::string bench_tenant = "bench";

// One side of a workload, set up once: each call is one operation.
using Operation = std::function<void()>;

// Runs one warm-up call of each side (the tenant's keys, prepared
// statements), then the two in alternating slices of `slice_seconds`,
// `rounds` each, so that load from others on a shared machine (and on the
// server, which shares it) falls on both alike; returns the two mean rates.
std::pair<double, double> alternate_slices(const Operation& linkvault, const Operation& baseline,
                                           int rounds = 8, double slice_seconds = 0.25) {
  linkvault();
  baseline();
  double linkvault_rate = 0, baseline_rate = 0;
  for (int round = 0; round < rounds; ++round) {
    linkvault_rate += measure_per_second(linkvault, slice_seconds);
    baseline_rate += measure_per_second(baseline, slice_seconds);
  }
  return {linkvault_rate / rounds, baseline_rate / rounds};
}

Credentials slack_credentials() {
  Credentials credentials;
  credentials.emplace("bot_token", make_secret("xoxb-0000000000-1111111111-abcdefghijklmnop"));
  return credentials;
}

std::vector<std::uint8_t> random_bytes(std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  Botan::system_rng().randomize(bytes.data(), bytes.size());
  return bytes;
}

// A fresh schema holding an empty vault (the tables, policies and meta a
// vault creates), for a baseline to write into with bare SQL.
std::string fresh_baseline_location() {
  const std::string location = fresh_postgres_location(*postgres_server());
  Vault::open(location, bench_master()).close();
  return location;
}

// The chain append as the backend runs it: read the head, insert the
// entry (a MAC of the size linkvault writes), move the head.
void append_entry(BareConnection& bare, const std::string& sequence,
                  const std::string& integration_id, const char* action,
                  const std::string& details, const std::string& now,
                  std::span<const std::uint8_t> mac) {
  namespace sql = postgres_statements;
  if (bare.run("audit_head", sql::audit_head, {bench_tenant}, true) != 1) std::abort();
  bare.run("insert_activity", sql::insert_activity,
           {bench_tenant, sequence, new_uuid_v7(), integration_id, action, "u-bench",
            "Bench Admin", details, now, "1", mac});
  bare.run("move_audit_head", sql::move_audit_head, {bench_tenant, sequence, mac});
}

// The bare connection as the vault's pool sets up its own (lock_timeout =
// the busy timeout), with the bench tenant's row present.
void prepare_baseline(BareConnection& bare) {
  bare.exec(fmt::format("SET lock_timeout = '{}ms'", OpenOptions{}.busy_timeout_ms).c_str());
  bare.exec("BEGIN ISOLATION LEVEL READ COMMITTED");
  bare.run("enter_tenant", postgres_statements::enter_tenant, {"=" + bench_tenant});
  bare.run("insert_tenant", postgres_statements::insert_tenant, {bench_tenant});
  bare.exec("COMMIT");
}


// One connect per call, on a fresh vault.
Operation connect_pg_through_linkvault() {
  auto vault = std::make_shared<Vault>(
      Vault::open(fresh_postgres_location(*postgres_server()), bench_master()));
  auto tenant = std::make_shared<Tenant>(vault->tenant(bench_tenant));
  auto n = std::make_shared<std::uint64_t>(0);
  return [vault, tenant, n, credentials = slack_credentials()] {
    ConnectOptions options;
    options.name = fmt::format("account-{}", (*n)++);
    tenant->connect(bench_admin, "slack", credentials, options);
  };
}

// The same two rows (integration and activity entry, blobs of the sizes
// linkvault writes) and the same chain head update, in one transaction
// that enters and locks the tenant as the backend does.
Operation connect_pg_baseline() {
  auto connection = std::make_shared<BareConnection>(fresh_baseline_location());
  prepare_baseline(*connection);
  auto n = std::make_shared<std::int64_t>(0);
  return [connection, n, sealed = random_bytes(96), mac = random_bytes(32)] {
    namespace sql = postgres_statements;
    BareConnection& bare = *connection;
    const std::string marked_tenant = "=" + bench_tenant;
    const std::int64_t number = ++*n;
    const std::string id = new_uuid_v7();
    const std::string now = std::to_string(now_ms());
    const std::string name = fmt::format("account-{}", number);
    const std::string sequence = std::to_string(number);
    bare.exec(sql::begin_write);
    bare.run("enter_tenant", sql::enter_tenant, {marked_tenant});
    bare.run("lock_tenant", sql::lock_tenant, {bench_tenant});
    bare.run("insert_integration", sql::insert_integration,
             {id, bench_tenant, "slack", name, std::nullopt, "connected",
              std::span<const std::uint8_t>(sealed), "••••mnop", "[]", std::nullopt, "u-bench",
              now, std::nullopt, std::nullopt, std::nullopt, "0", std::nullopt, std::nullopt,
              std::nullopt, std::nullopt, now, now});
    append_entry(bare, sequence, id, "connected",
                 fmt::format("{{\"provider\":\"slack\",\"name\":\"{}\",\"reconnected\":false}}", name),
                 now, mac);
    bare.exec("COMMIT");
  };
}

// One integration's jobs back to back (enqueue, claim, heartbeat,
// complete: four write transactions), as job_cycle does on a file.
Operation job_cycle_pg_through_linkvault() {
  auto vault = std::make_shared<Vault>(
      Vault::open(fresh_postgres_location(*postgres_server()), bench_master()));
  auto tenant = std::make_shared<Tenant>(vault->tenant(bench_tenant));
  ConnectOptions connect;
  connect.name = "workspace-0";
  const Integration integration = tenant->connect(bench_admin, "slack", slack_credentials(), connect);
  return [vault, tenant, integration_id = integration.id] {
    ClaimOptions claim;
    claim.lease = std::chrono::seconds(30);
    const SyncJob queued = tenant->enqueue_sync(bench_admin, integration_id, JobType::incremental_sync);
    const auto job = vault->claim_job("bench-worker", claim);
    if (!job || job->id != queued.id) std::abort();
    vault->heartbeat(job->id, "bench-worker", JobProgress{50, 100});
    vault->complete_job(job->id, "bench-worker", SyncOutcome::success, R"({"records":100})");
  };
}

// The same four transactions in bare libpq: each the backend's statements
// for the rows that operation writes and the locks it takes.
Operation job_cycle_pg_baseline() {
  auto connection = std::make_shared<BareConnection>(fresh_baseline_location());
  BareConnection& bare = *connection;
  prepare_baseline(bare);
  namespace sql = postgres_statements;
  const std::vector<std::uint8_t> sealed = random_bytes(96);
  const std::string marked_tenant = "=" + bench_tenant;
  const std::string integration_id = new_uuid_v7();
  const std::string connected_at = std::to_string(now_ms());
  bare.exec(sql::begin_write);
  bare.run("enter_tenant", sql::enter_tenant, {marked_tenant});
  bare.run("lock_tenant", sql::lock_tenant, {bench_tenant});
  bare.run("insert_integration", sql::insert_integration,
           {integration_id, bench_tenant, "slack", "workspace-0", std::nullopt, "connected",
            std::span<const std::uint8_t>(sealed), "••••mnop", "[]", std::nullopt, "u-bench",
            connected_at, std::nullopt, std::nullopt, std::nullopt, "0", std::nullopt,
            std::nullopt, std::nullopt, std::nullopt, connected_at, connected_at});
  bare.exec("COMMIT");
  auto last_sequence = std::make_shared<std::int64_t>(0);
  return [connection, last_sequence, integration_id, marked_tenant, mac = random_bytes(32)] {
    BareConnection& bare = *connection;
    std::int64_t& sequence = *last_sequence;
    const std::string job_id = new_uuid_v7();
    const std::string lease_token = new_uuid_v7();
    const std::string queued_at = std::to_string(now_ms());
    const std::string no_types = "{}", batch = "16";
    // enqueue_sync
    bare.exec(sql::begin_write);
    bare.run("enter_tenant", sql::enter_tenant, {marked_tenant});
    bare.run("lock_tenant", sql::lock_tenant, {bench_tenant});
    if (bare.run("insert_job", sql::insert_job,
                 {job_id, bench_tenant, integration_id, "incremental_sync", "pending", "{}", "0",
                  "0", std::nullopt, "0", "3", "30", queued_at, std::nullopt, "", "0",
                  std::nullopt, "0", std::nullopt, std::nullopt, std::nullopt, queued_at,
                  std::nullopt, std::nullopt, queued_at}) != 1) {
      std::abort();
    }
    append_entry(bare, std::to_string(++sequence), integration_id, "sync_queued",
                 fmt::format("{{\"job_id\":\"{}\",\"type\":\"incremental_sync\"}}", job_id),
                 queued_at, mac);
    bare.exec("COMMIT");
    // claim_job
    const std::string claimed_at = std::to_string(now_ms());
    const std::string lease_until = std::to_string(now_ms() + 30000);
    bare.exec(sql::begin_write);
    bare.run("enter_scope", sql::enter_scope, {"workers"});
    if (bare.run("due_job_candidates", sql::due_job_candidates,
                 {claimed_at, no_types, std::nullopt, std::nullopt, std::nullopt, batch}) != 1) {
      std::abort();
    }
    bare.run("enter_tenant", sql::enter_tenant, {marked_tenant});
    if (bare.run("try_lock_tenant", sql::try_lock_tenant, {bench_tenant}) != 1) std::abort();
    if (bare.run("lock_due_job", sql::lock_due_job, {job_id, claimed_at}) != 1) std::abort();
    if (bare.run("update_job_if", sql::update_job_if,
                 {job_id, "running", "0", "0", std::nullopt, "1", queued_at, "bench-worker",
                  lease_token, "30000", lease_until, "0", std::nullopt, std::nullopt,
                  std::nullopt, claimed_at, std::nullopt, claimed_at, "pending", ""}) != 1) {
      std::abort();
    }
    append_entry(bare, std::to_string(++sequence), integration_id, "sync_started",
                 fmt::format("{{\"job_id\":\"{}\",\"type\":\"incremental_sync\",\"attempt\":1}}",
                             job_id),
                 claimed_at, mac);
    bare.exec("COMMIT");
    // heartbeat
    const std::string beat_at = std::to_string(now_ms());
    bare.exec(sql::begin_write);
    bare.run("enter_scope", sql::enter_scope, {"workers"});
    if (bare.run("find_job", sql::find_job, {job_id}) != 1) std::abort();
    bare.run("enter_tenant", sql::enter_tenant, {marked_tenant});
    bare.run("lock_tenant", sql::lock_tenant, {bench_tenant});
    if (bare.run("update_progress_if", sql::update_progress_if,
                 {job_id, "50", "100", "50", "30000", lease_until, beat_at, lease_token}) != 1) {
      std::abort();
    }
    bare.exec("COMMIT");
    // complete_job
    const std::string completed_at = std::to_string(now_ms());
    bare.exec(sql::begin_write);
    bare.run("enter_scope", sql::enter_scope, {"workers"});
    if (bare.run("find_job", sql::find_job, {job_id}) != 1) std::abort();
    bare.run("enter_tenant", sql::enter_tenant, {marked_tenant});
    bare.run("lock_tenant", sql::lock_tenant, {bench_tenant});
    if (bare.run("update_job_if", sql::update_job_if,
                 {job_id, "completed", "100", "50", "100", "1", queued_at, "bench-worker", "",
                  "30000", std::nullopt, "0", std::nullopt, "success", R"({"records":100})",
                  claimed_at, completed_at, completed_at, "running", lease_token}) != 1) {
      std::abort();
    }
    bare.run("record_sync_result", sql::record_sync_result,
             {integration_id, bench_tenant, completed_at, "success"});
    append_entry(bare, std::to_string(++sequence), integration_id, "sync_completed",
                 fmt::format("{{\"job_id\":\"{}\",\"outcome\":\"success\",\"records_processed\":50}}",
                             job_id),
                 completed_at, mac);
    bare.exec("COMMIT");
  };
}

// Job claims per second with `workers` processes, each with its own vault
// (its own pool), draining a queue of `jobs` due jobs spread over
// `tenants` tenants; each claimed job is completed, as a worker would.
double claims_per_second(const std::string& location, const MasterSecret& master,
                         const std::vector<std::pair<std::string, std::string>>& integrations,
                         int workers) {
  {
    Vault vault = Vault::open(location, master);
    for (const auto& [tenant_id, integration_id] : integrations) {
      vault.tenant(tenant_id).enqueue_sync(bench_admin, integration_id, JobType::full_import);
    }
  }
  const auto job_count = static_cast<std::int64_t>(integrations.size());
  // Shared by the forked workers: how many jobs were claimed in all, so a
  // worker stops when the queue is drained (not at its first empty claim:
  // a claim passes over tenants another worker holds at that moment).
  void* shared = mmap(nullptr, sizeof(std::atomic<std::int64_t>), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) std::abort();
  auto* claimed = new (shared) std::atomic<std::int64_t>(0);
  int ready[2], go[2];
  if (pipe(ready) != 0 || pipe(go) != 0) std::abort();
  std::vector<pid_t> children;
  for (int w = 0; w < workers; ++w) {
    const pid_t pid = fork();
    if (pid < 0) std::abort();
    if (pid == 0) {
      // Only the parent writes `go`: its closing wakes a worker left waiting.
      close(go[1]);
      close(ready[0]);
      int status = 0;
      try {
        Vault vault = Vault::open(location, master);
        const std::string worker_id = fmt::format("bench-worker-{}", w);
        ClaimOptions claim;
        claim.lease = std::chrono::seconds(60);
        char byte = 'r';
        const bool told = write(ready[1], &byte, 1) == 1;
        close(ready[1]);  // a worker that dies before this is seen as missing
        if (!told || read(go[0], &byte, 1) != 1) _exit(3);
        while (claimed->load() < job_count) {
          const auto job = vault.claim_job(worker_id, claim);
          if (!job) continue;
          claimed->fetch_add(1);
          vault.complete_job(job->id, worker_id);
        }
      } catch (const std::exception& error) {
        std::fprintf(stderr, "job_claims_pg: worker %d: %s\n", w, error.what());
        status = 1;
      }
      _exit(status);  // not exit(): the parent's atexit handlers are the parent's
    }
    children.push_back(pid);
  }
  close(ready[1]);
  close(go[0]);
  bool failed = false;
  for (int w = 0; w < workers && !failed; ++w) {
    char byte;
    failed = read(ready[0], &byte, 1) != 1;  // 0: a worker died opening its vault
  }
  const auto start = std::chrono::steady_clock::now();
  if (!failed) {
    const std::string go_bytes(static_cast<std::size_t>(workers), 'g');
    failed = write(go[1], go_bytes.data(), go_bytes.size()) !=
             static_cast<ssize_t>(go_bytes.size());
  }
  close(go[1]);  // workers still waiting (after a failure) read 0 and leave
  for (const pid_t pid : children) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = true;
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(ready[0]);
  const std::int64_t total = claimed->load();
  munmap(shared, sizeof(std::atomic<std::int64_t>));
  if (failed || total != job_count) {
    std::fprintf(stderr, "job_claims_pg: %lld of %lld jobs claimed\n", static_cast<long long>(total),
                 static_cast<long long>(job_count));
    std::abort();
  }
  return static_cast<double>(job_count) / elapsed;
}

}  // namespace

LINKVAULT_WORKLOAD("connect_pg") {
  if (skip_without_postgres("connect_pg")) return;
  const auto [linkvault_rate, baseline_rate] =
      alternate_slices(connect_pg_through_linkvault(), connect_pg_baseline());
  report_throughput("connect_pg", linkvault_rate, baseline_rate,
                    postgres_server_fields(*postgres_server()));
}

LINKVAULT_WORKLOAD("job_cycle_pg") {
  if (skip_without_postgres("job_cycle_pg")) return;
  const auto [linkvault_rate, baseline_rate] =
      alternate_slices(job_cycle_pg_through_linkvault(), job_cycle_pg_baseline());
  report_throughput("job_cycle_pg", linkvault_rate, baseline_rate,
                    ", \"transactions_per_cycle\": 4" + postgres_server_fields(*postgres_server()));
}

LINKVAULT_WORKLOAD("job_claims_pg") {
  if (skip_without_postgres("job_claims_pg")) return;
  const int job_count = option("jobs").empty() ? 1000 : std::stoi(option("jobs"));
  constexpr int tenant_count = 32;
  const std::string location = fresh_postgres_location(*postgres_server());
  const MasterSecret master = bench_master();  // one secret: the vault is opened again
  std::vector<std::pair<std::string, std::string>> integrations;
  {
    Vault vault = Vault::open(location, master);
    const Credentials credentials = slack_credentials();
    for (int n = 0; n < job_count; ++n) {
      const std::string tenant_id = fmt::format("bench-{}", n % tenant_count);
      ConnectOptions options;
      options.name = fmt::format("workspace-{}", n);
      integrations.emplace_back(
          tenant_id, vault.tenant(tenant_id).connect(bench_admin, "slack", credentials, options).id);
    }
  }
  std::string curve;
  for (const int workers : {1, 2, 4}) {
    const double rate = claims_per_second(location, master, integrations, workers);
    curve += fmt::format("{}\"{}\": {:.0f}", curve.empty() ? "" : ", ", workers, rate);
  }
  fmt::print("{{\"workload\": \"job_claims_pg\", \"claims_per_s_by_workers\": {{{}}}, "
             "\"jobs\": {}, \"tenants\": {}, \"cpus\": {}{}}}\n",
             curve, job_count, tenant_count, std::thread::hardware_concurrency(),
             postgres_server_fields(*postgres_server()));
  std::fflush(stdout);
}

}  // namespace linkvault::bench
