// Tenant-wide operations: quota, activity log, purge.
#include "arguments.hpp"
#include "guard.hpp"
#include "linkvault.h"
#include "records_json.hpp"
#include "vault_call.hpp"

#include <optional>
#include <string>

using namespace linkvault;
using namespace linkvault::capi;

extern "C" {

int lv_tenant_set_quota(lv_vault* vault, const char* tenant, const char* actor_json,
                        int64_t max_integrations) {
  return guard(__func__, [&] {
    VaultCall call(vault);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    std::optional<std::int64_t> limit;
    if (max_integrations >= 0) limit = max_integrations;
    call.tenant(tenant_id).set_quota(actor, limit);
  });
}

int lv_tenant_get_quota(lv_vault* vault, int64_t* out, const char* tenant) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    call.answer(call.tenant(tenant_id).quota().value_or(-1));
  });
}

int lv_tenant_purge(lv_vault* vault, char** out, const char* actor_json, const char* tenant) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const Actor actor = actor_argument(actor_json);
    const auto tenant_id = tenant_argument(tenant);
    call.answer(purge_report_json(call.vault().purge_tenant(actor, tenant_id)));
  });
}

int lv_activity_list(lv_vault* vault, char** out, const char* tenant, const char* integration_id,
                     int limit, const char* before) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    std::optional<std::string> id;
    if (const auto text = optional_text_argument(integration_id, "integration_id")) id = *text;
    ActivityQuery query;
    query.limit = limit;
    if (const auto text = optional_text_argument(before, "before")) query.before = *text;
    call.answer(activity_json(call.tenant(tenant_id).activity(id, query)));
  });
}

}  // extern "C"
