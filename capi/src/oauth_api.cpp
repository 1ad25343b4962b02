// OAuth: the expiring list, token refresh (one integration, or the sweep
// over every tenant), the OAuth client, the authorization-code flow with
// PKCE, rate limits, and the token reply the host's refresher or exchange
// answers through. Each function checks its arguments in declaration order,
// parses the request JSON (oauth_requests.hpp, token_json.hpp), calls the
// C++ Tenant or Vault with C++ callbacks over the host's functions
// (token_callbacks.hpp) and writes the result as JSON.
#include "arguments.hpp"
#include "guard.hpp"
#include "handles.hpp"
#include "linkvault.h"
#include "linkvault/credentials_json.hpp"
#include "linkvault/error.hpp"
#include "linkvault/limits.hpp"
#include "linkvault/secret.hpp"
#include "linkvault/utf8.hpp"
#include "oauth_requests.hpp"
#include "records_json.hpp"
#include "token_callbacks.hpp"
#include "token_json.hpp"
#include "vault_call.hpp"

#include <chrono>
#include <map>
#include <string>
#include <utility>

using namespace linkvault;
using namespace linkvault::capi;

namespace {

// The handle is checked before the arguments after it (the ABI's argument
// order); it is looked up again when the answer goes in, in case its
// callback ended meanwhile.
void require_live_reply(lv_token_reply* reply) {
  HandleRegistry::instance().visit(reply, [](lv_token_reply&) noexcept {});
}

template <typename Function>
void require_callback(Function function, const char* name) {
  if (function == nullptr) {
    throw Error(ErrorCode::invalid_argument, std::string(name) + ": must not be NULL");
  }
}

}  // namespace

extern "C" {

int lv_integration_expiring(lv_vault* vault, char** out, const char* tenant,
                            int64_t within_seconds) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    call.answer(integrations_json(
        call.tenant(tenant_id).expiring(std::chrono::seconds(within_seconds))));
  });
}

int lv_token_reply_set(lv_token_reply* reply, const char* tokens_json) {
  return guard(__func__, [&] {
    require_live_reply(reply);
    // Parsed before the reply is touched: a malformed answer leaves it as
    // it was. The tokens go straight into secure memory (token_json.hpp).
    TokenAnswer answer = parse_token_grant("tokens_json", text_argument(tokens_json, "tokens_json"));
    // The move cannot throw; the answer it replaces is wiped as it goes.
    HandleRegistry::instance().visit(reply, [&answer](lv_token_reply& live) noexcept {
      live.object.swap(answer);
    });
  });
}

int lv_token_reply_fail(lv_token_reply* reply, int permanent, const char* message) {
  return guard(__func__, [&] {
    require_live_reply(reply);
    const std::string_view text = optional_text_argument(message, "message").value_or("");
    // The first 4096 bytes, cut on a character boundary.
    TokenAnswer answer{std::in_place_type<TokenFailure>, permanent != 0,
                       std::string(text.substr(0, utf8_prefix_length(text, max_message_bytes)))};
    HandleRegistry::instance().visit(reply, [&answer](lv_token_reply& live) noexcept {
      live.object.swap(answer);
    });
  });
}

int lv_integration_valid_credentials(lv_vault* vault, char** out, const char* tenant,
                                     const char* actor_json, const char* integration_id,
                                     const char* options_json, lv_refresher_fn refresher,
                                     void* user_data) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto id = integration_id_argument(integration_id);
    const RefreshOptions options =
        parse_refresh_options(optional_text_argument(options_json, "options_json"));
    require_callback(refresher, "refresher");
    Tenant owner = call.tenant(tenant_id);
    // The host's refresher is told the provider; it is looked up only when
    // a refresh actually runs (a fresh token costs no extra read).
    const Refresher c_function =
        c_refresher(refresher, user_data, [owner, integration = std::string(id)] {
          return owner.get(integration).provider;
        });
    call.answer(credentials_to_json(owner.valid_credentials(actor, id, c_function, options)));
  });
}

int lv_refresh_expiring(lv_vault* vault, char** out, const char* options_json,
                        lv_refresher_fn refresher, void* user_data) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    RefreshExpiringRequest request =
        parse_refresh_expiring_options(optional_text_argument(options_json, "options_json"));
    require_callback(refresher, "refresher");
    if (!request.providers) {
      request.providers.emplace();
      for (const ProviderSpec& spec : call.vault().providers()) {
        request.providers->push_back(spec.key);
      }
    }
    // One C++ refresher per provider, each telling the host which one it is.
    std::map<std::string, Refresher, std::less<>> refreshers;
    for (const std::string& provider : *request.providers) {
      refreshers.insert_or_assign(
          provider, c_refresher(refresher, user_data, [provider] { return provider; }));
    }
    call.answer(refresh_report_json(call.vault().refresh_expiring(refreshers, request.within)));
  });
}

int lv_oauth_client_configure(lv_vault* vault, const char* provider, const char* client_id,
                              const char* client_secret) {
  return guard(__func__, [&] {
    VaultCall call(vault);
    const auto provider_key = text_argument(provider, "provider");
    OAuthClient client;
    client.client_id = text_argument(client_id, "client_id");
    if (const auto secret = optional_text_argument(client_secret, "client_secret")) {
      client.client_secret = make_secret(*secret);
    }
    call.vault().configure_oauth_client(provider_key, client);
  });
}

int lv_oauth_begin(lv_vault* vault, char** out, const char* tenant, const char* actor_json,
                   const char* provider, const char* redirect_uri, const char* options_json) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto provider_key = text_argument(provider, "provider");
    const auto redirect = text_argument(redirect_uri, "redirect_uri");
    const BeginOAuthOptions options =
        parse_begin_oauth_options(optional_text_argument(options_json, "options_json"));
    call.answer(oauth_start_json(
        call.tenant(tenant_id).begin_oauth(actor, provider_key, redirect, options)));
  });
}

int lv_oauth_complete(lv_vault* vault, char** out, const char* tenant, const char* actor_json,
                      const char* state, const char* code, lv_exchange_fn exchange,
                      void* user_data) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const Actor actor = actor_argument(actor_json);
    const auto state_text = text_argument(state, "state");
    const auto code_text = text_argument(code, "code");
    require_callback(exchange, "exchange");
    call.answer(integration_json(call.tenant(tenant_id).complete_oauth(
        actor, state_text, code_text, c_exchange(exchange, user_data))));
  });
}

int lv_rate_acquire(lv_vault* vault, double* out, const char* tenant,
                    const char* integration_id, int64_t cost) {
  return guard(__func__, [&] {
    VaultCall call(vault, out);
    const auto tenant_id = tenant_argument(tenant);
    const auto id = integration_id_argument(integration_id);
    const std::chrono::milliseconds wait = call.tenant(tenant_id).acquire(id, cost);
    call.answer(static_cast<double>(wait.count()) / 1000.0);
  });
}

int lv_rate_penalize(lv_vault* vault, const char* tenant, const char* integration_id,
                     double retry_after_seconds) {
  return guard(__func__, [&] {
    VaultCall call(vault);
    const auto tenant_id = tenant_argument(tenant);
    const auto id = integration_id_argument(integration_id);
    const auto retry_after = retry_after_parameter(retry_after_seconds);
    call.tenant(tenant_id).penalize(id, retry_after);
  });
}

}  // extern "C"
