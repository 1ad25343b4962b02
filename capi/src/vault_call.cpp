#include "vault_call.hpp"

#include "linkvault/credentials_json.hpp"
#include "request_json.hpp"

namespace linkvault::capi {

std::string_view tenant_argument(const char* tenant) { return text_argument(tenant, "tenant"); }

std::string_view integration_id_argument(const char* integration_id) {
  return text_argument(integration_id, "integration_id");
}

Actor actor_argument(const char* actor_json) {
  return parse_actor(text_argument(actor_json, "actor_json"));
}

Credentials credentials_argument(const char* credentials_json) {
  return parse_credentials_json(text_argument(credentials_json, "credentials_json"));
}

}  // namespace linkvault::capi
