// The host's OAuth clients, one per provider (Vault::configure_oauth_client):
// the client id in clear, the client secret sealed under the vault-wide
// keyring of the reserved tenant id "" (docs/FORMAT.md, "OAuth").
#pragma once

#include "linkvault/oauth.hpp"
#include "store/store.hpp"
#include "vault/vault_core.hpp"

#include <optional>
#include <string_view>

namespace linkvault {

// The provider's client with its secret opened, in the caller's transaction;
// nullopt when none is configured.
std::optional<OAuthClient> load_oauth_client(StoreSession& session, VaultCore& core,
                                             std::string_view provider);

}  // namespace linkvault
