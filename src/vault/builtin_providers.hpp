// BuiltinProviders — the providers that ship inside the library
// (src/vault/builtin_providers.json, embedded at build time; DESIGN.md §5).
// Parsed once per process and immutable afterwards, so shared by every vault
// and thread without a lock. A host cannot override or replace them.
#pragma once

#include "linkvault/provider.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

class BuiltinProviders {
 public:
  // The process's one instance. A built-in that fails to parse is a build
  // defect: Error(INTERNAL) (on every call, as the first one failed).
  static const BuiltinProviders& instance();

  BuiltinProviders(const BuiltinProviders&) = delete;
  BuiltinProviders& operator=(const BuiltinProviders&) = delete;

  // The built-in with this key without a copy, or nullptr.
  std::shared_ptr<const ProviderSpec> find(std::string_view key) const;
  // The built-in with this key; Error(INVALID_ARGUMENT, "unknown provider
  // 'x'") when there is none.
  ProviderSpec get(std::string_view key) const;
  // Every built-in, by key.
  const std::map<std::string, std::shared_ptr<const ProviderSpec>, std::less<>>& all()
      const noexcept {
    return providers_;
  }

 private:
  BuiltinProviders();
  std::map<std::string, std::shared_ptr<const ProviderSpec>, std::less<>> providers_;
};

}  // namespace linkvault
