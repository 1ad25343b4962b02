#include "vault/job_changes.hpp"

#include "core/job_transitions.hpp"
#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "linkvault/activity.hpp"
#include "linkvault/error.hpp"
#include "vault/audit_log.hpp"

#include <fmt/format.h>

namespace linkvault {

void throw_job_not_found(std::string_view job_id) {
  throw Error(ErrorCode::not_found, fmt::format("job {} not found", quote_for_message(job_id)));
}

void release_lease(JobRecord& record) noexcept {
  record.lease_token.clear();
  record.job.lease_until.reset();
}

void write_job_change(JobStore& jobs, const JobRecord& loaded, const JobRecord& next) {
  if (!jobs.update_job_if(next, loaded.job.status, loaded.lease_token)) {
    throw Error(ErrorCode::conflict,
                fmt::format("job {} changed while it was being updated; try again",
                            quote_for_message(loaded.job.id)));
  }
}

void write_job_progress(JobStore& jobs, const JobRecord& loaded, const JobRecord& next) {
  if (!jobs.update_progress_if(next, loaded.lease_token)) {
    throw Error(ErrorCode::conflict,
                fmt::format("job {} changed while it was being updated; try again",
                            quote_for_message(loaded.job.id)));
  }
}

void log_job_activity(StoreSession& session, VaultCore& core, const SyncJob& job,
                      std::string_view action, const Actor& actor, std::string details_json) {
  append_activity(session, core.keyring(), core.clock(), job.tenant, job.integration_id, action,
                  actor, std::move(details_json));
}

void cancel_jobs_of_disconnected(StoreSession& session, VaultCore& core,
                                 const Integration& integration, const Actor& actor) {
  // At most one: the one-active-job rule.
  const auto loaded = session.active_job(integration.tenant, integration.id);
  if (!loaded) return;
  const TimeMs now = core.now_ms();
  JobRecord next = *loaded;
  SyncJob& job = next.job;
  job.updated_at = now;
  if (job.status == JobStatus::pending) {
    job.status = require_transition(job.id, job.status, JobEvent::cancel);
    job.completed_at = now;
    write_job_change(session, *loaded, next);
    log_job_activity(session, core, job, action::sync_cancelled, actor,
                     fmt::format("{{\"job_id\":{},\"reason\":\"disconnected\"}}",
                                 json_quote(job.id)));
  } else {
    job.status = require_transition(job.id, job.status, JobEvent::request_cancel);
    job.cancel_requested = true;
    write_job_change(session, *loaded, next);
  }
}

}  // namespace linkvault
