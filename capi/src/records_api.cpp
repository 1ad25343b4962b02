// The record path: field mappings, mapping a payload into a batch, reading
// and committing the batch, and the end of a full sync. Each function checks
// its arguments in declaration order, parses the request JSON
// (record_requests.hpp), calls the C++ Tenant and writes the result as JSON
// (record_batch_json.hpp).
//
// A batch is an owned handle (handles.hpp): lv_records_map makes it, the
// registry keeps it until lv_record_batch_destroy, and a call that uses it
// holds a reference, so a destroy racing with a commit cannot free it
// underneath. A batch is never changed after it is made.
#include "arguments.hpp"
#include "guard.hpp"
#include "handles.hpp"
#include "linkvault.h"
#include "linkvault/records.hpp"
#include "record_batch_json.hpp"
#include "record_requests.hpp"
#include "vault_call.hpp"

#include <memory>
#include <utility>

using namespace linkvault;
using namespace linkvault::capi;

namespace {

std::shared_ptr<lv_record_batch> batch_argument(const lv_record_batch* batch) {
  return HandleRegistry::instance().acquire(batch);
}

}  // namespace

extern "C" {

int lv_field_mappings_set(lv_vault* vault, const char* tenant, const char* actor_json,
                          const char* integration_id, const char* rules_json) {
  return guard(__func__, [&] {
    VaultCall call(vault);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto id = integration_id_argument(integration_id);
    const auto rules = parse_field_mappings_json(text_argument(rules_json, "rules_json"));
    call.tenant(tenant_id).set_field_mappings(actor, id, rules);
  });
}

int lv_field_mappings_get(lv_vault* vault, char** out, const char* tenant,
                          const char* integration_id) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const auto id = integration_id_argument(integration_id);
    call.answer(to_json(call.tenant(tenant_id).field_mappings(id)));
  });
}

int lv_records_map(lv_vault* vault, lv_record_batch** out, const char* tenant,
                   const char* integration_id, const uint8_t* payload, size_t payload_len,
                   const char* options_json) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const auto id = integration_id_argument(integration_id);
    const auto text = payload_argument(payload, payload_len);
    const MapOptions options =
        parse_map_options(optional_text_argument(options_json, "options_json"));
    auto batch = std::make_shared<lv_record_batch>(
        call.tenant(tenant_id).map_records(id, text, options));
    call.answer(HandleRegistry::instance().adopt(std::move(batch)));
  });
}

int lv_record_batch_json(const lv_record_batch* batch, char** out) {
  return guard(__func__, [&] {
    require_out(reset_out(out));
    const auto handle = batch_argument(batch);
    *out = to_c_string(record_batch_json(handle->object));
  });
}

int lv_records_commit(lv_vault* vault, const char* tenant, const lv_record_batch* batch) {
  return guard(__func__, [&] {
    VaultCall call(vault);
    const auto tenant_id = tenant_argument(tenant);
    const auto handle = batch_argument(batch);
    // A batch of another tenant is INVALID_ARGUMENT (Tenant::commit_records
    // checks it): it never writes into the tenant named here.
    call.tenant(tenant_id).commit_records(handle->object);
  });
}

int lv_records_finish_full_sync(lv_vault* vault, char** out, const char* tenant,
                                const char* integration_id, const char* job_id) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const auto id = integration_id_argument(integration_id);
    const auto job = text_argument(job_id, "job_id");
    call.answer(string_array_json(call.tenant(tenant_id).finish_full_sync(id, job)));
  });
}

void lv_record_batch_destroy(lv_record_batch* batch) {
  guard(__func__, [&] {
    // Unlisted first, so no new call can find it; a call in flight holds its
    // own reference and the batch goes when it finishes.
    const std::shared_ptr<lv_record_batch> handle = HandleRegistry::instance().release(batch);
    if (handle != nullptr) handle->retire();
  });
}

}  // extern "C"
