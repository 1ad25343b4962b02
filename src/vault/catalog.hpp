// Catalog — the providers a vault knows (DESIGN.md §5): the built-ins that
// ship inside the library plus those a host registered, which are stored in
// the vault file (ProviderStore), so every process that opens the file sees
// every registration, including one made after it opened the vault.
//
// Caching: built-ins never touch the store. A registered provider is read
// from the store on every lookup (one primary-key row on a pooled
// connection), so a replacement made by another process is seen at once;
// its parsed spec is cached and reused while the stored text is unchanged,
// so a lookup does not parse JSON.
//
// Thread-safe: the cache is behind a shared lock; specs are immutable once
// parsed, so find() hands out shared pointers without copying.
#pragma once

#include "linkvault/clock.hpp"
#include "linkvault/provider.hpp"
#include "store/provider_store.hpp"
#include "store/store.hpp"

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

class BuiltinProviders;

class Catalog {
 public:
  // `store` must outlive the Catalog; `clock` stamps registrations.
  Catalog(Store& store, std::shared_ptr<const Clock> clock);

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Every provider, built-in and registered, sorted by key.
  std::vector<ProviderSpec> providers() const;

  // The provider with this key; Error(INVALID_ARGUMENT, "unknown provider 'x'")
  // when there is none.
  ProviderSpec get(std::string_view key) const;

  // The provider with this key without a copy, or nullptr when there is none.
  std::shared_ptr<const ProviderSpec> find(std::string_view key) const;

  // The same, read through the caller's session (inside its transaction).
  // Code that holds a transaction must use these: a second session would
  // take a second connection, and on a bounded pool (PostgreSQL) callers
  // holding one each while waiting for a lock the holder has could leave it
  // none.
  ProviderSpec get(std::string_view key, StoreSession& session) const;
  std::shared_ptr<const ProviderSpec> find(std::string_view key, StoreSession& session) const;

  // Parses a host's provider spec (parse_provider_spec rules) and stores it
  // under its key; returns it as stored. The stored text is canonical
  // (to_json of the parsed spec), so whitespace and key order do not make
  // two specs differ. Error(ALREADY_EXISTS) for a built-in key, and for a key
  // stored with a different spec unless `replace`. The same spec again is a
  // no-op that returns it.
  ProviderSpec add(std::string_view spec_json, bool replace = false);

 private:
  // The parsed spec of a stored row, from the cache while its text matches.
  std::shared_ptr<const ProviderSpec> parsed(const StoredProvider& row) const;

  struct Parsed {
    std::string spec_json;
    std::shared_ptr<const ProviderSpec> spec;
  };

  Store& store_;
  std::shared_ptr<const Clock> clock_;
  const BuiltinProviders& builtins_;
  mutable std::shared_mutex mutex_;
  mutable std::map<std::string, Parsed, std::less<>> stored_;
};

}  // namespace linkvault
