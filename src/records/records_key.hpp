// The tenant's records key: the HMAC key of its record hashes (KeyPurpose::
// records in the keyring), so equal records of two tenants hash apart and a
// purge shreds what the hashes could tell.
#pragma once

#include "linkvault/secret.hpp"
#include "vault/vault_core.hpp"

#include <string_view>

namespace linkvault {

// The tenant's primary records key. Read in a read transaction when it
// exists; created (version 1) in a write transaction of its own the first
// time, so mapping never holds the write lock otherwise.
SecretBytes records_key(VaultCore& core, std::string_view tenant);

}  // namespace linkvault
