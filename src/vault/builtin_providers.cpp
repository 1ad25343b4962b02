#include "vault/builtin_providers.hpp"

#include "core/message_text.hpp"
#include "linkvault/error.hpp"
#include "linkvault_catalog.inc"

#include <simdjson.h>

#include <utility>

namespace linkvault {

const BuiltinProviders& BuiltinProviders::instance() {
  static const BuiltinProviders providers;
  return providers;
}

BuiltinProviders::BuiltinProviders() {
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

std::shared_ptr<const ProviderSpec> BuiltinProviders::find(std::string_view key) const {
  const auto it = providers_.find(key);
  return it == providers_.end() ? nullptr : it->second;
}

ProviderSpec BuiltinProviders::get(std::string_view key) const {
  const auto spec = find(key);
  if (!spec) throw Error(ErrorCode::invalid_argument, "unknown provider " + quote_for_message(key));
  return *spec;
}

}  // namespace linkvault
