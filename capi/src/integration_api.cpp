// Integrations of one tenant: connect, read, update, reveal, test,
// disconnect, mark error. Each function checks its arguments, parses the
// request JSON, calls the C++ Tenant and writes the result as JSON.
#include "arguments.hpp"
#include "guard.hpp"
#include "handles.hpp"
#include "linkvault.h"
#include "linkvault/error.hpp"
#include "records_json.hpp"
#include "request_json.hpp"
#include "vault/credential_codec.hpp"
#include "vault/redaction.hpp"

#include <fmt/format.h>

using namespace linkvault;
using namespace linkvault::capi;

namespace {

// The C++ tester that calls the host's C function. The plaintext credentials
// are written as JSON into secure memory (wiped when this returns) and lent
// to the host for the duration of the call; the answer comes back through a
// reply on this stack frame, listed as live only while the host's function
// runs (see handles.hpp).
Tester c_tester(lv_tester_fn function, void* user_data) {
  return [function, user_data](const Credentials& credentials) -> TestResult {
    SecretBytes json = credentials_to_json(credentials);
    json.push_back('\0');
    lv_tester_reply reply;
    int returned = 0;
    {
      const LiveReply live(reply);
      returned = function(&reply, reinterpret_cast<const char*>(json.data()), user_data);
    }
    TestResult result;
    if (returned != 0) {
      result.success = false;
      result.message = !reply.message.empty()
                           ? std::move(reply.message)
                           : fmt::format("tester returned {} without a message", returned);
    } else if (!reply.success) {
      result.success = false;
      result.message = "tester gave no answer";
    } else {
      result.success = *reply.success;
      result.message = std::move(reply.message);
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
    require_out(reset_out(out));
    const auto handle = lookup_vault(vault);
    const auto tenant_id = text_argument(tenant, "tenant");
    const Actor actor = parse_actor(text_argument(actor_json, "actor_json"));
    const auto provider_key = text_argument(provider, "provider");
    const Credentials credentials =
        parse_credentials_json(text_argument(credentials_json, "credentials_json"));
    const ConnectOptions options =
        parse_connect_options(optional_text_argument(options_json, "options_json"));
    const Integration integration =
        handle->vault.tenant(tenant_id).connect(actor, provider_key, credentials, options);
    *out = to_c_string(integration_json(integration));
  });
}

int lv_integration_get(lv_vault* vault, char** out, const char* tenant,
                       const char* integration_id) {
  return guard(__func__, [&] {
    require_out(reset_out(out));
    const auto handle = lookup_vault(vault);
    const auto tenant_id = text_argument(tenant, "tenant");
    const auto id = text_argument(integration_id, "integration_id");
    *out = to_c_string(integration_json(handle->vault.tenant(tenant_id).get(id)));
  });
}

int lv_integration_find(lv_vault* vault, char** out, const char* tenant, const char* provider,
                        const char* name) {
  return guard(__func__, [&] {
    require_out(reset_out(out));
    const auto handle = lookup_vault(vault);
    const auto tenant_id = text_argument(tenant, "tenant");
    const auto provider_key = text_argument(provider, "provider");
    const auto integration_name = optional_text_argument(name, "name").value_or("default");
    *out = to_c_string(optional_integration_json(
        handle->vault.tenant(tenant_id).find(provider_key, integration_name)));
  });
}

int lv_integration_list(lv_vault* vault, char** out, const char* tenant,
                        const char* filter_json) {
  return guard(__func__, [&] {
    require_out(reset_out(out));
    const auto handle = lookup_vault(vault);
    const auto tenant_id = text_argument(tenant, "tenant");
    const ListFilter filter =
        parse_list_filter(optional_text_argument(filter_json, "filter_json"));
    *out = to_c_string(integrations_json(handle->vault.tenant(tenant_id).list(filter)));
  });
}

int lv_integration_update_credentials(lv_vault* vault, char** out, const char* tenant,
                                      const char* actor_json, const char* integration_id,
                                      const char* credentials_json, const char* options_json) {
  return guard(__func__, [&] {
    require_out(reset_out(out));
    const auto handle = lookup_vault(vault);
    const auto tenant_id = text_argument(tenant, "tenant");
    const Actor actor = parse_actor(text_argument(actor_json, "actor_json"));
    const auto id = text_argument(integration_id, "integration_id");
    const Credentials credentials =
        parse_credentials_json(text_argument(credentials_json, "credentials_json"));
    const auto expires_at =
        parse_update_options(optional_text_argument(options_json, "options_json"));
    const Integration integration = handle->vault.tenant(tenant_id).update_credentials(
        actor, id, credentials, expires_at);
    *out = to_c_string(integration_json(integration));
  });
}

int lv_integration_reveal_credentials(lv_vault* vault, char** out, const char* tenant,
                                      const char* actor_json, const char* integration_id) {
  return guard(__func__, [&] {
    require_out(reset_out(out));
    const auto handle = lookup_vault(vault);
    const auto tenant_id = text_argument(tenant, "tenant");
    const Actor actor = parse_actor(text_argument(actor_json, "actor_json"));
    const auto id = text_argument(integration_id, "integration_id");
    const Credentials credentials =
        handle->vault.tenant(tenant_id).reveal_credentials(actor, id);
    // Secure memory until the host's copy, which lv_string_free wipes.
    *out = to_c_string(credentials_to_json(credentials));
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
    update_reply(reply, [](lv_tester_reply& live, void* context) {
      auto& given = *static_cast<Answer*>(context);
      live.message.swap(given.message);
      live.success = given.success;
    }, &answer);
  });
}

int lv_integration_test(lv_vault* vault, char** out, const char* tenant, const char* actor_json,
                        const char* integration_id, lv_tester_fn tester, void* user_data) {
  return guard(__func__, [&] {
    require_out(reset_out(out));
    const auto handle = lookup_vault(vault);
    const auto tenant_id = text_argument(tenant, "tenant");
    const Actor actor = parse_actor(text_argument(actor_json, "actor_json"));
    const auto id = text_argument(integration_id, "integration_id");
    if (tester == nullptr) throw Error(ErrorCode::invalid_argument, "tester: must not be NULL");
    const TestResult result =
        handle->vault.tenant(tenant_id).test(actor, id, c_tester(tester, user_data));
    *out = to_c_string(test_result_json(result));
  });
}

int lv_integration_disconnect(lv_vault* vault, char** out, const char* tenant,
                              const char* actor_json, const char* integration_id) {
  return guard(__func__, [&] {
    require_out(reset_out(out));
    const auto handle = lookup_vault(vault);
    const auto tenant_id = text_argument(tenant, "tenant");
    const Actor actor = parse_actor(text_argument(actor_json, "actor_json"));
    const auto id = text_argument(integration_id, "integration_id");
    *out = to_c_string(integration_json(handle->vault.tenant(tenant_id).disconnect(actor, id)));
  });
}

int lv_integration_mark_error(lv_vault* vault, char** out, const char* tenant,
                              const char* actor_json, const char* integration_id,
                              const char* message) {
  return guard(__func__, [&] {
    require_out(reset_out(out));
    const auto handle = lookup_vault(vault);
    const auto tenant_id = text_argument(tenant, "tenant");
    const Actor actor = parse_actor(text_argument(actor_json, "actor_json"));
    const auto id = text_argument(integration_id, "integration_id");
    const auto text = text_argument(message, "message");
    *out = to_c_string(
        integration_json(handle->vault.tenant(tenant_id).mark_error(actor, id, text)));
  });
}

}  // extern "C"
