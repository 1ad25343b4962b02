// Record path workloads (DESIGN.md §9, issue 12), on CRM clients with 25
// mapped fields (bench/crm_payload.hpp):
//   map_records         Tenant::map_records of 10,000 clients, nothing
//                       remembered, against a bare simdjson On-Demand pass
//                       that reads the same 25 fields (and the id) of every
//                       client: records per second, ratio.
//   import_500_clients  map + commit of 500 clients inside a full_import
//                       job, into an integration that remembers none of
//                       them and into one that holds them all unchanged:
//                       milliseconds.
//   commit_records      Tenant::commit_records of 10,000 created records
//                       against a bare SQLCipher insert of the same
//                       (external id, 32-byte hash) rows in one transaction,
//                       same pragmas, same WITHOUT ROWID primary key.
// Options: --records N (map_records, commit_records), --rounds N.
#include "bench.hpp"
#include "bench_vaults.hpp"
#include "crm_payload.hpp"

#include "core/uuid.hpp"
#include "linkvault/linkvault.hpp"
#include "store/sqlcipher_store.hpp"
#include "store/sqlite.hpp"

#include <botan/system_rng.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

namespace linkvault::bench {
namespace {

constexpr std::uint64_t payload_seed = 12;

int int_option(const char* name, int fallback) {
  return option(name).empty() ? fallback : std::stoi(option(name));
}

// Both sides are measured the same number of times, in alternation, and
// each reports its median.
int rounds() { return int_option("rounds", 5); }

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

template <typename Op>
double seconds_of(Op&& op) {
  const auto start = std::chrono::steady_clock::now();
  op();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

[[noreturn]] void fail(const std::string& workload, const std::string& what) {
  fmt::print(stderr, "{}: {}\n", workload, what);
  std::abort();
}

// An integration with the 25 CRM rules as its own mappings.
Integration crm_integration(Tenant& tenant, const std::string& name) {
  Credentials credentials;
  credentials.emplace("bot_token", make_secret("xoxb-0000000000-1111111111-abcdefghijklmnop"));
  ConnectOptions options;
  options.name = name;
  Integration integration = tenant.connect(bench_admin, "slack", credentials, options);
  tenant.set_field_mappings(bench_admin, integration.id, crm_client_mappings());
  return integration;
}

void expect_counts(const char* workload, const RecordBatch& batch, std::int64_t created,
                   std::int64_t unchanged) {
  const RecordCounts& counts = batch.counts();
  if (counts.created != created || counts.unchanged != unchanged || counts.updated != 0 ||
      counts.failed != 0) {
    fail(workload, fmt::format("expected {} created and {} unchanged, got created {} updated {} "
                               "unchanged {} failed {}{}",
                               created, unchanged, counts.created, counts.updated, counts.unchanged,
                               counts.failed,
                               batch.errors().empty() ? std::string()
                                                      : fmt::format(" (first: {}: {})",
                                                                    batch.errors()[0].field,
                                                                    batch.errors()[0].message)));
  }
}

// --- map_records ---------------------------------------------------------

// Reads one scalar so the compiler cannot drop the read: strings are
// unescaped, numbers converted.
std::uint64_t touch(simdjson::ondemand::value value) {
  using simdjson::ondemand::json_type;
  switch (value.type().value()) {
    case json_type::string: {
      const std::string_view text = value.get_string().value();
      return text.size() + (text.empty() ? 0 : static_cast<unsigned char>(text[0]));
    }
    case json_type::number: return static_cast<std::uint64_t>(value.get_double().value());
    case json_type::boolean: return value.get_bool().value() ? 1 : 2;
    case json_type::null: return 3;
    default: return value.raw_json_token().size();
  }
}

// The bare minimum for "read these fields of every record": one On-Demand
// pass, each field found with find_field_unordered (a rule can name any
// key, in any order) in the order the rules name them — the order the
// payload holds them in, so every lookup is a forward step. The padded copy
// is part of it: like map_records, it starts from a caller's string_view.
std::uint64_t baseline_pass(simdjson::ondemand::parser& parser, std::string_view payload,
                            const std::vector<std::string>& custom_names) {
  const simdjson::padded_string padded(payload);
  std::uint64_t sink = 0;
  simdjson::ondemand::document document = parser.iterate(padded);
  for (simdjson::ondemand::object client : document.get_array()) {
    sink += touch(client.find_field_unordered("id"));
    sink += touch(client.find_field_unordered("first_name"));
    sink += touch(client.find_field_unordered("last_name"));
    simdjson::ondemand::object contact = client.find_field_unordered("contact").get_object();
    sink += touch(contact.find_field_unordered("email"));
    sink += touch(contact.find_field_unordered("phone"));
    sink += touch(client.find_field_unordered("event_date"));
    simdjson::ondemand::object custom = client.find_field_unordered("custom_fields").get_object();
    for (const std::string& name : custom_names) sink += touch(custom.find_field_unordered(name));
  }
  return sink;
}

}  // namespace

LINKVAULT_WORKLOAD("map_records") {
  const int count = int_option("records", 10000);
  const std::string payload = crm_clients_json(count, payload_seed);
  Vault vault = Vault::open(scratch_directory() + "/map-records.vault", bench_master());
  Tenant tenant = vault.tenant("bench");
  const Integration integration = crm_integration(tenant, "map-records");
  std::vector<std::string> custom_names;
  for (int n = 1; n <= crm_custom_field_count; ++n) custom_names.push_back(fmt::format("cf_{:02d}", n));

  simdjson::ondemand::parser parser;
  volatile std::uint64_t sink = 0;
  // Warm-up: the first map creates the tenant's records key (a write).
  expect_counts("map_records", tenant.map_records(integration.id, payload), count, 0);
  sink = sink + baseline_pass(parser, payload, custom_names);

  std::vector<double> linkvault_rates, baseline_rates;
  for (int round = 0; round < rounds(); ++round) {
    RecordBatch batch;
    const double mapped = seconds_of([&] { batch = tenant.map_records(integration.id, payload); });
    expect_counts("map_records", batch, count, 0);
    linkvault_rates.push_back(count / mapped);
    const double read = seconds_of([&] { sink = sink + baseline_pass(parser, payload, custom_names); });
    baseline_rates.push_back(count / read);
  }
  report_throughput("map_records", median(linkvault_rates), median(baseline_rates),
                    fmt::format(", \"records\": {}, \"fields\": {}, \"payload_bytes\": {}, "
                                "\"rounds\": {}",
                                count, crm_client_mappings().size(), payload.size(), rounds()));
}

// --- import_500_clients --------------------------------------------------

namespace {

// map + commit of the whole page inside a claimed full_import job, as a
// sync worker does it; the job's enqueue, claim and completion are outside
// the time (job_cycle measures them).
double import_ms(Vault& vault, Tenant& tenant, const Integration& integration,
                 const std::string& payload, std::int64_t created, std::int64_t unchanged) {
  const std::string worker = "bench-importer";
  const SyncJob queued = tenant.enqueue_sync(bench_admin, integration.id, JobType::full_import);
  ClaimOptions claim;
  claim.lease = std::chrono::seconds(60);
  const auto job = vault.claim_job(worker, claim);
  if (!job || job->id != queued.id) fail("import_500_clients", "the claim did not return the job");
  MapOptions options;
  options.job_id = job->id;
  options.worker_id = worker;
  RecordBatch batch;
  const double seconds = seconds_of([&] {
    batch = tenant.map_records(integration.id, payload, options);
    tenant.commit_records(batch);
  });
  expect_counts("import_500_clients", batch, created, unchanged);
  vault.complete_job(job->id, worker, SyncOutcome::success);
  return seconds * 1000;
}

}  // namespace

LINKVAULT_WORKLOAD("import_500_clients") {
  constexpr int count = 500;
  const std::string payload = crm_clients_json(count, payload_seed);
  Vault vault = Vault::open(scratch_directory() + "/import-500.vault", bench_master());
  Tenant tenant = vault.tenant("bench");
  {  // Warm-up: creates the tenant's records key, as any earlier import would have.
    const Integration warm = crm_integration(tenant, "import-warm-up");
    import_ms(vault, tenant, warm, payload, count, 0);
  }
  std::vector<double> empty_ms, unchanged_ms;
  for (int round = 0; round < rounds(); ++round) {
    const Integration integration = crm_integration(tenant, fmt::format("import-{}", round));
    empty_ms.push_back(import_ms(vault, tenant, integration, payload, count, 0));
    unchanged_ms.push_back(import_ms(vault, tenant, integration, payload, 0, count));
  }
  const double empty = median(empty_ms), unchanged = median(unchanged_ms);
  fmt::print("{{\"workload\": \"import_500_clients\", \"ms\": {:.1f}, \"empty_ms\": {:.1f}, "
             "\"unchanged_ms\": {:.1f}, \"records\": {}, \"fields\": {}, \"payload_bytes\": {}, "
             "\"rounds\": {}}}\n",
             std::max(empty, unchanged), empty, unchanged, count, crm_client_mappings().size(),
             payload.size(), rounds());
  std::fflush(stdout);
}

// --- commit_records ------------------------------------------------------

namespace {

// One round: a fresh integration (so every row is an insert), its batch
// mapped beforehand; only the commit is timed.
double commit_through_linkvault(Tenant& tenant, const std::string& payload, int count,
                                int round) {
  const Integration integration = crm_integration(tenant, fmt::format("commit-{}", round));
  const RecordBatch batch = tenant.map_records(integration.id, payload);
  expect_counts("commit_records", batch, count, 0);
  return count / seconds_of([&] { tenant.commit_records(batch); });
}

// Declared like the vault's `records` (migration 0005: same columns, checks
// and primary key, WITHOUT ROWID), but a table of its own: an index added to
// `records` later shows up in the ratio instead of on both sides.
void create_baseline_table(sql::Connection& connection) {
  connection.exec(
      "CREATE TABLE bench_records (tenant TEXT NOT NULL, integration_id TEXT NOT NULL, "
      "external_id TEXT NOT NULL, hash BLOB NOT NULL CHECK (length(hash) = 32), stale INTEGER "
      "NOT NULL DEFAULT 0 CHECK (stale IN (0, 1)), seen_job TEXT, seen_at INTEGER NOT NULL, "
      "PRIMARY KEY (tenant, integration_id, external_id)) WITHOUT ROWID");
}

// The bare minimum: the same number of (tenant, integration, external id,
// 32-byte hash, stale, seen job, seen at) rows, inserted through one cached
// statement in one BEGIN IMMEDIATE transaction into bench_records, in a file
// with the vault's schema, key and pragmas. A fresh integration id per
// round, as on the linkvault side.
double commit_baseline(sql::Connection& connection, const std::vector<std::string>& ids) {
  std::vector<std::array<std::uint8_t, 32>> hashes(ids.size());
  for (auto& hash : hashes) Botan::system_rng().randomize(hash.data(), hash.size());
  const std::string integration_id = new_uuid_v7();
  return static_cast<double>(ids.size()) / seconds_of([&] {
    connection.exec("BEGIN IMMEDIATE");
    const TimeMs at = now_ms();
    for (std::size_t n = 0; n < ids.size(); ++n) {
      auto insert = connection.cached(
          "INSERT INTO bench_records (tenant, integration_id, external_id, hash, stale, seen_job, "
          "seen_at) VALUES (?1, ?2, ?3, ?4, 0, NULL, ?5)");
      insert->bind(1, "bench")
          .bind(2, integration_id)
          .bind(3, ids[n])
          .bind(4, std::span<const std::uint8_t>(hashes[n]))
          .bind(5, at);
      insert->run();
    }
    connection.exec("COMMIT");
  });
}

}  // namespace

LINKVAULT_WORKLOAD("commit_records") {
  const int count = int_option("records", 10000);
  const std::string payload = crm_clients_json(count, payload_seed);
  std::vector<std::string> ids;
  for (int n = 0; n < count; ++n) ids.push_back(fmt::format("c-{:06d}", n));

  Vault vault = Vault::open(scratch_directory() + "/commit-records.vault", bench_master());
  Tenant tenant = vault.tenant("bench");
  auto store = open_baseline_store(scratch_directory() + "/commit-records-baseline.vault");
  auto connection = store->open_connection();
  create_baseline_table(*connection);
  // Warm-up of both (the records key; the cached statements, the caches).
  commit_through_linkvault(tenant, payload, count, -1);
  commit_baseline(*connection, ids);

  std::vector<double> linkvault_rates, baseline_rates;
  for (int round = 0; round < rounds(); ++round) {
    linkvault_rates.push_back(commit_through_linkvault(tenant, payload, count, round));
    baseline_rates.push_back(commit_baseline(*connection, ids));
  }
  report_throughput("commit_records", median(linkvault_rates), median(baseline_rates),
                    fmt::format(", \"records\": {}, \"rounds\": {}", count, rounds()));
}

}  // namespace linkvault::bench
