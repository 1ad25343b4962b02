// Which field mappings apply to an integration: its own (set with
// Tenant::set_field_mappings), else its provider's defaults.
#pragma once

#include "linkvault/integration.hpp"
#include "linkvault/records.hpp"
#include "store/store.hpp"
#include "vault/vault_core.hpp"

#include <vector>

namespace linkvault {

// In the caller's transaction. Empty when neither exists.
std::vector<FieldMapping> mappings_for(VaultCore& core, StoreSession& session,
                                       const Integration& integration);

}  // namespace linkvault
