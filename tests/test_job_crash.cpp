// Sync jobs across processes that die: four worker processes drain 500 jobs
// from one vault while the test SIGKILLs them at random moments (some aimed
// mid-job, some aimed at complete_job) and starts fresh ones, until the
// queue is empty. Short leases let the survivors recover what the dead held
// (and what a few deliberately stalled workers held). Afterwards every job
// has ended exactly once, completed or failed: none lost, none completed
// twice.
//
// Each worker process appends "<job id>\n" to its own file and fsyncs it
// right after complete_job returns, and reports each step on the harness's
// pipe (tests/crash_harness.hpp). A job the vault says completed must be in
// exactly one file, the file of the worker the vault names — unless that
// worker was killed between complete_job's commit and its write, which the
// pipe shows as a complete_job in flight at the kill. LINKVAULT_CRASH_SEED
// replays the kill choices (their moments still depend on timing).
#include "crash_harness.hpp"
#include "crash_workload.hpp"
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace linkvault;
using namespace linkvault::crash;
using linkvault::testing::admin;
using linkvault::testing::creds;
using linkvault::testing::make_temp_dir;
using linkvault::testing::random_master;

namespace {

constexpr int tenant_count = 10;
constexpr int integrations_per_tenant = 50;  // one job each: 500 jobs
constexpr int job_count = tenant_count * integrations_per_tenant;
constexpr int worker_slots = 4;
// Kills until the queue drains or this many have been done.
constexpr int kill_target = 150;
// Short enough that a dead worker's job comes back soon, long enough that a
// live worker heartbeating every few ms keeps it on a loaded machine (one
// that loses it anyway gets CONFLICT and moves on: also a correct outcome).
constexpr auto lease = std::chrono::milliseconds(400);
constexpr int heartbeats_per_job = 3;
// A job killed this often fails for good ("lease expired").
constexpr int max_attempts = 5;
// After the last kill, the workers finish the queue within this, or it is a hang.
constexpr auto drain_timeout = std::chrono::seconds(45);
// A worker asked for its next step (a claim, a complete) shows it within this.
constexpr auto step_timeout = std::chrono::seconds(10);

// What a worker reports on its pipe (Record::number; Record::integration
// holds the job id, Record::seq the attempt).
enum JobEvent : std::int64_t {
  claimed = 1,
  completing = 2,  // intent: complete_job is about to be called
  recorded = 3,    // ack: complete_job returned and the id is in the file, fsynced
  lost = 4,        // CONFLICT / FAILED_PRECONDITION: the lease was lost to recovery
  failed_retry = 5,
  failed_final = 6,
  stalling = 7,  // waiting past its lease for another worker to take the job
  resumed = 8,
};

struct WorkerPlan {
  std::string path;
  const MasterSecret* master = nullptr;
  std::string worker_id;
  std::string done_file;
  std::string stall_lock;  // flock()ed by the one worker stalling
  int slot = 0;
  std::uint64_t seed = 0;
};

std::string tenant_name(int n) { return "t" + std::to_string(n); }

// Some jobs fail on their first attempt and are retried; a few fail for
// good. On some the first worker stalls past its lease until another worker
// has recovered the job and works it (slowly, heartbeating in time), then
// tries to go on: it must be refused. A recovered job is due from its
// recovery on, behind every job queued before, so stalls are on jobs queued
// near the end (tenants 7 and 8), and one worker stalls at a time (the
// others must be free to take its job). Fixed by the job, so a restarted
// worker decides the same.
enum class Decision { complete, fail_retry, fail_final, stall, slow };
Decision decide(const SyncJob& job) {
  const std::size_t hash = std::hash<std::string>{}(job.id);
  if (hash % 41 == 0) return Decision::fail_final;
  const bool late = job.tenant == tenant_name(tenant_count - 3) ||
                    job.tenant == tenant_name(tenant_count - 2);
  if (late && hash % 5 == 1) return job.attempt == 1 ? Decision::stall : Decision::slow;
  if (job.attempt == 1 && hash % 7 == 0) return Decision::fail_retry;
  return Decision::complete;
}

// The stalled worker waits (past its lease) until another worker holds the
// job, the job has ended, or a while has passed.
void stall_until_taken(Vault& vault, const SyncJob& job, const std::string& worker_id) {
  const auto give_up = SteadyClock::now() + 20 * lease;
  Tenant tenant = vault.tenant(job.tenant);
  while (SteadyClock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const SyncJob now = tenant.get_job(job.id);
    if (now.status == JobStatus::running && now.worker_id != worker_id) return;
    if (now.status != JobStatus::running && now.status != JobStatus::pending) return;
  }
}

// Unlocks the stall lock however the stall ends.
struct StallLock {
  explicit StallLock(int fd) : fd(fd) {}
  ~StallLock() { ::flock(fd, LOCK_UN); }
  StallLock(const StallLock&) = delete;
  StallLock& operator=(const StallLock&) = delete;
  int fd;
};

// The nap before each heartbeat: the recovering worker holds the job for
// three quarters of a lease, renewing it in time.
std::chrono::microseconds nap_before_beat(Decision decision, std::mt19937_64& random) {
  if (decision == Decision::slow) return lease / 4;
  return std::chrono::microseconds(std::uniform_int_distribution<int>(500, 6000)(random));
}

// True when every job of every tenant has ended. Ended is final, so reading
// tenant by tenant cannot miss a job that moves between reads.
bool all_jobs_ended(Vault& vault) {
  int ended = 0;
  for (int t = 0; t < tenant_count; ++t) {
    JobQuery query;
    query.limit = 1000;
    for (const auto& job : vault.tenant(tenant_name(t)).jobs(query)) {
      if (job.status != JobStatus::pending && job.status != JobStatus::running) ++ended;
    }
  }
  return ended == job_count;
}

void append_line(int fd, const std::string& job_id) {
  const std::string line = job_id + "\n";
  ssize_t written;
  do {
    written = ::write(fd, line.data(), line.size());
  } while (written < 0 && errno == EINTR);
  if (written != static_cast<ssize_t>(line.size())) {
    throw std::system_error(errno, std::generic_category(), "write to the done file");
  }
  if (::fsync(fd) != 0) throw std::system_error(errno, std::generic_category(), "fsync");
}

// The child: claims and works jobs until every job has ended.
void run_worker(ChildContext& context, const WorkerPlan& plan) {
  Record record;
  record.worker = static_cast<std::int16_t>(plan.slot);
  record.op = OpKind::open;
  context.send(record);
  Vault vault = Vault::open(plan.path, *plan.master);
  record.kind = RecordKind::ack;
  context.send(record);

  const int fd = ::open(plan.done_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open the done file");
  const int stall_fd = ::open(plan.stall_lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (stall_fd < 0) throw std::system_error(errno, std::generic_category(), "open the stall lock");
  std::mt19937_64 random(plan.seed);
  ClaimOptions claim;
  claim.lease = lease;
  record.op = OpKind::none;
  const auto report = [&](RecordKind kind, JobEvent event, const SyncJob& job,
                          std::string_view detail = {}) {
    record.kind = kind;
    record.number = event;
    record.seq = job.attempt;
    set_text(record.integration, job.id);
    set_text(record.value, detail);
    context.send(record);
  };

  for (;;) {
    const auto job = vault.claim_job(plan.worker_id, claim);
    if (!job) {
      if (all_jobs_ended(vault)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    report(RecordKind::ack, claimed, *job);
    const Decision decision = decide(*job);
    try {
      for (int beat = 1; beat <= heartbeats_per_job; ++beat) {
        std::this_thread::sleep_for(nap_before_beat(decision, random));
        // While another worker stalls, this one just works the job. (A
        // killed staller's lock goes with it.)
        if (beat == 2 && decision == Decision::stall && ::flock(stall_fd, LOCK_EX | LOCK_NB) == 0) {
          const StallLock held(stall_fd);
          report(RecordKind::ack, stalling, *job);
          stall_until_taken(vault, *job, plan.worker_id);
          report(RecordKind::ack, resumed, *job);
        }
        vault.heartbeat(job->id, plan.worker_id, JobProgress{beat * 10, heartbeats_per_job * 10});
      }
      switch (decision) {
        case Decision::fail_retry:
          vault.fail_job(job->id, plan.worker_id, "upstream timed out", /*retryable=*/true);
          report(RecordKind::ack, failed_retry, *job);
          continue;
        case Decision::fail_final:
          vault.fail_job(job->id, plan.worker_id, "bad field mapping", /*retryable=*/false);
          report(RecordKind::ack, failed_final, *job);
          continue;
        case Decision::complete:
        case Decision::stall:  // still held if no one took it meanwhile
        case Decision::slow:
          break;
      }
      report(RecordKind::intent, completing, *job);
      vault.complete_job(job->id, plan.worker_id, SyncOutcome::success, R"({"records":30})");
    } catch (const Error& error) {
      // The lease ran out while this worker was slow and the job was
      // recovered (and maybe claimed by another): not this worker's any more.
      if (error.code() != ErrorCode::conflict && error.code() != ErrorCode::failed_precondition) {
        throw;
      }
      record.error_code = static_cast<std::int32_t>(error.code());
      report(RecordKind::ack, lost, *job, error.what());
      record.error_code = 0;
      continue;
    }
    append_line(fd, job->id);
    report(RecordKind::ack, recorded, *job);
  }
}

// One worker process, from spawn to reap.
struct Incarnation {
  WorkerPlan plan;
  std::unique_ptr<Child> child;
};

// What a file holds: its complete lines, and whether a last line was cut
// short (a kill inside write()).
struct DoneFile {
  std::vector<std::string> ids;
  bool torn_tail = false;
};

DoneFile read_done_file(const std::string& path) {
  DoneFile file;
  std::ifstream in(path, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      file.torn_tail = true;
      break;
    }
    file.ids.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return file;
}

// The job whose complete_job was in flight when the child died: a
// `completing` intent not followed by `recorded` or `lost`.
std::optional<std::string> completing_at_death(const Child& child) {
  std::optional<std::string> in_flight;
  for (const Record& record : child.records()) {
    if (record.op != OpKind::none) continue;
    if (record.number == completing) in_flight = text_of(record.integration);
    if ((record.number == recorded || record.number == lost) && in_flight == text_of(record.integration)) {
      in_flight.reset();
    }
  }
  return in_flight;
}

// Pumps every live child until `victim` sends a record (after the first
// `from` it had) that `wanted` accepts; false at the deadline or when the
// victim's pipe closed.
template <typename Predicate>
bool wait_for_next(Child& victim, std::size_t from, const std::vector<Child*>& live,
                   Predicate wanted, SteadyClock::duration timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    pump(live, std::min(deadline, SteadyClock::now() + std::chrono::milliseconds(1)));
    const auto& records = victim.records();
    for (; from < records.size(); ++from) {
      if (wanted(records[from])) return true;
    }
    if (victim.fd() < 0) return false;
  }
  return false;
}

bool is_event(const Record& record, JobEvent event) {
  return record.op == OpKind::none && record.number == event;
}

// Whether the child's last job event says it is stalling.
bool is_stalling(const Child& child) {
  const auto& records = child.records();
  for (auto record = records.rbegin(); record != records.rend(); ++record) {
    if (record->op == OpKind::none) return record->number == stalling;
  }
  return false;
}

}  // namespace

TEST_CASE("crash: 4 worker processes SIGKILLed mid-job at random while draining 500 jobs: every job ends exactly once") {
  const std::uint64_t seed = crash_seed();
  MESSAGE("jobs crash: LINKVAULT_CRASH_SEED=" << seed);
  const int kills_before = total_kills();
  const std::string dir = make_temp_dir();
  const std::string path = test_vault_location(dir, "jobs.vault");
  const MasterSecret master = random_master();

  // 500 integrations over 10 tenants, one queued job each (one active job
  // per integration is the rule).
  std::map<std::string, std::string> tenant_of_job;
  {
    Vault vault = Vault::open(path, master);
    EnqueueOptions options;
    options.max_attempts = max_attempts;
    options.retry_base_seconds = 0;  // a retried job is due again at once
    for (int t = 0; t < tenant_count; ++t) {
      auto tenant = vault.tenant(tenant_name(t));
      for (int n = 0; n < integrations_per_tenant; ++n) {
        ConnectOptions connect;
        connect.name = "feed-" + std::to_string(n);
        const auto integration =
            tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-crash-jobs-0000"}}), connect);
        const auto job = tenant.enqueue_sync(admin, integration.id,
                                             n % 2 == 0 ? JobType::full_import : JobType::incremental_sync,
                                             options);
        tenant_of_job[job.id] = tenant_name(t);
      }
    }
    vault.close();  // the parent holds no connection while it forks
  }
  REQUIRE(tenant_of_job.size() == job_count);

  std::vector<std::unique_ptr<Incarnation>> incarnations;
  std::array<Incarnation*, worker_slots> live{};
  std::array<int, worker_slots> generation{};
  const auto spawn = [&](int slot) {
    auto incarnation = std::make_unique<Incarnation>();
    WorkerPlan& plan = incarnation->plan;
    plan.path = path;
    plan.master = &master;
    plan.slot = slot;
    plan.worker_id = "w" + std::to_string(slot) + "-" + std::to_string(++generation[static_cast<std::size_t>(slot)]);
    plan.done_file = dir + "/done-" + plan.worker_id;
    plan.stall_lock = dir + "/stall.lock";
    plan.seed = derive_seed(seed, incarnations.size(), static_cast<std::uint64_t>(slot));
    incarnation->child = Child::spawn([&plan](ChildContext& context) { run_worker(context, plan); },
                                      describe_exception);
    live[static_cast<std::size_t>(slot)] = incarnation.get();
    incarnations.push_back(std::move(incarnation));
  };
  const auto live_children = [&] {
    std::vector<Child*> children;
    for (Incarnation* incarnation : live) children.push_back(incarnation->child.get());
    return children;
  };
  for (int slot = 0; slot < worker_slots; ++slot) spawn(slot);

  // Kill, restart, repeat. A third of the kills land at a random moment, a
  // third a little after a claim (mid-job), a third within 1.5 ms of a
  // complete_job starting (inside it, or between its commit and the file).
  // A stalling worker is spared: its wait would rarely outlive the kills,
  // and it is there to be refused by the vault once it resumes.
  std::mt19937_64 timing(seed);
  const auto random_us = [&](int low, int high) {
    return std::chrono::microseconds(std::uniform_int_distribution<int>(low, high)(timing));
  };
  std::vector<std::string> problems;
  bool drained_early = false;
  int spared = 0;
  for (int round = 0; round < kill_target && !drained_early; ++round) {
    const int slot = std::uniform_int_distribution<int>(0, worker_slots - 1)(timing);
    Child& victim = *live[static_cast<std::size_t>(slot)]->child;
    const std::size_t from = victim.records().size();
    switch (round % 3) {
      case 0:
        pump(live_children(), SteadyClock::now() + random_us(5'000, 80'000));
        break;
      case 1:
        if (wait_for_next(victim, from, live_children(),
                          [](const Record& r) { return is_event(r, claimed); }, step_timeout)) {
          pump(live_children(), SteadyClock::now() + random_us(0, 12'000));
        }
        break;
      default:
        if (wait_for_next(victim, from, live_children(),
                          [](const Record& r) { return is_event(r, completing); }, step_timeout)) {
          pump(live_children(), SteadyClock::now() + random_us(0, 1'500));
        }
        break;
    }
    if (is_stalling(victim)) {
      ++spared;
      continue;
    }
    victim.kill_now();
    victim.reap();
    if (!victim.killed_by_us()) {
      // It ended on its own: every job had ended (exit 0), or it failed.
      if (WIFEXITED(victim.status()) && WEXITSTATUS(victim.status()) == 0) {
        drained_early = true;
        continue;
      }
      problems.push_back(live[static_cast<std::size_t>(slot)]->plan.worker_id + " " + victim.ending());
      break;
    }
    spawn(slot);
  }

  // No more kills: the workers recover what the dead held and finish.
  const auto deadline = SteadyClock::now() + drain_timeout;
  for (;;) {
    bool running = false;
    for (Incarnation* incarnation : live) {
      Child& child = *incarnation->child;
      if (child.reaped()) continue;
      int status = 0;
      if (::waitpid(child.pid(), &status, WNOHANG) == child.pid()) {
        child.adopt_status(status);
      } else {
        running = true;
      }
    }
    if (!running) break;
    if (SteadyClock::now() >= deadline) {
      problems.push_back("the workers did not finish the queue within " +
                         std::to_string(drain_timeout.count()) + " s: a job is stuck");
      for (Incarnation* incarnation : live) incarnation->child.reset();  // kills and reaps
      break;
    }
    pump(live_children(), SteadyClock::now() + std::chrono::milliseconds(5));
  }

  // How each worker process ended, and what it said.
  std::map<std::string, const Incarnation*> by_worker;
  std::map<std::string, std::optional<std::string>> in_flight_at_kill;
  int kills = 0, lost_leases = 0, refused_conflict = 0, retries = 0, claims = 0, killed_holding = 0;
  int stalls = 0;
  for (const auto& incarnation : incarnations) {
    const std::string& worker_id = incarnation->plan.worker_id;
    by_worker[worker_id] = incarnation.get();
    const Child* child = incarnation->child.get();
    if (child == nullptr) continue;  // killed as a hang, reported above
    if (child->killed_by_us()) {
      ++kills;
      in_flight_at_kill[worker_id] = completing_at_death(*child);
    } else if (!(WIFEXITED(child->status()) && WEXITSTATUS(child->status()) == 0)) {
      problems.push_back(worker_id + " " + child->ending());
    }
    std::optional<std::string> holding;
    for (const Record& record : child->records()) {
      if (record.kind == RecordKind::error) {
        problems.push_back(worker_id + " failed: " + text_of(record.value));
      }
      if (record.op != OpKind::none) continue;
      if (record.number == claimed) {
        ++claims;
        holding = text_of(record.integration);
      } else if (record.number == recorded || record.number == lost || record.number == failed_retry ||
                 record.number == failed_final) {
        holding.reset();
      }
      if (record.number == lost) ++lost_leases;
      if (record.number == lost && record.error_code == static_cast<int>(ErrorCode::conflict)) {
        ++refused_conflict;
      }
      if (record.number == failed_retry) ++retries;
      if (record.number == stalling) ++stalls;
    }
    if (child->killed_by_us() && holding) ++killed_holding;
  }

  // The files: no job twice, in one file or across files.
  std::map<std::string, std::string> file_of_job;  // job id -> worker id
  int torn_tails = 0;
  for (const auto& incarnation : incarnations) {
    const std::string& worker_id = incarnation->plan.worker_id;
    const DoneFile file = read_done_file(incarnation->plan.done_file);
    if (file.torn_tail) {
      ++torn_tails;
      if (incarnation->child == nullptr || !incarnation->child->killed_by_us()) {
        problems.push_back(worker_id + " left a torn line but was not killed");
      }
    }
    for (const std::string& job_id : file.ids) {
      const auto [entry, inserted] = file_of_job.emplace(job_id, worker_id);
      if (!inserted) {
        problems.push_back("job " + job_id + " recorded as completed twice: by " + entry->second +
                           " and by " + worker_id);
      }
    }
    // Whatever a worker said it recorded is in its file.
    if (incarnation->child) {
      for (const Record& record : incarnation->child->records()) {
        if (is_event(record, recorded) &&
            std::find(file.ids.begin(), file.ids.end(), text_of(record.integration)) == file.ids.end()) {
          problems.push_back(worker_id + " acknowledged " + text_of(record.integration) +
                             " but its file does not hold it");
        }
      }
    }
  }

  // The vault: every job ended, exactly once, as the files and pipes say.
  int completed = 0, failed = 0, unrecorded = 0;
  std::set<std::string> explained_kills;
  {
    Vault vault = Vault::open(path, master);
    std::map<std::string, SyncJob> jobs;
    for (int t = 0; t < tenant_count; ++t) {
      JobQuery query;
      query.limit = 1000;
      for (auto& job : vault.tenant(tenant_name(t)).jobs(query)) jobs.emplace(job.id, std::move(job));
    }
    if (jobs.size() != static_cast<std::size_t>(job_count)) {
      problems.push_back("the vault holds " + std::to_string(jobs.size()) + " jobs, not " +
                         std::to_string(job_count));
    }
    for (const auto& [job_id, tenant] : tenant_of_job) {
      const auto found = jobs.find(job_id);
      if (found == jobs.end()) {
        problems.push_back("job " + job_id + " was lost");
        continue;
      }
      const SyncJob& job = found->second;
      const std::string worker = job.worker_id.value_or("");
      const auto in_file = file_of_job.find(job_id);
      if (job.status == JobStatus::completed) {
        ++completed;
        if (in_file != file_of_job.end()) {
          if (in_file->second != worker) {
            problems.push_back("job " + job_id + " completed by " + worker + " per the vault, by " +
                               in_file->second + " per the files");
          }
        } else {
          // Only a worker killed between complete_job's commit and its
          // write leaves a completed job out of the files, and only that job.
          const auto at_kill = in_flight_at_kill.find(worker);
          if (at_kill == in_flight_at_kill.end() || at_kill->second != job_id) {
            problems.push_back("job " + job_id + " completed by " + worker +
                               " is in no file, and that worker was not killed inside its complete_job");
          } else if (!explained_kills.insert(worker).second) {
            problems.push_back(worker + " left two completed jobs out of its file");
          } else {
            ++unrecorded;
          }
        }
      } else if (job.status == JobStatus::failed) {
        ++failed;
        if (in_file != file_of_job.end()) {
          problems.push_back("job " + job_id + " failed per the vault yet " + in_file->second +
                             " recorded completing it");
        }
        if (job.outcome != SyncOutcome::failed) problems.push_back("failed job " + job_id + " has no failed outcome");
      } else {
        problems.push_back(std::string("job ") + job_id + " did not end: " + to_string(job.status) +
                           " (attempt " + std::to_string(job.attempt) + ", worker " + worker + ")");
      }
      if (job.attempt > max_attempts) {
        problems.push_back("job " + job_id + " ran " + std::to_string(job.attempt) + " attempts");
      }
    }
    for (const auto& [job_id, worker] : file_of_job) {
      const auto found = jobs.find(job_id);
      if (found == jobs.end() || found->second.status != JobStatus::completed) {
        problems.push_back(worker + " recorded " + job_id + ", which the vault does not hold as completed");
      }
    }

    // The log: per integration, one start per attempt and one end.
    for (const auto& [job_id, job] : jobs) {
      const auto log = vault.tenant(job.tenant).activity(job.integration_id, ActivityQuery{1000, std::nullopt});
      std::map<std::string, std::int64_t> actions;
      for (const auto& entry : log) ++actions[entry.action];
      const auto count = [&](std::string_view action) {
        const auto found = actions.find(std::string(action));
        return found == actions.end() ? std::int64_t{0} : found->second;
      };
      const bool completed_job = job.status == JobStatus::completed;
      const bool failed_job = job.status == JobStatus::failed;
      if (count(action::sync_queued) != 1 || count(action::sync_started) != job.attempt ||
          count(action::sync_completed) != (completed_job ? 1 : 0) ||
          count(action::sync_failed) != (failed_job ? 1 : 0) || count(action::sync_cancelled) != 0) {
        problems.push_back("job " + job_id + " (attempt " + std::to_string(job.attempt) + ", " +
                           to_string(job.status) + ") logged queued " +
                           std::to_string(count(action::sync_queued)) + ", started " +
                           std::to_string(count(action::sync_started)) + ", completed " +
                           std::to_string(count(action::sync_completed)) + ", failed " +
                           std::to_string(count(action::sync_failed)) + ", cancelled " +
                           std::to_string(count(action::sync_cancelled)));
      }
    }
    const auto audit = vault.verify_audit();
    if (!audit.ok) problems.push_back("verify_audit failed at " + audit.first_bad.value_or("?"));
    CHECK(audit.checked >= 2 * job_count);
    vault.close();
  }

  constexpr std::size_t shown = 25;
  for (std::size_t i = 0; i < problems.size() && i < shown; ++i) FAIL_CHECK(problems[i]);
  if (problems.size() > shown) {
    FAIL_CHECK((std::to_string(problems.size() - shown) + " more problems"));
  }
  CHECK(completed + failed == job_count);
  CHECK(completed > failed);
  CHECK(kills > 0);
  MESSAGE("jobs crash: " << kills << " kills (" << killed_holding << " holding a job, " << spared
                         << " stalling workers spared, "
                         << total_kills() - kills_before << " counted by the harness), "
                         << incarnations.size() << " worker processes, " << claims
                         << " claims seen; " << completed << " completed (" << unrecorded
                         << " committed by a worker killed before its file write), " << failed
                         << " failed, " << retries << " retried after fail_job, " << lost_leases
                         << " leases lost to recovery; " << stalls << " stalled workers, "
                         << refused_conflict
                         << " refused with CONFLICT while another worker held the job; "
                         << torn_tails << " torn file lines"
                         << std::string(drained_early ? "; kills went on until the queue drained"
                                                       : "; the last kills came before the queue drained"));
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}
