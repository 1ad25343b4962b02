#include "jobs/job_queue.hpp"

#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "core/uuid.hpp"
#include "linkvault/activity.hpp"
#include "linkvault/error.hpp"
#include "vault/job_changes.hpp"

#include <fmt/format.h>

namespace linkvault {

Actor system_actor() { return Actor{"system", "linkvault", Role::system}; }

Actor worker_actor(std::string_view worker_id) {
  return Actor{std::string(worker_id), std::string(worker_id), Role::system};
}

SyncJob queue_job(StoreSession& session, VaultCore& core, const Integration& integration,
                  JobType type, const EnqueueOptions& options, const Actor& actor) {
  const TimeMs now = core.now_ms();
  JobRecord record;
  SyncJob& job = record.job;
  job.id = new_uuid_v7();
  job.tenant = integration.tenant;
  job.integration_id = integration.id;
  job.type = type;
  job.status = JobStatus::pending;
  job.config = options.config;
  job.max_attempts = options.max_attempts;
  job.retry_base_seconds = options.retry_base_seconds;
  job.run_after = now;
  job.created_at = now;
  job.updated_at = now;
  if (const auto active = session.insert_job_unless_active(record)) {
    throw Error(ErrorCode::conflict,
                fmt::format("integration {} already has an active job {}; cancel it or wait for it",
                            quote_for_message(integration.id), quote_for_message(*active)));
  }
  log_job_activity(session, core, job, action::sync_queued, actor,
                   fmt::format("{{\"job_id\":{},\"type\":\"{}\"}}", json_quote(job.id),
                               to_string(job.type)));
  return job;
}

}  // namespace linkvault
