// The record path across processes that die (docs/SEMANTICS.md "Records").
//
// 1. A worker process claims full_import jobs and, round after round, maps a
//    page of records whose content changes every round and commits it inside
//    its job; it reports each commit on the harness's pipe (an intent before
//    commit_records, an acknowledgement after it returned). The test
//    SIGKILLs it at random moments (some aimed inside a commit), reopens the
//    vault and proves: every acknowledged page is remembered with the
//    acknowledged content (mapping it again reports it unchanged); a commit
//    in flight at the kill landed whole or not at all (never half a page),
//    and a page that did not land is reported again; each job's
//    records_processed and summary counts moved exactly with the pages that
//    landed (the same transaction). Then a fresh worker starts.
// 2. Two worker processes on one job, one after the other: A's lease
//    expires (its clock stands still, B's runs ahead), B claims the job; from
//    then on every commit and map of A is CONFLICT, only B's commits land.
//
// LINKVAULT_CRASH_SEED replays the kill choices (their moments still depend
// on timing).
#include "crash_harness.hpp"
#include "crash_workload.hpp"
#include "vault_fixture.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace linkvault;
using namespace linkvault::crash;
using linkvault::testing::admin;
using linkvault::testing::creds;
using linkvault::testing::make_temp_dir;
using linkvault::testing::random_master;

namespace {

constexpr int page_count = 4;
constexpr int page_size = 25;
constexpr int rounds_per_job = 6;  // then the worker completes its job and takes a new one
constexpr int kill_target = 24;
// A dead worker's job comes back this soon; a live one heartbeats every round.
constexpr auto lease = std::chrono::milliseconds(250);
constexpr auto step_timeout = std::chrono::seconds(10);

constexpr const char* rules_json = R"([
  {"target": "name", "source": "/name", "transform": ["trim"]},
  {"target": "email", "source": "/email", "transform": ["lower"], "required": true},
  {"target": "round", "source": "/round", "transform": ["number"]}
])";

// What a worker reports (Record::number). Record::seq is the round,
// Record::number2 the page, Record::integration the job id.
enum RecordEvent : std::int64_t {
  claimed = 1,
  committing = 2,  // intent: commit_records is about to be called
  committed = 3,   // ack: it returned
  lost = 4,        // ack: the job was not this worker's any more (nothing written)
  completing = 5,
  completed = 6,
  prepared = 7,    // two-workers test: A holds a mapped batch it has not committed
  refused = 8,     // two-workers test: A's call was CONFLICT, as it must be
  landed = 9,      // two-workers test: A's call went through (a bug)
};

std::string page_id(int page, int i) {
  return "p" + std::to_string(page) + "-" + (i < 10 ? "0" : "") + std::to_string(i);
}

// Page `page` as round `round` writes it: every record differs from every
// other round's.
std::string page_payload(int page, std::int64_t round, std::string_view tag = "n") {
  std::string out = "[";
  for (int i = 0; i < page_size; ++i) {
    if (i > 0) out += ",";
    out += R"({"id":")" + page_id(page, i) + R"(","name":" )" + std::string(tag) + "-" +
           std::to_string(round) + "-" + std::to_string(i) + R"( ","email":"E)" +
           std::to_string(i) + R"(@X.ORG","round":)" + std::to_string(round) + "}";
  }
  return out + "]";
}

int page_of(std::int64_t round) { return static_cast<int>(round % page_count); }

struct WorkerPlan {
  std::string path;
  const MasterSecret* master = nullptr;
  std::string integration_id;
  std::string worker_id;
  std::int64_t first_round = 1;
  std::uint64_t seed = 0;
};

bool lost_lease(const Error& error) {
  return error.code() == ErrorCode::conflict || error.code() == ErrorCode::failed_precondition;
}

// Claims a full_import job, queueing one when there is none; waits while the
// integration's active job is held by a dead worker (until its lease runs out
// and a claim recovers it).
SyncJob take_job(Vault& vault, Tenant& tenant, const WorkerPlan& plan) {
  ClaimOptions claim;
  claim.lease = lease;
  claim.types = {JobType::full_import};
  EnqueueOptions options;
  options.max_attempts = 20;
  options.retry_base_seconds = 0;
  for (;;) {
    if (auto job = vault.claim_job(plan.worker_id, claim)) return *job;
    try {
      tenant.enqueue_sync(admin, plan.integration_id, JobType::full_import, options);
      continue;
    } catch (const Error& error) {
      if (error.code() != ErrorCode::conflict) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The child of test 1: rounds of map + commit inside jobs, until killed.
void run_committer(ChildContext& context, const WorkerPlan& plan) {
  Record record;
  record.op = OpKind::open;
  context.send(record);
  Vault vault = Vault::open(plan.path, *plan.master);
  Tenant tenant = vault.tenant("acme");
  record.kind = RecordKind::ack;
  context.send(record);
  record.op = OpKind::none;
  std::mt19937_64 random(plan.seed);

  std::optional<SyncJob> job;
  int rounds_in_job = 0;
  for (std::int64_t round = plan.first_round; !context.stop_requested(); ++round) {
    if (!job) {
      job = take_job(vault, tenant, plan);
      rounds_in_job = 0;
      record.kind = RecordKind::ack;
      record.number = claimed;
      set_text(record.integration, job->id);
      context.send(record);
    }
    const int page = page_of(round);
    record.seq = round;
    record.number2 = page;
    try {
      vault.heartbeat(job->id, plan.worker_id);
      MapOptions options;
      options.job_id = job->id;
      options.worker_id = plan.worker_id;
      const RecordBatch batch = tenant.map_records(plan.integration_id, page_payload(page, round), options);
      // Fresh content: the whole page is new or the whole page changed,
      // never a mix (a page is committed as one).
      const RecordCounts& counts = batch.counts();
      if (counts.failed != 0 || counts.unchanged != 0 ||
          !(counts.created == page_size || counts.updated == page_size)) {
        throw std::runtime_error("round " + std::to_string(round) + " page " + std::to_string(page) +
                                 " mapped as created " + std::to_string(counts.created) +
                                 ", updated " + std::to_string(counts.updated) + ", unchanged " +
                                 std::to_string(counts.unchanged) + ", failed " +
                                 std::to_string(counts.failed));
      }
      record.kind = RecordKind::intent;
      record.number = committing;
      context.send(record);
      tenant.commit_records(batch);
      // The host's own bookkeeping before it acknowledges (in half the
      // rounds): a kill then lands between a commit and its ack, too.
      if (round % 2 == 0) {
        std::this_thread::sleep_for(
            std::chrono::microseconds(std::uniform_int_distribution<int>(0, 1500)(random)));
      }
      record.kind = RecordKind::ack;
      record.number = committed;
      context.send(record);
    } catch (const Error& error) {
      if (!lost_lease(error)) throw;
      // A slow round let the lease run out and the job was recovered:
      // nothing of this round was written. Take a job again.
      record.kind = RecordKind::ack;
      record.number = lost;
      set_text(record.value, error.what());
      context.send(record);
      job.reset();
      continue;
    }
    if (++rounds_in_job == rounds_per_job) {
      record.kind = RecordKind::intent;
      record.number = completing;
      context.send(record);
      try {
        vault.complete_job(job->id, plan.worker_id, SyncOutcome::success, R"({"host":"crash"})");
        record.kind = RecordKind::ack;
        record.number = completed;
        context.send(record);
      } catch (const Error& error) {
        if (!lost_lease(error)) throw;
        record.kind = RecordKind::ack;
        record.number = lost;
        context.send(record);
      }
      job.reset();
    }
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(random)));
  }
}

bool is_event(const Record& record, RecordEvent event) {
  return record.op == OpKind::none && record.number == event;
}

std::int64_t summary_int(const std::optional<std::string>& summary, const char* key) {
  if (!summary) return 0;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(*summary).get(root) != simdjson::SUCCESS) return -1;
  std::int64_t value = 0;
  if (root[key].get(value) != simdjson::SUCCESS) return 0;
  return value;
}

// What the test knows was committed.
struct Truth {
  std::map<int, std::int64_t> page_round;        // page -> round last committed
  std::map<std::string, std::int64_t> job_pages;  // job id -> pages committed in it
};

struct InFlight {
  std::string job_id;
  std::int64_t round = 0;
  int page = 0;
};

std::string describe(const RecordCounts& counts) {
  return "created " + std::to_string(counts.created) + ", updated " +
         std::to_string(counts.updated) + ", unchanged " + std::to_string(counts.unchanged) +
         ", failed " + std::to_string(counts.failed);
}

// Reopens the vault after a kill and checks it against `truth`; settles the
// commit that was in flight (landed whole, or not at all) into `truth`.
void check_after_kill(const std::string& path, const MasterSecret& master,
                      const std::string& integration_id, Truth& truth,
                      const std::optional<InFlight>& in_flight, std::vector<std::string>& problems,
                      int& in_flight_landed, int& in_flight_lost) {
  Vault vault = Vault::open(path, master);
  Tenant tenant = vault.tenant("acme");
  if (in_flight) {
    const int page = in_flight->page;
    const RecordBatch batch =
        tenant.map_records(integration_id, page_payload(page, in_flight->round));
    const RecordCounts& counts = batch.counts();
    const bool before = truth.page_round.count(page) > 0;
    if (counts.unchanged == page_size) {
      truth.page_round[page] = in_flight->round;
      ++truth.job_pages[in_flight->job_id];
      ++in_flight_landed;
    } else if ((before && counts.updated == page_size) || (!before && counts.created == page_size)) {
      ++in_flight_lost;  // not landed: reported again, whole
    } else {
      problems.push_back("the commit of round " + std::to_string(in_flight->round) + " (page " +
                         std::to_string(page) + ") in flight at the kill landed in part: " +
                         describe(counts));
    }
  }
  for (int page = 0; page < page_count; ++page) {
    const auto known = truth.page_round.find(page);
    if (known == truth.page_round.end()) {
      const RecordCounts counts = tenant.map_records(integration_id, page_payload(page, 0)).counts();
      if (counts.created != page_size) {
        problems.push_back("page " + std::to_string(page) +
                           " was never committed yet something is remembered: " + describe(counts));
      }
      continue;
    }
    const RecordCounts counts =
        tenant.map_records(integration_id, page_payload(page, known->second)).counts();
    if (counts.unchanged != page_size) {
      problems.push_back("page " + std::to_string(page) + " committed in round " +
                         std::to_string(known->second) + " is not remembered so: " +
                         describe(counts));
    }
  }
  for (const auto& [job_id, pages] : truth.job_pages) {
    const SyncJob job = tenant.get_job(job_id);
    const std::int64_t expected = pages * page_size;
    const std::int64_t summed =
        summary_int(job.summary, "created") + summary_int(job.summary, "updated");
    if (job.records_processed != expected || summed != expected) {
      problems.push_back("job " + job_id + " (" + to_string(job.status) + ") had " +
                         std::to_string(pages) + " pages committed: records_processed " +
                         std::to_string(job.records_processed) + ", summary created+updated " +
                         std::to_string(summed) + ", expected " + std::to_string(expected));
    }
    // complete_job merged the host's summary in and kept the counts.
    if (job.status == JobStatus::completed &&
        job.summary.value_or("").find(R"("host":"crash")") == std::string::npos) {
      problems.push_back("completed job " + job_id + " lost the host's summary key: " +
                         job.summary.value_or("none"));
    }
  }
  vault.close();
}

}  // namespace

TEST_SUITE("records: vault crash") {

TEST_CASE("a worker committing record pages SIGKILLed at random: acknowledged pages stay, each commit lands whole or not at all") {
  const std::uint64_t seed = crash_seed();
  MESSAGE("records crash: LINKVAULT_CRASH_SEED=" << seed);
  const std::string dir = make_temp_dir();
  const std::string path = linkvault::testing::test_vault_location(dir, "records.vault");
  const MasterSecret master = random_master();
  std::string integration_id;
  {
    Vault vault = Vault::open(path, master);
    Tenant tenant = vault.tenant("acme");
    integration_id = tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-records-crash-00"}})).id;
    tenant.set_field_mappings(admin, integration_id, parse_field_mappings_json(rules_json));
    vault.close();  // the parent holds no connection while it forks
  }

  std::mt19937_64 timing(seed);
  const auto random_us = [&](int low, int high) {
    return std::chrono::microseconds(std::uniform_int_distribution<int>(low, high)(timing));
  };
  Truth truth;
  std::vector<std::string> problems;
  std::int64_t next_round = 1;
  int kills = 0, commits_acked = 0, in_flight_landed = 0, in_flight_lost = 0, leases_lost = 0;
  int claims = 0;
  for (int generation = 0; generation < kill_target && problems.empty(); ++generation) {
    WorkerPlan plan;
    plan.path = path;
    plan.master = &master;
    plan.integration_id = integration_id;
    plan.worker_id = "committer-" + std::to_string(generation);
    plan.first_round = next_round;
    plan.seed = derive_seed(seed, static_cast<std::uint64_t>(generation), 0);
    auto child = Child::spawn([&plan](ChildContext& context) { run_committer(context, plan); },
                              describe_exception);

    // A third of the kills at a random moment once it holds a job, two
    // thirds within 1.5 ms of a commit starting (inside it, or just after).
    const auto is_claim = [](const Record& r) { return is_event(r, claimed); };
    const auto is_commit = [](const Record& r) { return is_event(r, committing); };
    bool ready;
    if (generation % 3 == 0) {
      ready = wait_for_record(*child, is_claim, step_timeout);
      if (ready) pump({child.get()}, SteadyClock::now() + random_us(0, 40'000));
    } else {
      // The (skip+1)-th commit: a predicate that counts, as wait_for_record
      // shows it each record once.
      const int skip = std::uniform_int_distribution<int>(0, 3)(timing);
      int commits_seen = 0;
      ready = wait_for_record(
          *child, [&](const Record& r) { return is_commit(r) && ++commits_seen > skip; },
          step_timeout);
      if (ready) pump({child.get()}, SteadyClock::now() + random_us(0, 1'500));
    }
    child->kill_now();
    child->reap();
    if (!child->killed_by_us()) {
      problems.push_back(plan.worker_id + " ended before the kill: " + child->ending());
    } else {
      ++kills;
    }
    if (!ready) problems.push_back(plan.worker_id + " showed no progress within the step timeout");

    std::optional<InFlight> in_flight;
    for (const Record& record : child->records()) {
      if (record.kind == RecordKind::error) {
        problems.push_back(plan.worker_id + " failed: " + text_of(record.value));
      }
      if (record.op != OpKind::none) continue;
      if (record.number == claimed) ++claims;
      if (record.number == claimed) truth.job_pages.emplace(text_of(record.integration), 0);
      if (record.number == committing) {
        in_flight = InFlight{text_of(record.integration), record.seq, static_cast<int>(record.number2)};
        next_round = std::max(next_round, record.seq + 1);
      } else if (record.number == committed) {
        truth.page_round[static_cast<int>(record.number2)] = record.seq;
        ++truth.job_pages[text_of(record.integration)];
        ++commits_acked;
        in_flight.reset();
      } else if (record.number == lost) {
        ++leases_lost;
        in_flight.reset();  // refused: nothing written (checked like any page below)
      }
    }
    check_after_kill(path, master, integration_id, truth, in_flight, problems, in_flight_landed,
                     in_flight_lost);
  }

  constexpr std::size_t shown = 25;
  for (std::size_t i = 0; i < problems.size() && i < shown; ++i) FAIL_CHECK(problems[i]);
  CHECK(kills >= 20);
  CHECK(commits_acked > 0);
  MESSAGE("records crash: " << kills << " kills, " << claims << " job claims, " << commits_acked
                            << " acknowledged page commits, " << in_flight_landed
                            << " commits in flight at a kill landed whole, " << in_flight_lost
                            << " did not land (and were reported again), " << leases_lost
                            << " leases lost, " << truth.job_pages.size() << " jobs");
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

TEST_CASE("two worker processes on one job in turn: after B reclaims it, A's calls are refused (CONFLICT, or FAILED_PRECONDITION once B completed the job) and only B's land") {
  const std::string dir = make_temp_dir();
  const std::string path = linkvault::testing::test_vault_location(dir, "takeover.vault");
  const MasterSecret master = random_master();
  constexpr TimeMs start = 1'800'000'000'000;
  constexpr int attempts = 15;
  std::string integration_id, job_id;
  {
    auto clock = std::make_shared<ManualClock>(start);
    Vault vault = Vault::open(path, master, linkvault::testing::options_with(clock));
    Tenant tenant = vault.tenant("acme");
    integration_id = tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-records-takeover"}})).id;
    tenant.set_field_mappings(admin, integration_id, parse_field_mappings_json(rules_json));
    job_id = tenant.enqueue_sync(admin, integration_id, JobType::full_import).id;
    vault.close();
  }

  StartGate gate_b;  // B claims once A holds a batch mapped under its lease
  StartGate gate_a;  // A goes on once B holds the job
  // A: its clock stands still, so its lease never looks expired to it.
  auto a = Child::spawn(
      [&](ChildContext& context) {
        gate_b.open();  // not A's gate: drop A's copy of its write end
        Vault vault = Vault::open(path, master,
                                  linkvault::testing::options_with(std::make_shared<ManualClock>(start)));
        Tenant tenant = vault.tenant("acme");
        ClaimOptions claim;
        claim.lease = std::chrono::milliseconds(1000);
        const auto job = vault.claim_job("worker-a", claim);
        if (!job || job->id != job_id) throw std::runtime_error("A did not get the job");
        MapOptions options;
        options.job_id = job->id;
        options.worker_id = "worker-a";
        tenant.commit_records(tenant.map_records(integration_id, page_payload(0, 1, "a"), options));
        const RecordBatch held = tenant.map_records(integration_id, page_payload(0, 2, "a"), options);
        Record record;
        record.kind = RecordKind::ack;
        record.number = prepared;
        context.send(record);
        gate_a.wait();
        const auto attempt = [&](std::int64_t step, const std::function<void()>& call) {
          record.seq = step;
          try {
            call();
            record.number = landed;
          } catch (const Error& error) {
            // CONFLICT while B holds the job; FAILED_PRECONDITION once B has
            // completed it (it is no longer running). Either way: refused.
            const bool refusal = error.code() == ErrorCode::conflict ||
                                 error.code() == ErrorCode::failed_precondition;
            record.number = refusal ? refused : landed;
            record.error_code = static_cast<std::int32_t>(error.code());
          }
          context.send(record);
        };
        for (int n = 0; n < attempts; ++n) {
          attempt(1, [&] { tenant.commit_records(held); });
          attempt(2, [&] {
            tenant.commit_records(
                tenant.map_records(integration_id, page_payload(0, 100 + n, "a"), options));
          });
          attempt(3, [&] { vault.heartbeat(job_id, "worker-a"); });
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        attempt(4, [&] { vault.complete_job(job_id, "worker-a"); });
      },
      describe_exception);
  // B: its clock is past A's lease, so its claim recovers the job and takes it.
  auto b = Child::spawn(
      [&](ChildContext& context) {
        gate_a.open();
        gate_b.wait();
        Vault vault = Vault::open(
            path, master, linkvault::testing::options_with(std::make_shared<ManualClock>(start + 5000)));
        Tenant tenant = vault.tenant("acme");
        const auto job = vault.claim_job("worker-b");
        if (!job || job->id != job_id || job->attempt != 2) throw std::runtime_error("B did not reclaim the job");
        Record record;
        record.kind = RecordKind::ack;
        record.number = claimed;
        context.send(record);
        MapOptions options;
        options.job_id = job_id;
        options.worker_id = "worker-b";
        for (int n = 1; n <= attempts; ++n) {
          const RecordBatch batch =
              tenant.map_records(integration_id, page_payload(0, n, "b"), options);
          if (batch.counts().updated != page_size) throw std::runtime_error("B: not all updated");
          tenant.commit_records(batch);
          record.number = committed;
          record.seq = n;
          context.send(record);
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        vault.complete_job(job_id, "worker-b");
      },
      describe_exception);

  REQUIRE(wait_for_record(*a, [](const Record& r) { return r.number == prepared; }, step_timeout));
  gate_b.open();
  REQUIRE(wait_for_record(*b, [](const Record& r) { return r.number == claimed; }, step_timeout));
  gate_a.open();
  const bool a_done = wait_exit(*a, std::chrono::seconds(30));
  const bool b_done = wait_exit(*b, std::chrono::seconds(30));
  CHECK_MESSAGE(a_done, "A: " << a->ending());
  CHECK_MESSAGE(b_done, "B: " << b->ending());
  CHECK_MESSAGE(a->status() == 0, "A: " << a->ending());
  CHECK_MESSAGE(b->status() == 0, "B: " << b->ending());

  int refusals = 0, b_commits = 0;
  for (const Record& record : a->records()) {
    if (record.kind == RecordKind::error) FAIL_CHECK("A failed: " << text_of(record.value));
    if (record.number == refused) ++refusals;
    if (record.number == landed) {
      FAIL_CHECK("A's call " << record.seq << " was not refused (error code "
                             << record.error_code << ")");
    }
  }
  for (const Record& record : b->records()) {
    if (record.kind == RecordKind::error) FAIL_CHECK("B failed: " << text_of(record.value));
    if (record.number == committed) ++b_commits;
  }
  CHECK(refusals == 3 * attempts + 1);
  CHECK(b_commits == attempts);

  Vault vault = Vault::open(path, master);
  Tenant tenant = vault.tenant("acme");
  // B's last page is what is remembered; A's held batch never landed.
  CHECK(tenant.map_records(integration_id, page_payload(0, attempts, "b")).counts().unchanged ==
        page_size);
  CHECK(tenant.map_records(integration_id, page_payload(0, 2, "a")).counts().updated == page_size);
  const SyncJob job = tenant.get_job(job_id);
  CHECK(job.status == JobStatus::completed);
  CHECK(job.worker_id == "worker-b");
  // A's first page (before the takeover) and B's pages.
  CHECK(job.records_processed == (1 + attempts) * page_size);
  CHECK(summary_int(job.summary, "created") == page_size);
  CHECK(summary_int(job.summary, "updated") == attempts * page_size);
  vault.close();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // TEST_SUITE
