// Sealing and opening an integration's credentials under its tenant's
// credentials key (docs/FORMAT.md "Sealed credentials"): the plaintext is
// the credential codec's bytes, the seal context binds tenant, integration
// id and purpose.
#pragma once

#include "linkvault/integration.hpp"
#include "linkvault/keyring.hpp"
#include "linkvault/secret.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <vector>

namespace linkvault {

// Seals under the tenant's primary credentials key (created on first use).
std::vector<std::uint8_t> seal_credentials(KeyringStorage& keys, Keyring& keyring,
                                           const Integration& integration,
                                           const Credentials& credentials);

// Opens the record's blob with the tenant's existing keys. The caller has
// ruled out a disconnected integration. Error(FAILED_PRECONDITION) for one
// still pending_auth with no blob; Error(INTEGRITY) for a lost or altered blob.
Credentials open_credentials(KeyringStorage& keys, Keyring& keyring,
                             const IntegrationRecord& record);

}  // namespace linkvault
