// The internal way in to a Vault's shared core, for tests, tools and the
// bench (the public API has none): VaultAccess::core(vault).
#pragma once

#include "linkvault/vault.hpp"
#include "vault/vault_core.hpp"

#include <memory>

namespace linkvault {

struct VaultAccess {
  static const std::shared_ptr<VaultCore>& core(const Vault& vault) noexcept {
    return vault.core_;
  }
};

}  // namespace linkvault
