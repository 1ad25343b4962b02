// The JobStore half of the Store conformance suite: what every backend must
// guarantee for sync jobs (store/job_store.hpp), written against the seam
// and make_conformance_backend() only. Races run 8 threads, each with its own
// Store, as 8 worker processes would.
#include "backend.hpp"
#include "in_write.hpp"
#include "run_threads.hpp"

#include "linkvault/error.hpp"

#include <doctest/doctest.h>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace linkvault;
using namespace linkvault::conformance;

namespace {

constexpr TimeMs t0 = 1'700'000'000'000;

IntegrationRecord integration(std::string_view tenant, const std::string& name,
                              std::optional<SyncConfig> sync_config = std::nullopt) {
  IntegrationRecord record;
  Integration& i = record.integration;
  i.id = std::string(tenant) + "/" + name;
  i.tenant = std::string(tenant);
  i.provider = "slack";
  i.name = name;
  i.status = IntegrationStatus::connected;
  i.connected_by = "u-conformance";
  i.sync_config = sync_config;
  i.created_at = t0;
  i.updated_at = t0;
  record.sealed_credentials = {1, 2, 3};
  return record;
}

JobRecord pending_job(const std::string& id, const Integration& on, TimeMs run_after,
                      JobType type = JobType::full_import) {
  JobRecord record;
  SyncJob& job = record.job;
  job.id = id;
  job.tenant = on.tenant;
  job.integration_id = on.id;
  job.type = type;
  job.run_after = run_after;
  job.created_at = run_after;
  job.updated_at = run_after;
  return record;
}

void add_integrations(Store& store, std::string_view tenant, int count) {
  in_write(store, [&](StoreSession& session) {
    for (int n = 0; n < count; ++n) {
      const auto written =
          session.insert_integration_within_quota(integration(tenant, "i" + std::to_string(n)));
      REQUIRE(written.outcome == QuotaWrite::Outcome::written);
    }
  });
}

Integration integration_named(std::string_view tenant, int n) {
  return integration(tenant, "i" + std::to_string(n)).integration;
}

}  // namespace

TEST_CASE("conformance: racing enqueues on one integration insert exactly one active job") {
  auto backend = make_conformance_backend();
  auto setup = backend->open(5000);
  add_integrations(*setup, "acme", 1);
  const Integration on = integration_named("acme", 0);
  std::mutex mutex;
  std::vector<std::string> inserted;
  std::set<std::string> refused_for;
  run_threads([&](int t) {
    auto store = backend->open(30'000);
    const std::string id = "job-" + std::to_string(t);
    const auto active = in_write(*store, [&](StoreSession& session) {
      return session.insert_job_unless_active(pending_job(id, on, t0));
    });
    std::lock_guard lock(mutex);
    if (active) {
      refused_for.insert(*active);
    } else {
      inserted.push_back(id);
    }
  });
  REQUIRE(inserted.size() == 1);
  CHECK(refused_for == std::set<std::string>{inserted[0]});
  auto session = setup->session();
  session->begin(TransactionMode::read);
  CHECK(session->active_job("acme", on.id)->job.id == inserted[0]);
  CHECK_FALSE(session->active_job("globex", on.id).has_value());
}

TEST_CASE("conformance: claims racing from 8 stores take every due job exactly once") {
  auto backend = make_conformance_backend();
  auto setup = backend->open(5000);
  constexpr int jobs = 48;
  add_integrations(*setup, "acme", jobs);
  in_write(*setup, [&](StoreSession& session) {
    for (int n = 0; n < jobs; ++n) {
      CHECK_FALSE(session
                      .insert_job_unless_active(pending_job("job-" + std::to_string(n),
                                                            integration_named("acme", n), t0 + n))
                      .has_value());
    }
  });
  std::mutex mutex;
  std::map<std::string, int> claims;
  run_threads([&](int t) {
    auto store = backend->open(30'000);
    for (;;) {
      const auto claimed = in_write(*store, [&](StoreSession& session) -> std::optional<std::string> {
        const auto loaded = session.next_due_job(t0 + jobs, {});
        if (!loaded) return std::nullopt;
        JobRecord next = *loaded;
        next.job.status = JobStatus::running;
        next.job.worker_id = "worker-" + std::to_string(t);
        next.lease_token = "token-" + std::to_string(t) + "-" + loaded->job.id;
        next.job.lease_until = t0 + 1'000'000;
        if (!session.update_job_if(next, JobStatus::pending, "")) return std::nullopt;
        return loaded->job.id;
      });
      if (!claimed) break;
      std::lock_guard lock(mutex);
      ++claims[*claimed];
    }
  });
  CHECK(claims.size() == static_cast<std::size_t>(jobs));
  for (const auto& [id, count] : claims) CHECK_MESSAGE(count == 1, id);
}

TEST_CASE("conformance: next_due_job takes the oldest due job of the wanted types") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  add_integrations(*store, "acme", 3);
  in_write(*store, [&](StoreSession& session) {
    session.insert_job_unless_active(pending_job("late", integration_named("acme", 0), t0 + 500));
    session.insert_job_unless_active(
        pending_job("export", integration_named("acme", 1), t0 + 100, JobType::export_));
    session.insert_job_unless_active(pending_job("early", integration_named("acme", 2), t0 + 200));
  });
  in_write(*store, [&](StoreSession& session) {
    CHECK_FALSE(session.next_due_job(t0 + 99, {}).has_value());
    CHECK(session.next_due_job(t0 + 100, {})->job.id == "export");
    CHECK(session.next_due_job(t0 + 1000, {JobType::full_import})->job.id == "early");
    CHECK(session.next_due_job(t0 + 1000, {JobType::field_mapping_update}) == std::nullopt);
  });
}

TEST_CASE("conformance: update_job_if writes only over the status and token it names") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  add_integrations(*store, "acme", 1);
  const Integration on = integration_named("acme", 0);
  in_write(*store, [&](StoreSession& session) {
    session.insert_job_unless_active(pending_job("job", on, t0));
  });
  JobRecord running = *in_read(*store, [&](StoreSession& s) { return s.find_job("job"); });
  running.job.status = JobStatus::running;
  running.lease_token = "lease-1";
  running.job.lease_until = t0 + 10;
  in_write(*store, [&](StoreSession& session) {
    CHECK(session.update_job_if(running, JobStatus::pending, ""));
    JobRecord stale = running;
    stale.job.status = JobStatus::completed;
    CHECK_FALSE(session.update_job_if(stale, JobStatus::pending, ""));          // status moved on
    CHECK_FALSE(session.update_job_if(stale, JobStatus::running, "lease-0"));   // another lease
    CHECK(session.find_job("job")->job.status == JobStatus::running);
    CHECK(session.update_job_if(stale, JobStatus::running, "lease-1"));
  });
  const auto stored = in_read(*store, [&](StoreSession& s) { return s.find_job("job"); });
  CHECK(stored->job.status == JobStatus::completed);
  CHECK(stored->lease_token == "lease-1");
}

TEST_CASE("conformance: expired_jobs returns running jobs past their lease, oldest first") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  add_integrations(*store, "acme", 4);
  in_write(*store, [&](StoreSession& session) {
    const TimeMs leases[] = {t0 + 30, t0 + 10, t0 + 20, t0 + 100};
    for (int n = 0; n < 4; ++n) {
      JobRecord record = pending_job("job-" + std::to_string(n), integration_named("acme", n), t0);
      session.insert_job_unless_active(record);
      JobRecord running = record;
      running.job.status = JobStatus::running;
      running.lease_token = "lease";
      running.job.lease_until = leases[n];
      CHECK(session.update_job_if(running, JobStatus::pending, ""));
    }
  });
  in_write(*store, [&](StoreSession& session) {
    const auto expired = session.expired_jobs(t0 + 50, 2);
    REQUIRE(expired.size() == 2);
    CHECK(expired[0].job.id == "job-1");
    CHECK(expired[1].job.id == "job-2");
    CHECK(session.expired_jobs(t0 + 50, 10).size() == 3);
    CHECK(session.expired_jobs(t0 + 10, 10).empty());  // lease_until itself is not past
  });
}

TEST_CASE("conformance: list_jobs is newest first, filtered, and pages by cursor") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  add_integrations(*store, "acme", 2);
  in_write(*store, [&](StoreSession& session) {
    for (int n = 0; n < 5; ++n) {
      JobRecord record = pending_job("job-" + std::to_string(n), integration_named("acme", n % 2),
                                     t0 + n);
      record.job.status = JobStatus::completed;  // not active: many per integration
      session.insert_job_unless_active(record);
    }
  });
  auto session = store->session();
  session->begin(TransactionMode::read);
  JobListFilter all;
  const auto jobs = session->list_jobs("acme", all);
  REQUIRE(jobs.size() == 5);
  CHECK(jobs[0].id == "job-4");
  CHECK(jobs[4].id == "job-0");
  JobListFilter of_one;
  of_one.integration_id = integration_named("acme", 0).id;
  of_one.limit = 2;
  of_one.before_created_at = t0 + 4;
  of_one.before_id = "job-4";
  const auto page = session->list_jobs("acme", of_one);
  REQUIRE(page.size() == 2);
  CHECK(page[0].id == "job-2");
  CHECK(page[1].id == "job-0");
  JobListFilter pending;
  pending.status = JobStatus::pending;
  CHECK(session->list_jobs("acme", pending).empty());
  CHECK(session->list_jobs("globex", all).empty());
}

TEST_CASE("conformance: auto_sync_candidates are connected, configured and idle") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  SyncConfig config;
  config.auto_sync = true;
  in_write(*store, [&](StoreSession& session) {
    session.insert_integration_within_quota(integration("acme", "idle", config));
    session.insert_integration_within_quota(integration("acme", "busy", config));
    session.insert_integration_within_quota(integration("acme", "plain"));
    auto gone = integration("globex", "gone", config);
    gone.integration.status = IntegrationStatus::disconnected;
    session.insert_integration_within_quota(gone);
    session.insert_job_unless_active(
        pending_job("job", integration("acme", "busy", config).integration, t0));
  });
  auto session = store->session();
  session->begin(TransactionMode::read);
  const auto candidates = session->auto_sync_candidates();
  REQUIRE(candidates.size() == 1);
  CHECK(candidates[0].id == "acme/idle");
  CHECK(candidates[0].sync_config == config);
}

TEST_CASE("conformance: delete_tenant_rows counts and deletes the tenant's jobs") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  add_integrations(*store, "acme", 2);
  add_integrations(*store, "globex", 1);
  in_write(*store, [&](StoreSession& session) {
    session.insert_job_unless_active(pending_job("a0", integration_named("acme", 0), t0));
    session.insert_job_unless_active(pending_job("a1", integration_named("acme", 1), t0));
    session.insert_job_unless_active(pending_job("g0", integration_named("globex", 0), t0));
  });
  const auto counts =
      in_write(*store, [&](StoreSession& session) { return session.delete_tenant_rows("acme"); });
  CHECK(counts.jobs == 2);
  auto session = store->session();
  session->begin(TransactionMode::read);
  CHECK_FALSE(session->find_job("a0").has_value());
  CHECK(session->find_job("g0").has_value());
}

TEST_CASE("conformance: update_progress_if writes progress and lease only, under the lease") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  add_integrations(*store, "acme", 1);
  in_write(*store, [&](StoreSession& session) {
    session.insert_job_unless_active(pending_job("job", integration_named("acme", 0), t0));
  });
  JobRecord running = *in_read(*store, [&](StoreSession& s) { return s.find_job("job"); });
  const JobRecord pending = running;
  running.job.status = JobStatus::running;
  running.lease_token = "lease-1";
  running.lease_ms = 100;
  running.job.lease_until = t0 + 100;
  in_write(*store, [&](StoreSession& session) {
    JobRecord early = pending;
    early.job.records_processed = 1;
    CHECK_FALSE(session.update_progress_if(early, ""));  // not running yet
    CHECK(session.update_job_if(running, JobStatus::pending, ""));
    JobRecord beat = running;
    beat.job.records_processed = 7;
    beat.job.records_total = 10;
    beat.job.progress_percent = 70;
    beat.lease_ms = 500;
    beat.job.lease_until = t0 + 600;
    beat.job.updated_at = t0 + 100;
    beat.job.status = JobStatus::completed;  // not a progress column: ignored
    beat.job.error = "ignored";
    CHECK_FALSE(session.update_progress_if(beat, "lease-0"));
    CHECK(session.update_progress_if(beat, "lease-1"));
  });
  const auto stored = in_read(*store, [&](StoreSession& s) { return s.find_job("job"); });
  CHECK(stored->job.status == JobStatus::running);
  CHECK(stored->job.records_processed == 7);
  CHECK(stored->job.records_total == 10);
  CHECK(stored->job.progress_percent == 70);
  CHECK(stored->lease_ms == 500);
  CHECK(stored->job.lease_until == t0 + 600);
  CHECK_FALSE(stored->job.error.has_value());
}

TEST_CASE("conformance: record_sync_result sets the integration's last sync only") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  add_integrations(*store, "acme", 1);
  const Integration on = integration_named("acme", 0);
  in_write(*store, [&](StoreSession& session) {
    CHECK(session.record_sync_result("acme", on.id, t0 + 5, SyncOutcome::partial));
    CHECK_FALSE(session.record_sync_result("globex", on.id, t0 + 5, SyncOutcome::success));
    CHECK_FALSE(session.record_sync_result("acme", "nope", t0 + 5, SyncOutcome::success));
  });
  const auto stored =
      in_read(*store, [&](StoreSession& s) { return s.load_integration("acme", on.id); });
  CHECK(stored->integration.last_sync_at == t0 + 5);
  CHECK(stored->integration.last_sync_status == SyncOutcome::partial);
  CHECK(stored->integration.updated_at == t0 + 5);
  CHECK(stored->integration.status == IntegrationStatus::connected);
  CHECK(stored->sealed_credentials == std::vector<std::uint8_t>{1, 2, 3});
}

TEST_CASE("conformance: has_due_work sees due pending jobs and passed leases only") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  add_integrations(*store, "acme", 2);
  const auto look = [&](TimeMs now) {
    auto session = store->session();
    session->begin(TransactionMode::read);
    const bool work = session->has_due_work(now);
    session->commit();
    return work;
  };
  CHECK_FALSE(look(t0));
  in_write(*store, [&](StoreSession& session) {
    session.insert_job_unless_active(pending_job("later", integration_named("acme", 0), t0 + 100));
  });
  CHECK_FALSE(look(t0 + 99));
  CHECK(look(t0 + 100));
  in_write(*store, [&](StoreSession& session) {
    JobRecord running = *session.find_job("later");
    const JobRecord loaded = running;
    running.job.status = JobStatus::running;
    running.lease_token = "lease";
    running.job.lease_until = t0 + 500;
    CHECK(session.update_job_if(running, loaded.job.status, loaded.lease_token));
  });
  CHECK_FALSE(look(t0 + 500));  // the lease is not passed yet
  CHECK(look(t0 + 501));
}
