// The ProviderStore of PostgresSession: the `providers` table, which is no
// tenant's (no row-level security, no tenant to enter). Inside a
// transaction each statement is part of it; outside one each runs alone and
// sees every commit made before it.
#include "store/postgres_session.hpp"

#include "core/message_text.hpp"
#include "store/store_rows.hpp"

#include <fmt/format.h>

#include <string>

namespace linkvault {

namespace {

StoredProvider read_provider(const pg::Result& result, int row) {
  return StoredProvider{std::string(result.text(row, 0)), std::string(result.text(row, 1)),
                        result.integer(row, 2), result.integer(row, 3)};
}

}  // namespace

std::optional<StoredProvider> PostgresSession::load_provider(std::string_view key) {
  const pg::Result result = run("lv_load_provider",
                                "SELECT " LV_PROVIDER_COLUMNS " FROM providers WHERE key = $1",
                                {pg::Param::of(key)});
  if (result.rows() == 0) return std::nullopt;
  return read_provider(result, 0);
}

std::vector<StoredProvider> PostgresSession::list_providers() {
  // Byte order, as SQLite sorts.
  const pg::Result result = run(
      "lv_list_providers",
      "SELECT " LV_PROVIDER_COLUMNS " FROM providers ORDER BY key COLLATE \"C\"", {});
  std::vector<StoredProvider> providers;
  providers.reserve(static_cast<std::size_t>(result.rows()));
  for (int row = 0; row < result.rows(); ++row) providers.push_back(read_provider(result, row));
  return providers;
}

StoredProvider PostgresSession::insert_provider_if_absent(const StoredProvider& provider) {
  // ON CONFLICT waits for a concurrent inserter of the key to finish; the
  // SELECT after it is a new statement, which under READ COMMITTED sees
  // that inserter's row once committed. An existing row fails nothing.
  const std::string created_text = std::to_string(provider.created_at);
  const std::string updated_text = std::to_string(provider.updated_at);
  run("lv_insert_provider",
      "INSERT INTO providers (" LV_PROVIDER_COLUMNS ") VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (key) DO NOTHING",
      {pg::Param::of(provider.key), pg::Param::of(provider.spec_json),
       pg::Param::of(created_text), pg::Param::of(updated_text)});
  auto stored = load_provider(provider.key);
  if (!stored) {
    throw Error(ErrorCode::internal, fmt::format("provider {} is missing right after its insert",
                                                 quote_for_message(provider.key)));
  }
  return std::move(*stored);
}

StoredProvider PostgresSession::put_provider(const StoredProvider& provider) {
  StoredProvider stored = insert_provider_if_absent(provider);
  if (stored.spec_json == provider.spec_json) return stored;
  // RETURNING gives the row as this statement left it (the UPDATE waits for
  // and then rechecks a concurrent replacer's row).
  const std::string updated_text = std::to_string(provider.updated_at);
  const pg::Result updated = run(
      "lv_replace_provider",
      "UPDATE providers SET spec = $2, updated_at = $3 WHERE key = $1 "
      "RETURNING " LV_PROVIDER_COLUMNS,
      {pg::Param::of(provider.key), pg::Param::of(provider.spec_json),
       pg::Param::of(updated_text)});
  if (updated.rows() == 0) {
    throw Error(ErrorCode::internal, fmt::format("provider {} is missing right after its insert",
                                                 quote_for_message(provider.key)));
  }
  return read_provider(updated, 0);
}

}  // namespace linkvault
