// Catalog — the providers a vault knows (DESIGN.md §5): the built-ins that
// ship inside the library (src/vault/builtin_providers.json, embedded at build
// time) plus those a host registers at run time. Registrations live as long as
// the Catalog; they are not persisted.
//
// Thread-safe: lookups share a lock, add() takes it exclusively. Specs are
// immutable once added, so find() hands out shared pointers without copying.
#pragma once

#include "linkvault/provider.hpp"

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

class Catalog {
 public:
  // Loads the built-in providers. A built-in that fails to parse is a build
  // defect: Error(INTERNAL).
  Catalog();

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Every provider, sorted by key.
  std::vector<ProviderSpec> providers() const;

  // The provider with this key; Error(INVALID_ARGUMENT, "unknown provider 'x'")
  // when there is none.
  ProviderSpec get(std::string_view key) const;

  // The provider with this key without a copy, or nullptr when there is none.
  std::shared_ptr<const ProviderSpec> find(std::string_view key) const;

  // Parses and registers a host's provider spec (parse_provider_spec rules)
  // and returns it. Error(ALREADY_EXISTS) when the key is taken, built-in or
  // not.
  ProviderSpec add(std::string_view spec_json);

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::shared_ptr<const ProviderSpec>, std::less<>> providers_;
};

}  // namespace linkvault
