#include "vault/catalog.hpp"

#include "core/message_text.hpp"
#include "linkvault/error.hpp"
#include "linkvault_catalog.inc"

#include <simdjson.h>

#include <mutex>
#include <utility>

namespace linkvault {

Catalog::Catalog() {
  // The embedded file is one JSON array of specs. Each element goes through
  // parse_provider_spec() so built-ins obey exactly the rules hosts do.
  simdjson::dom::parser parser;
  simdjson::dom::array specs;
  const std::string_view text = embedded::catalog_1;
  if (const auto error = parser.parse(text.data(), text.size()).get(specs)) {
    throw Error(ErrorCode::internal, std::string("built-in provider catalog is not a JSON array: ") +
                                         simdjson::error_message(error));
  }
  for (const auto element : specs) {
    try {
      auto spec = std::make_shared<const ProviderSpec>(
          parse_provider_spec(simdjson::minify(element)));
      const std::string key = spec->key;
      if (!providers_.emplace(key, std::move(spec)).second) {
        throw Error(ErrorCode::internal, "provider " + quote_for_message(key) + " appears twice");
      }
    } catch (const Error& error) {
      throw Error(ErrorCode::internal,
                  std::string("built-in provider catalog is invalid: ") + error.what());
    }
  }
}

std::vector<ProviderSpec> Catalog::providers() const {
  std::shared_lock lock(mutex_);
  std::vector<ProviderSpec> result;
  result.reserve(providers_.size());
  for (const auto& [key, spec] : providers_) result.push_back(*spec);  // map order: by key
  return result;
}

std::shared_ptr<const ProviderSpec> Catalog::find(std::string_view key) const {
  std::shared_lock lock(mutex_);
  const auto it = providers_.find(key);
  return it == providers_.end() ? nullptr : it->second;
}

ProviderSpec Catalog::get(std::string_view key) const {
  const auto spec = find(key);
  if (!spec) throw Error(ErrorCode::invalid_argument, "unknown provider " + quote_for_message(key));
  return *spec;
}

ProviderSpec Catalog::add(std::string_view spec_json) {
  // Parse outside the lock: it is the slow part and touches no shared state.
  auto spec = std::make_shared<const ProviderSpec>(parse_provider_spec(spec_json));
  std::unique_lock lock(mutex_);
  if (providers_.count(spec->key) != 0) {
    throw Error(ErrorCode::already_exists,
                "provider " + quote_for_message(spec->key) + " already exists");
  }
  providers_.emplace(spec->key, spec);
  return *spec;
}

}  // namespace linkvault
