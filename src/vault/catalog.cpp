#include "vault/catalog.hpp"

#include "core/message_text.hpp"
#include "linkvault/clock.hpp"
#include "linkvault/error.hpp"
#include "vault/builtin_providers.hpp"
#include "vault/transaction.hpp"

#include <mutex>
#include <optional>
#include <utility>

namespace linkvault {

Catalog::Catalog(Store& store, std::shared_ptr<const Clock> clock)
    : store_(store), clock_(std::move(clock)), builtins_(BuiltinProviders::instance()) {}

std::shared_ptr<const ProviderSpec> Catalog::parsed(const StoredProvider& row) const {
  {
    std::shared_lock lock(mutex_);
    const auto it = stored_.find(row.key);
    if (it != stored_.end() && it->second.spec_json == row.spec_json) return it->second.spec;
  }
  // Parse outside the lock: it is the slow part and touches no shared state.
  std::shared_ptr<const ProviderSpec> spec;
  try {
    spec = std::make_shared<const ProviderSpec>(parse_provider_spec(row.spec_json));
  } catch (const Error& error) {
    throw Error(ErrorCode::integrity, "stored provider " + quote_for_message(row.key) +
                                          " is not a valid spec: " + error.what());
  }
  if (spec->key != row.key) {
    throw Error(ErrorCode::integrity, "stored provider " + quote_for_message(row.key) +
                                          " holds the spec of " + quote_for_message(spec->key));
  }
  std::unique_lock lock(mutex_);
  stored_.insert_or_assign(row.key, Parsed{row.spec_json, spec});
  return spec;
}

std::vector<ProviderSpec> Catalog::providers() const {
  std::map<std::string_view, std::shared_ptr<const ProviderSpec>> merged;
  for (const auto& [key, spec] : builtins_.all()) merged.emplace(key, spec);
  std::vector<StoredProvider> rows;
  {
    auto session = store_.session();
    rows = session->providers().list_providers();
  }
  // A stored key that a later library version made built-in: the built-in wins.
  for (const StoredProvider& row : rows) {
    if (merged.count(row.key) == 0) merged.emplace(row.key, parsed(row));
  }
  std::vector<ProviderSpec> result;
  result.reserve(merged.size());
  for (const auto& entry : merged) result.push_back(*entry.second);  // by key
  return result;
}

std::shared_ptr<const ProviderSpec> Catalog::find(std::string_view key) const {
  if (auto builtin = builtins_.find(key)) return builtin;
  std::optional<StoredProvider> row;
  {
    // Released before parsing: the connection goes back to the pool at once.
    auto session = store_.session();
    row = session->providers().load_provider(key);
  }
  return row ? parsed(*row) : nullptr;
}

std::shared_ptr<const ProviderSpec> Catalog::find(std::string_view key,
                                                  StoreSession& session) const {
  if (auto builtin = builtins_.find(key)) return builtin;
  const std::optional<StoredProvider> row = session.providers().load_provider(key);
  return row ? parsed(*row) : nullptr;
}

namespace {

ProviderSpec known(const std::shared_ptr<const ProviderSpec>& spec, std::string_view key) {
  if (!spec) throw Error(ErrorCode::invalid_argument, "unknown provider " + quote_for_message(key));
  return *spec;
}

}  // namespace

ProviderSpec Catalog::get(std::string_view key) const { return known(find(key), key); }

ProviderSpec Catalog::get(std::string_view key, StoreSession& session) const {
  return known(find(key, session), key);
}

ProviderSpec Catalog::add(std::string_view spec_json, bool replace) {
  const ProviderSpec spec = parse_provider_spec(spec_json);
  if (builtins_.find(spec.key)) {
    throw Error(ErrorCode::already_exists,
                "provider " + quote_for_message(spec.key) + " is built in and cannot be " +
                    (replace ? "replaced" : "registered again"));
  }
  const TimeMs now = clock_->now_ms();
  const StoredProvider candidate{spec.key, to_json(spec), now, now};

  // One store operation decides, atomically across processes: insert if
  // absent (or insert-or-replace), returning what is stored afterwards.
  StoredProvider stored;
  {
    auto session = store_.session();
    Transaction transaction(*session, TransactionMode::write);
    stored = replace ? session->providers().put_provider(candidate)
                     : session->providers().insert_provider_if_absent(candidate);
    transaction.commit();
  }
  if (stored.spec_json != candidate.spec_json) {
    throw Error(ErrorCode::already_exists,
                "provider " + quote_for_message(spec.key) +
                    " is already registered with a different spec (register it with "
                    "replace to change it)");
  }
  return *parsed(stored);
}

}  // namespace linkvault
