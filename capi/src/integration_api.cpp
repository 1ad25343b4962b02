// Integrations of one tenant: connect, read, update, reveal, test,
// disconnect, mark error. Each function checks its arguments, parses the
// request JSON, calls the C++ Tenant and writes the result as JSON.
#include "arguments.hpp"
#include "guard.hpp"
#include "handles.hpp"
#include "linkvault.h"
#include "linkvault/credentials_json.hpp"
#include "linkvault/error.hpp"
#include "linkvault/secret.hpp"
#include "records_json.hpp"
#include "request_json.hpp"
#include "vault_call.hpp"

#include <fmt/format.h>

using namespace linkvault;
using namespace linkvault::capi;

namespace {

// The C++ tester that calls the host's C function. The plaintext credentials
// are written as JSON into secure memory (wiped when this returns) and lent
// to the host for the duration of the call; the answer comes back through a
// reply on this stack frame, listed as live only while the host's function
// runs (see handle.hpp).
Tester c_tester(lv_tester_fn function, void* user_data) {
  return [function, user_data](const Credentials& credentials) -> TestResult {
    SecretBytes json = credentials_to_json(credentials);
    json.push_back('\0');
    lv_tester_reply reply;
    int returned = 0;
    {
      const HandleScope live(reply);
      returned = function(&reply, reinterpret_cast<const char*>(json.data()), user_data);
    }
    TesterAnswer& answer = reply.object;
    TestResult result;
    if (returned != 0) {
      result.success = false;
      result.message = !answer.message.empty()
                           ? std::move(answer.message)
                           : fmt::format("tester returned {} without a message", returned);
    } else if (!answer.success) {
      result.success = false;
      result.message = "tester gave no answer";
    } else {
      result.success = *answer.success;
      result.message = std::move(answer.message);
    }
    return result;
  };
}

}  // namespace

extern "C" {

int lv_integration_connect(lv_vault* vault, char** out, const char* tenant,
                           const char* actor_json, const char* provider,
                           const char* credentials_json, const char* options_json) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto provider_key = text_argument(provider, "provider");
    const Credentials credentials = credentials_argument(credentials_json);
    const ConnectOptions options =
        parse_connect_options(optional_text_argument(options_json, "options_json"));
    call.answer(integration_json(
        call.tenant(tenant_id).connect(actor, provider_key, credentials, options)));
  });
}

int lv_integration_get(lv_vault* vault, char** out, const char* tenant,
                       const char* integration_id) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const auto id = integration_id_argument(integration_id);
    call.answer(integration_json(call.tenant(tenant_id).get(id)));
  });
}

int lv_integration_find(lv_vault* vault, char** out, const char* tenant, const char* provider,
                        const char* name) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const auto provider_key = text_argument(provider, "provider");
    const auto integration_name = optional_text_argument(name, "name").value_or("default");
    call.answer(
        optional_integration_json(call.tenant(tenant_id).find(provider_key, integration_name)));
  });
}

int lv_integration_list(lv_vault* vault, char** out, const char* tenant,
                        const char* filter_json) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const ListFilter filter =
        parse_list_filter(optional_text_argument(filter_json, "filter_json"));
    call.answer(integrations_json(call.tenant(tenant_id).list(filter)));
  });
}

int lv_integration_update_credentials(lv_vault* vault, char** out, const char* tenant,
                                      const char* actor_json, const char* integration_id,
                                      const char* credentials_json, const char* options_json) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto id = integration_id_argument(integration_id);
    const Credentials credentials = credentials_argument(credentials_json);
    const auto expires_at =
        parse_update_options(optional_text_argument(options_json, "options_json"));
    call.answer(integration_json(
        call.tenant(tenant_id).update_credentials(actor, id, credentials, expires_at)));
  });
}

int lv_integration_reveal_credentials(lv_vault* vault, char** out, const char* tenant,
                                      const char* actor_json, const char* integration_id) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto id = integration_id_argument(integration_id);
    call.answer(credentials_to_json(call.tenant(tenant_id).reveal_credentials(actor, id)));
  });
}

int lv_tester_reply_set(lv_tester_reply* reply, int success, const char* message) {
  return guard(__func__, [&] {
    // The host's text may quote a credential value (it is redacted before it
    // is stored); whichever message ends up here, replaced or refused, is
    // wiped rather than left in freed memory.
    struct Answer {
      std::string message;
      bool success;
      ~Answer() { wipe_string(message); }
    } answer{std::string(optional_text_argument(message, "message").value_or("")), success != 0};
    // Nothing changes unless everything above succeeded; the swap cannot throw.
    HandleRegistry::instance().visit(reply, [&answer](lv_tester_reply& live) noexcept {
      live.object.message.swap(answer.message);
      live.object.success = answer.success;
    });
  });
}

int lv_integration_test(lv_vault* vault, char** out, const char* tenant, const char* actor_json,
                        const char* integration_id, lv_tester_fn tester, void* user_data) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto id = integration_id_argument(integration_id);
    if (tester == nullptr) throw Error(ErrorCode::invalid_argument, "tester: must not be NULL");
    call.answer(
        test_result_json(call.tenant(tenant_id).test(actor, id, c_tester(tester, user_data))));
  });
}

int lv_integration_disconnect(lv_vault* vault, char** out, const char* tenant,
                              const char* actor_json, const char* integration_id) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto id = integration_id_argument(integration_id);
    call.answer(integration_json(call.tenant(tenant_id).disconnect(actor, id)));
  });
}

int lv_integration_mark_error(lv_vault* vault, char** out, const char* tenant,
                              const char* actor_json, const char* integration_id,
                              const char* message) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto id = integration_id_argument(integration_id);
    const auto text = text_argument(message, "message");
    call.answer(integration_json(call.tenant(tenant_id).mark_error(actor, id, text)));
  });
}

}  // extern "C"
