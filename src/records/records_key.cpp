#include "records/records_key.hpp"

#include "vault/transaction.hpp"

#include <algorithm>

namespace linkvault {

SecretBytes records_key(VaultCore& core, std::string_view tenant) {
  auto session = core.session();
  {
    Transaction read(*session, TransactionMode::read);
    const auto keys = session->load_keys(tenant, KeyPurpose::records);
    const bool has_primary = std::any_of(keys.begin(), keys.end(), [](const WrappedKey& key) {
      return key.state == KeyState::primary && !key.wrapped.empty();
    });
    if (has_primary) {
      SecretBytes key =
          std::move(core.keyring().primary_key(*session, tenant, KeyPurpose::records).key);
      read.commit();
      return key;
    }
  }
  Transaction write(*session, TransactionMode::write);
  SecretBytes key = std::move(core.keyring().primary_key(*session, tenant, KeyPurpose::records).key);
  write.commit();
  return key;
}

}  // namespace linkvault
