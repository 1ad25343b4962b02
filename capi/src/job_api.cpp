// Sync jobs: the tenant side (enqueue, read, list, cancel) and the worker
// side across tenants (claim, heartbeat, complete, fail, lease recovery,
// scheduling). Each function checks its arguments in declaration order,
// parses the request JSON (job_requests.hpp), calls the C++ Tenant or Vault
// and writes the job as JSON. A heartbeat on a job whose cancel was
// requested throws Error(CANCELLED), which guard() turns into LV_CANCELLED
// with *out left NULL.
#include "arguments.hpp"
#include "guard.hpp"
#include "job_requests.hpp"
#include "linkvault.h"
#include "records_json.hpp"
#include "vault_call.hpp"

using namespace linkvault;
using namespace linkvault::capi;

namespace {

std::string_view job_id_argument(const char* job_id) { return text_argument(job_id, "job_id"); }

std::string_view worker_id_argument(const char* worker_id) {
  return text_argument(worker_id, "worker_id");
}

}  // namespace

extern "C" {

int lv_sync_enqueue(lv_vault* vault, char** out, const char* tenant, const char* actor_json,
                    const char* integration_id, const char* type, const char* options_json) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto id = integration_id_argument(integration_id);
    const JobType job_type = parse_job_type_parameter(text_argument(type, "type"));
    const EnqueueOptions options =
        parse_enqueue_options(optional_text_argument(options_json, "options_json"));
    call.answer(job_json(call.tenant(tenant_id).enqueue_sync(actor, id, job_type, options)));
  });
}

int lv_job_get(lv_vault* vault, char** out, const char* tenant, const char* job_id) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const auto id = job_id_argument(job_id);
    call.answer(job_json(call.tenant(tenant_id).get_job(id)));
  });
}

int lv_job_list(lv_vault* vault, char** out, const char* tenant, const char* filter_json) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const JobQuery query = parse_job_filter(optional_text_argument(filter_json, "filter_json"));
    call.answer(jobs_json(call.tenant(tenant_id).jobs(query)));
  });
}

int lv_job_cancel(lv_vault* vault, char** out, const char* tenant, const char* actor_json,
                  const char* job_id) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto id = job_id_argument(job_id);
    call.answer(job_json(call.tenant(tenant_id).cancel_job(actor, id)));
  });
}

int lv_job_claim(lv_vault* vault, char** out, const char* worker_id, const char* options_json) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto worker = worker_id_argument(worker_id);
    const ClaimOptions options =
        parse_claim_options(optional_text_argument(options_json, "options_json"));
    call.answer(optional_job_json(call.vault().claim_job(worker, options)));
  });
}

int lv_job_heartbeat(lv_vault* vault, char** out, const char* job_id, const char* worker_id,
                     const char* progress_json) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto id = job_id_argument(job_id);
    const auto worker = worker_id_argument(worker_id);
    const HeartbeatRequest request =
        parse_heartbeat_progress(optional_text_argument(progress_json, "progress_json"));
    call.answer(job_json(call.vault().heartbeat(id, worker, request.progress, request.lease)));
  });
}

int lv_job_complete(lv_vault* vault, char** out, const char* job_id, const char* worker_id,
                    const char* outcome, const char* summary_json) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto id = job_id_argument(job_id);
    const auto worker = worker_id_argument(worker_id);
    const SyncOutcome result =
        parse_completion_outcome(optional_text_argument(outcome, "outcome"));
    const auto summary = parse_summary(optional_text_argument(summary_json, "summary_json"));
    call.answer(job_json(call.vault().complete_job(id, worker, result, summary)));
  });
}

int lv_job_fail(lv_vault* vault, char** out, const char* job_id, const char* worker_id,
                const char* error, int retryable) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto id = job_id_argument(job_id);
    const auto worker = worker_id_argument(worker_id);
    const auto message = text_argument(error, "error");
    call.answer(job_json(call.vault().fail_job(id, worker, message, retryable != 0)));
  });
}

int lv_job_recover_expired(lv_vault* vault, int64_t* out) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    call.answer(call.vault().recover_expired_jobs());
  });
}

int lv_sync_schedule_due(lv_vault* vault, char** out) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    call.answer(jobs_json(call.vault().schedule_due_syncs()));
  });
}

}  // extern "C"
