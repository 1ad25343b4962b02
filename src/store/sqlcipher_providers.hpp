// SqlCipherProviders — the ProviderStore of a SqlCipherSession: the
// `providers` table (schema 2) through the session's current connection (its
// pooled one, or the store's writer connection during a write transaction)
// and its cached statements. Used by one thread at a time, like its session.
#pragma once

#include "store/provider_store.hpp"

namespace linkvault {

namespace sql {
class Connection;
}

class SqlCipherProviders final : public ProviderStore {
 public:
  // `connection` is the session's pointer to its current connection.
  explicit SqlCipherProviders(sql::Connection* const& connection) noexcept
      : connection_(connection) {}

  std::optional<StoredProvider> load_provider(std::string_view key) override;
  std::vector<StoredProvider> list_providers() override;
  StoredProvider insert_provider_if_absent(const StoredProvider& provider) override;
  StoredProvider put_provider(const StoredProvider& provider) override;

 private:
  sql::Connection* const& connection_;
};

}  // namespace linkvault
