#include "jobs/job_endings.hpp"

#include "core/job_transitions.hpp"
#include "core/json_text.hpp"
#include "jobs/job_queue.hpp"
#include "linkvault/activity.hpp"
#include "vault/job_changes.hpp"

#include <fmt/format.h>

namespace linkvault {

namespace {
constexpr std::string_view lease_expired = "lease expired";
}  // namespace

void record_sync_result(IntegrationStore& integrations, const SyncJob& job, SyncOutcome outcome,
                        TimeMs now) {
  // No integration: nothing to record (purge deletes a job with it).
  integrations.record_sync_result(job.tenant, job.integration_id, now, outcome);
}

SyncJob fail_for_good(StoreSession& session, VaultCore& core, const JobRecord& loaded,
                   JobRecord next, JobEvent event, std::string_view error, const Actor& actor) {
  const TimeMs now = core.now_ms();
  SyncJob& job = next.job;
  job.status = require_transition(job.id, loaded.job.status, event);
  job.error = std::string(error);
  job.outcome = SyncOutcome::failed;
  job.completed_at = now;
  job.updated_at = now;
  release_lease(next);
  write_job_change(session, loaded, next);
  record_sync_result(session, job, SyncOutcome::failed, now);
  log_job_activity(session, core, job, action::sync_failed, actor,
                   fmt::format("{{\"job_id\":{},\"attempt\":{},\"error\":{}}}",
                               json_quote(job.id), job.attempt, json_quote(error)));
  return job;
}

std::int64_t recover_expired_leases(StoreSession& session, VaultCore& core, TimeMs now,
                                    int limit) {
  std::int64_t recovered = 0;
  const Actor actor = system_actor();
  for (const JobRecord& loaded : session.expired_jobs(now, limit)) {
    JobRecord next = loaded;
    SyncJob& job = next.job;
    if (job.cancel_requested) {
      job.status = require_transition(job.id, job.status, JobEvent::acknowledge_cancel);
      job.completed_at = now;
      job.updated_at = now;
      release_lease(next);
      write_job_change(session, loaded, next);
      log_job_activity(session, core, job, action::sync_cancelled, actor,
                       fmt::format("{{\"job_id\":{},\"reason\":\"lease expired\"}}",
                                   json_quote(job.id)));
    } else if (job.attempt < job.max_attempts) {
      // Due again at once: the worker is gone, not the provider.
      job.status = require_transition(job.id, job.status, JobEvent::expire_retry);
      job.error = std::string(lease_expired);
      job.run_after = now;
      job.updated_at = now;
      release_lease(next);
      write_job_change(session, loaded, next);
    } else {
      fail_for_good(session, core, loaded, std::move(next), JobEvent::expire_fail, lease_expired,
                    actor);
    }
    ++recovered;
  }
  return recovered;
}

}  // namespace linkvault
