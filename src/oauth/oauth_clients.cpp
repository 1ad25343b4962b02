#include "oauth/oauth_clients.hpp"

#include "core/message_text.hpp"
#include "linkvault/error.hpp"
#include "linkvault/vault.hpp"
#include "vault/input_rules.hpp"
#include "vault/transaction.hpp"

#include <fmt/format.h>

namespace linkvault {

namespace {

// Client secrets belong to the host, not to a tenant: they are sealed under
// the keyring of "", a tenant id no caller can use (Vault::tenant refuses
// it), so purging a tenant never destroys them.
constexpr std::string_view vault_keyring = "";
constexpr std::string_view client_secret_purpose = "oauth_client_secret";
constexpr std::size_t max_client_id_bytes = 512;

SealContext secret_context(std::string_view provider) {
  return SealContext{vault_keyring, provider, client_secret_purpose};
}

}  // namespace

std::optional<OAuthClient> load_oauth_client(StoreSession& session, VaultCore& core,
                                             std::string_view provider) {
  auto row = session.load_oauth_client(provider);
  if (!row) return std::nullopt;
  OAuthClient client;
  client.client_id = std::move(row->client_id);
  if (!row->sealed_secret.empty()) {
    const auto sealer =
        core.keyring().existing_sealer(session, vault_keyring, KeyPurpose::credentials);
    client.client_secret = sealer->open(row->sealed_secret, secret_context(provider));
  }
  return client;
}

void Vault::configure_oauth_client(std::string_view provider, const OAuthClient& client) {
  require_text(provider, "provider", max_identifier_bytes);
  require_text(client.client_id, "client_id", max_client_id_bytes);
  if (client.client_secret &&
      (client.client_secret->empty() || client.client_secret->size() > max_credential_value_bytes)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("client_secret must be 1 to {} bytes", max_credential_value_bytes));
  }
  VaultCore& core = require_open(core_);
  const ProviderSpec spec = core.catalog().get(provider);
  if (spec.auth_type != AuthType::oauth2) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("provider {} is not oauth2: it has no OAuth client",
                            quote_for_message(provider)));
  }
  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  OAuthClientRecord row;
  row.provider = spec.key;
  row.client_id = client.client_id;
  if (client.client_secret) {
    const auto sealer = core.keyring().sealer(*session, vault_keyring, KeyPurpose::credentials);
    row.sealed_secret = sealer->seal(*client.client_secret, secret_context(spec.key));
  }
  row.updated_at = core.now_ms();
  session->put_oauth_client(row);
  transaction.commit();
}

}  // namespace linkvault
