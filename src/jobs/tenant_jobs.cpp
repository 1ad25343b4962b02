// The host's side of sync jobs, one Tenant method each: queue, read, list,
// cancel (docs/SEMANTICS.md, "Sync jobs"). Workers' side: worker_jobs.cpp.
#include "linkvault/tenant.hpp"

#include "core/job_transitions.hpp"
#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "jobs/job_queue.hpp"
#include "jobs/job_rules.hpp"
#include "linkvault/error.hpp"
#include "linkvault/limits.hpp"
#include "vault/input_rules.hpp"
#include "vault/job_changes.hpp"
#include "vault/operation.hpp"
#include "vault/transaction.hpp"

#include <fmt/format.h>

namespace linkvault {

namespace {

JobRecord load_job_or_throw(JobStore& jobs, std::string_view tenant, std::string_view job_id) {
  auto record = jobs.load_job(tenant, job_id);
  if (!record) throw_job_not_found(job_id);
  return std::move(*record);
}

}  // namespace

SyncJob Tenant::enqueue_sync(const Actor& actor, std::string_view integration_id, JobType type,
                             const EnqueueOptions& options) {
  require_change_permission(actor, "enqueue_sync");
  require_job_type(type);
  require_enqueue_options(options);
  auto session = core_->session();
  Transaction transaction(*session, TransactionMode::write);
  const IntegrationRecord record = load_or_throw(*session, id_, integration_id);
  if (record.integration.status != IntegrationStatus::connected) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("cannot queue a sync on integration {}: it is {}, not connected",
                            quote_for_message(record.integration.id),
                            to_string(record.integration.status)));
  }
  SyncJob job = queue_job(*session, *core_, record.integration, type, options, actor);
  transaction.commit();
  return job;
}

SyncJob Tenant::get_job(std::string_view job_id) const {
  auto session = core_->session();
  Transaction read(*session, TransactionMode::read);
  return load_job_or_throw(*session, id_, job_id).job;
}

std::vector<SyncJob> Tenant::jobs(const JobQuery& query) const {
  if (query.limit < 1 || query.limit > max_job_list_limit) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("job list limit must be 1 to {}, got {}", max_job_list_limit,
                            query.limit));
  }
  if (query.status && std::string_view(to_string(*query.status)) == "unknown") {
    throw Error(ErrorCode::invalid_argument, "job status filter is not a job status");
  }
  auto session = core_->session();
  Transaction read(*session, TransactionMode::read);
  JobListFilter filter;
  filter.integration_id = query.integration_id;
  filter.status = query.status;
  filter.limit = query.limit;
  if (query.integration_id && !session->load_integration(id_, *query.integration_id)) {
    throw_integration_not_found(*query.integration_id);
  }
  if (query.before) {
    const JobRecord cursor = load_job_or_throw(*session, id_, *query.before);
    filter.before_created_at = cursor.job.created_at;
    filter.before_id = cursor.job.id;
  }
  auto jobs = session->list_jobs(id_, filter);
  read.commit();
  return jobs;
}

SyncJob Tenant::cancel_job(const Actor& actor, std::string_view job_id) {
  require_change_permission(actor, "cancel_job");
  auto session = core_->session();
  Transaction transaction(*session, TransactionMode::write);
  const JobRecord loaded = load_job_or_throw(*session, id_, job_id);
  JobRecord next = loaded;
  SyncJob& job = next.job;
  const TimeMs now = core_->now_ms();
  if (job.status == JobStatus::running) {
    // The holder stops at its next heartbeat; asking twice changes nothing.
    if (!job.cancel_requested) {
      job.status = require_transition(job.id, job.status, JobEvent::request_cancel);
      job.cancel_requested = true;
      job.updated_at = now;
      write_job_change(*session, loaded, next);
    }
  } else {
    job.status = require_transition(job.id, job.status, JobEvent::cancel);
    job.completed_at = now;
    job.updated_at = now;
    write_job_change(*session, loaded, next);
    log_job_activity(*session, *core_, job, action::sync_cancelled, actor,
                     fmt::format("{{\"job_id\":{},\"reason\":\"cancel_job\"}}",
                                 json_quote(job.id)));
  }
  transaction.commit();
  return job;
}

}  // namespace linkvault
