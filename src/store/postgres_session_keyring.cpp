// The KeyringStorage operations of PostgresSession. The keyring is a tenant
// table (the vault-wide keys belong to tenant ""), so each operation enters
// its tenant first: a write transaction then holds the tenant's row, and
// of two writers creating one key version the second waits there.
#include "store/postgres_session.hpp"

#include <fmt/format.h>

#include <string>

namespace linkvault {

std::vector<WrappedKey> PostgresSession::load_keys(std::string_view tenant, KeyPurpose purpose) {
  enter_tenant(tenant);
  // Sealing and the audit append each want one purpose of the same tenant
  // in one transaction: both purposes come in one round trip.
  if (cached_keys(tenant) == nullptr) {
    const pg::Result result = run(
        "lv_load_keys",
        "SELECT purpose, version, state, wrapped, created_at FROM keyring "
        "WHERE tenant = $1 ORDER BY purpose, version",
        {pg::Param::of(tenant)}, true);
    std::vector<WrappedKey> keys;
    keys.reserve(static_cast<std::size_t>(result.rows()));
    for (int row = 0; row < result.rows(); ++row) {
      WrappedKey key;
      key.tenant = std::string(tenant);
      key.purpose = static_cast<KeyPurpose>(result.integer(row, 0));
      key.version = static_cast<std::uint32_t>(result.integer(row, 1));
      key.state = static_cast<KeyState>(result.integer(row, 2));
      key.wrapped = result.bytes(row, 3);  // empty once destroyed (NULL)
      key.created_at = result.integer(row, 4);
      keys.push_back(std::move(key));
    }
    cache_keys(tenant, std::move(keys));
  }
  std::vector<WrappedKey> keys;
  for (const WrappedKey& key : *cached_keys(tenant)) {
    if (key.purpose == purpose) keys.push_back(key);
  }
  return keys;
}

KeyringStorage::KeyInsert PostgresSession::insert_key_if_absent(const WrappedKey& key) {
  enter_tenant(key.tenant);
  forget_keys(key.tenant);
  // ON CONFLICT DO NOTHING: an existing row is no failed statement, so the
  // transaction stays usable (PostgreSQL refuses every statement after a
  // failed one); the version's row is then read back, whoever wrote it.
  const std::string purpose_text = std::to_string(static_cast<int>(key.purpose));
  const std::string version_text = std::to_string(key.version);
  const std::string state_text = std::to_string(static_cast<int>(key.state));
  const std::string created_text = std::to_string(key.created_at);
  const pg::Result inserted = run(
      "lv_insert_key",
      "INSERT INTO keyring (tenant, purpose, version, state, wrapped, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
      {pg::Param::of(key.tenant), pg::Param::of(purpose_text), pg::Param::of(version_text),
       pg::Param::of(state_text), pg::Param::of_bytes(key.wrapped), pg::Param::of(created_text)});
  if (inserted.affected() == 1) return KeyInsert{true, key};
  for (WrappedKey& stored : load_keys(key.tenant, key.purpose)) {
    if (stored.version == key.version) return KeyInsert{false, std::move(stored)};
  }
  throw Error(ErrorCode::internal,
              fmt::format("key version {} was neither inserted nor found", key.version));
}

void PostgresSession::set_key_state(std::string_view tenant, KeyPurpose purpose,
                                    std::uint32_t version, KeyState state) {
  enter_tenant(tenant);
  forget_keys(tenant);
  const std::string purpose_text = std::to_string(static_cast<int>(purpose));
  const std::string version_text = std::to_string(version);
  const std::string state_text = std::to_string(static_cast<int>(state));
  run("lv_set_key_state",
      "UPDATE keyring SET state = $4 WHERE tenant = $1 AND purpose = $2 AND version = $3",
      {pg::Param::of(tenant), pg::Param::of(purpose_text), pg::Param::of(version_text),
       pg::Param::of(state_text)});
}

void PostgresSession::destroy_key(std::string_view tenant, KeyPurpose purpose,
                                  std::uint32_t version) {
  enter_tenant(tenant);
  forget_keys(tenant);
  // The row's new version holds no key. Its old version stays in the
  // table's pages until VACUUM, which finish_shredding() runs after commit.
  const std::string purpose_text = std::to_string(static_cast<int>(purpose));
  const std::string version_text = std::to_string(version);
  const std::string state_text = std::to_string(static_cast<int>(KeyState::destroyed));
  run("lv_destroy_key",
      "UPDATE keyring SET state = $4, wrapped = NULL "
      "WHERE tenant = $1 AND purpose = $2 AND version = $3",
      {pg::Param::of(tenant), pg::Param::of(purpose_text), pg::Param::of(version_text),
       pg::Param::of(state_text)});
}

}  // namespace linkvault
