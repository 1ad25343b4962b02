#include "store/sqlcipher_providers.hpp"

#include "core/message_text.hpp"
#include "linkvault/error.hpp"
#include "store/sqlite.hpp"
#include "store/store_rows.hpp"

#include <fmt/format.h>

namespace linkvault {

namespace {

StoredProvider read_provider(const sql::Statement& row) {
  return StoredProvider{row.column_text(0), row.column_text(1), row.column_int(2),
                        row.column_int(3)};
}

}  // namespace

std::optional<StoredProvider> SqlCipherProviders::load_provider(std::string_view key) {
  auto statement = connection_->cached("SELECT " LV_PROVIDER_COLUMNS
                                      " FROM providers WHERE key = ?1");
  statement->bind(1, key);
  if (!statement->step()) return std::nullopt;
  return read_provider(*statement);
}

std::vector<StoredProvider> SqlCipherProviders::list_providers() {
  auto statement = connection_->cached("SELECT " LV_PROVIDER_COLUMNS
                                      " FROM providers ORDER BY key");
  std::vector<StoredProvider> providers;
  while (statement->step()) providers.push_back(read_provider(*statement));
  return providers;
}

StoredProvider SqlCipherProviders::insert_provider_if_absent(const StoredProvider& provider) {
  // The caller's write transaction holds the write lock, so nothing can come
  // between the insert and the read below. (No UPSERT on SQLite 3.15.)
  {
    auto insert = connection_->cached(
        "INSERT OR IGNORE INTO providers (" LV_PROVIDER_COLUMNS ") VALUES (?1, ?2, ?3, ?4)");
    insert->bind(1, provider.key)
        .bind(2, provider.spec_json)
        .bind(3, provider.created_at)
        .bind(4, provider.updated_at)
        .run();
  }
  auto stored = load_provider(provider.key);
  if (!stored) {
    throw Error(ErrorCode::internal,
                fmt::format("provider {} is missing right after its insert",
                            quote_for_message(provider.key)));
  }
  return std::move(*stored);
}

StoredProvider SqlCipherProviders::put_provider(const StoredProvider& provider) {
  StoredProvider stored = insert_provider_if_absent(provider);
  if (stored.spec_json == provider.spec_json) return stored;
  auto update = connection_->cached(
      "UPDATE providers SET spec = ?2, updated_at = ?3 WHERE key = ?1");
  update->bind(1, provider.key).bind(2, provider.spec_json).bind(3, provider.updated_at).run();
  stored.spec_json = provider.spec_json;
  stored.updated_at = provider.updated_at;
  return stored;
}

}  // namespace linkvault
