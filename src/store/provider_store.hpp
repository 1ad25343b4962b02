// ProviderStore — the storage of host-registered providers (DESIGN.md §5),
// one narrow piece of the Store seam. Reached from a StoreSession with
// providers(); used by the Catalog. Specs are stored as canonical JSON text
// (to_json of the parsed spec), so equal specs have equal text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

struct StoredProvider {
  std::string key;
  std::string spec_json;  // canonical
  std::int64_t created_at = 0;  // ms since the Unix epoch
  std::int64_t updated_at = 0;  // = created_at until replaced
};

class ProviderStore {
 public:
  virtual ~ProviderStore() = default;

  // One committed row, read in the caller's transaction or, outside one, as
  // one statement (it sees every commit made before it started, by any
  // process).
  virtual std::optional<StoredProvider> load_provider(std::string_view key) = 0;
  // Every stored provider, sorted by key; same isolation as load_provider.
  virtual std::vector<StoredProvider> list_providers() = 0;

  // Insert if absent → the inserted row, or the existing one untouched.
  // Inside the caller's write transaction. Atomic: two registrations of one
  // key racing in any processes end with one row, and each caller gets that
  // row back. (SQLite: the write transaction holds the database's write lock
  // from BEGIN IMMEDIATE, so the INSERT OR IGNORE and the read of the row see
  // no other writer. A server backend: INSERT … ON CONFLICT DO NOTHING, then
  // read the row in a new statement, which under READ COMMITTED sees the
  // conflicting row once its inserter has committed.)
  virtual StoredProvider insert_provider_if_absent(const StoredProvider& provider) = 0;

  // Insert or replace → the stored row. Inside the caller's write
  // transaction; atomic as above. Replacing keeps created_at and sets
  // updated_at, unless the stored spec is already this one (then the row is
  // left as it is).
  virtual StoredProvider put_provider(const StoredProvider& provider) = 0;
};

}  // namespace linkvault
