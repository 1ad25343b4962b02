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

#include <botan/system_rng.h>
#include <fmt/format.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <vector>

namespace linkvault::bench {
namespace {

namespace postgres_statements {
// PLACEHOLDER_STATEMENTS
}  // namespace postgres_statements

const std::string bench_tenant = "bench";

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

// The bare connection as the vault's pool sets up its own (lock_timeout =
// the busy timeout), with the bench tenant's row present.
void prepare_baseline(BareConnection& bare) {
  bare.exec(fmt::format("SET lock_timeout = '{}ms'", OpenOptions{}.busy_timeout_ms).c_str());
  bare.exec("BEGIN ISOLATION LEVEL READ COMMITTED");
  bare.run("enter_tenant", postgres_statements::enter_tenant, {"=" + bench_tenant});
  bare.run("insert_tenant", postgres_statements::insert_tenant, {bench_tenant});
  bare.exec("COMMIT");
}


double connect_pg_through_linkvault(double seconds, int /*round*/) {
  Vault vault = Vault::open(fresh_postgres_location(*postgres_server()), bench_master());
  Tenant tenant = vault.tenant(bench_tenant);
  const Credentials credentials = slack_credentials();
  std::uint64_t n = 0;
  const auto connect_one = [&] {
    ConnectOptions options;
    options.name = fmt::format("account-{}", n++);
    tenant.connect(bench_admin, "slack", credentials, options);
  };
  connect_one();  // warm up: the tenant's keys, the prepared statements
  return measure_per_second(connect_one, seconds);
}

// The same two rows (integration and activity entry, blobs of the sizes
// linkvault writes) and the same chain head update, in one transaction
// that enters and locks the tenant as the backend does.
double connect_pg_baseline(double seconds, int /*round*/) {
  BareConnection bare(fresh_baseline_location());
  prepare_baseline(bare);
  namespace sql = postgres_statements;
  const std::vector<std::uint8_t> sealed = random_bytes(96), mac = random_bytes(32);
  const std::string marked_tenant = "=" + bench_tenant;
  std::int64_t n = 0;
  const auto connect_one = [&] {
    ++n;
    const std::string id = new_uuid_v7();
    const std::string now = std::to_string(now_ms());
    const std::string name = fmt::format("account-{}", n);
    const std::string sequence = std::to_string(n);
    bare.exec(sql::begin_write);
    bare.run("enter_tenant", sql::enter_tenant, {marked_tenant});
    bare.run("lock_tenant", sql::lock_tenant, {bench_tenant});
    CONNECT_STATEMENTS
    bare.exec("COMMIT");
  };
  connect_one();
  return measure_per_second(connect_one, seconds);
}

// One integration's jobs back to back (enqueue, claim, heartbeat,
// complete: four write transactions), as job_cycle does on a file.
double job_cycle_pg_through_linkvault(double seconds, int /*round*/) {
  Vault vault = Vault::open(fresh_postgres_location(*postgres_server()), bench_master());
  Tenant tenant = vault.tenant(bench_tenant);
  ConnectOptions connect;
  connect.name = "workspace-0";
  const Integration integration = tenant.connect(bench_admin, "slack", slack_credentials(), connect);
  ClaimOptions claim;
  claim.lease = std::chrono::seconds(30);
  const auto cycle = [&] {
    const SyncJob queued = tenant.enqueue_sync(bench_admin, integration.id, JobType::incremental_sync);
    const auto job = vault.claim_job("bench-worker", claim);
    if (!job || job->id != queued.id) std::abort();
    vault.heartbeat(job->id, "bench-worker", JobProgress{50, 100});
    vault.complete_job(job->id, "bench-worker", SyncOutcome::success, R"({"records":100})");
  };
  cycle();
  return measure_per_second(cycle, seconds);
}

// The same four transactions in bare libpq: each the backend's statements
// for the rows that operation writes and the locks it takes.
double job_cycle_pg_baseline(double seconds, int /*round*/) {
  BareConnection bare(fresh_baseline_location());
  prepare_baseline(bare);
  namespace sql = postgres_statements;
  const std::vector<std::uint8_t> sealed = random_bytes(96), mac = random_bytes(32);
  const std::string marked_tenant = "=" + bench_tenant;
  const std::string integration_id = new_uuid_v7();
  JOB_SETUP
  std::int64_t sequence = 0;
  const auto cycle = [&] {
    JOB_STATEMENTS
  };
  cycle();
  return measure_per_second(cycle, seconds);
}

// Job claims per second with `workers` processes, each with its own vault
// (its own pool), draining a queue of `jobs` due jobs spread over
// `tenants` tenants; each claimed job is completed, as a worker would.
double claims_per_second(const std::string& location, const std::vector<std::pair<std::string, std::string>>& integrations,
                         int workers) {
  {
    Vault vault = Vault::open(location, bench_master());
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
      int status = 0;
      try {
        Vault vault = Vault::open(location, bench_master());
        const std::string worker_id = fmt::format("bench-worker-{}", w);
        ClaimOptions claim;
        claim.lease = std::chrono::seconds(60);
        char byte = 'r';
        if (write(ready[1], &byte, 1) != 1 || read(go[0], &byte, 1) != 1) _exit(3);
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
  for (int w = 0; w < workers; ++w) {
    char byte;
    if (read(ready[0], &byte, 1) != 1) std::abort();
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string go_bytes(static_cast<std::size_t>(workers), 'g');
  if (write(go[1], go_bytes.data(), go_bytes.size()) != static_cast<ssize_t>(go_bytes.size())) std::abort();
  bool failed = false;
  for (const pid_t pid : children) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = true;
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
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
  const auto [linkvault_rate, baseline_rate] = alternate(connect_pg_through_linkvault, connect_pg_baseline);
  report_throughput("connect_pg", linkvault_rate, baseline_rate,
                    postgres_server_fields(*postgres_server()));
}

LINKVAULT_WORKLOAD("job_cycle_pg") {
  if (skip_without_postgres("job_cycle_pg")) return;
  const auto [linkvault_rate, baseline_rate] = alternate(job_cycle_pg_through_linkvault, job_cycle_pg_baseline);
  report_throughput("job_cycle_pg", linkvault_rate, baseline_rate,
                    ", \"transactions_per_cycle\": 4" + postgres_server_fields(*postgres_server()));
}

LINKVAULT_WORKLOAD("job_claims_pg") {
  if (skip_without_postgres("job_claims_pg")) return;
  const int job_count = option("jobs").empty() ? 1000 : std::stoi(option("jobs"));
  constexpr int tenant_count = 32;
  const std::string location = fresh_postgres_location(*postgres_server());
  std::vector<std::pair<std::string, std::string>> integrations;
  {
    Vault vault = Vault::open(location, bench_master());
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
    const double rate = claims_per_second(location, integrations, workers);
    curve += fmt::format("{}\"{}\": {:.0f}", curve.empty() ? "" : ", ", workers, rate);
  }
  fmt::print("{{\"workload\": \"job_claims_pg\", \"claims_per_s_by_workers\": {{{}}}, "
             "\"jobs\": {}, \"tenants\": {}{}}}\n",
             curve, job_count, tenant_count, postgres_server_fields(*postgres_server()));
  std::fflush(stdout);
}

}  // namespace linkvault::bench
