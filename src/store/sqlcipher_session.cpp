#include "store/sqlcipher_session.hpp"

#include "core/message_text.hpp"
#include "store/pending_shred.hpp"
#include "store/sqlcipher_session_rows.hpp"
#include "store/sqlcipher_store.hpp"
#include "store/sqlite.hpp"
#include "store/store_rows.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>

namespace linkvault {

namespace {

// Binds every column in LV_INTEGRATION_COLUMNS order to ?1..?22.
void bind_integration(sql::Statement& statement, const IntegrationRecord& record) {
  const Integration& i = record.integration;
  statement.bind(1, i.id).bind(2, i.tenant).bind(3, i.provider).bind(4, i.name);
  statement.bind(5, i.account).bind(6, std::string_view(to_string(i.status)));
  if (record.sealed_credentials.empty()) {
    statement.bind_null(7);
  } else {
    statement.bind(7, std::span<const std::uint8_t>(record.sealed_credentials));
  }
  statement.bind(8, i.credential_mask).bind(9, scopes_to_json(i.scopes));
  statement.bind(10, i.expires_at).bind(11, i.connected_by);
  statement.bind(12, i.connected_at).bind(13, i.disconnected_at);
  statement.bind(14, i.last_used_at).bind(15, i.last_refreshed_at);
  statement.bind(16, i.refresh_count).bind(17, i.last_error);
  if (i.sync_config) {
    statement.bind(18, to_json(*i.sync_config));
  } else {
    statement.bind_null(18);
  }
  statement.bind(19, i.last_sync_at);
  if (i.last_sync_status) {
    statement.bind(20, std::string_view(to_string(*i.last_sync_status)));
  } else {
    statement.bind_null(20);
  }
  statement.bind(21, i.created_at).bind(22, i.updated_at);
}

ActivityEntry read_activity_entry(const sql::Statement& row) {
  ActivityEntry entry;
  entry.tenant = row.column_text(0);
  entry.sequence = row.column_int(1);
  entry.id = row.column_text(2);
  entry.integration_id = row.column_optional_text(3);
  entry.action = row.column_text(4);
  entry.user_id = row.column_text(5);
  entry.user_name = row.column_text(6);
  entry.details = row.column_text(7);
  entry.created_at = row.column_int(8);
  return entry;
}

}  // namespace

// Declared in sqlcipher_session_rows.hpp: the OAuth queries read it too.
IntegrationRecord read_integration(const sql::Statement& row) {
  IntegrationRecord record;
  Integration& i = record.integration;
  i.id = row.column_text(0);
  i.tenant = row.column_text(1);
  i.provider = row.column_text(2);
  i.name = row.column_text(3);
  i.account = row.column_optional_text(4);
  i.status = parse_stored<IntegrationStatus>(row.column_text_view(5),
                                             parse_integration_status, "status");
  record.sealed_credentials = row.column_blob(6);
  i.credential_mask = row.column_text(7);
  i.scopes = scopes_from_json(row.column_text_view(8));
  i.expires_at = row.column_optional_int(9);
  i.connected_by = row.column_text(10);
  i.connected_at = row.column_optional_int(11);
  i.disconnected_at = row.column_optional_int(12);
  i.last_used_at = row.column_optional_int(13);
  i.last_refreshed_at = row.column_optional_int(14);
  i.refresh_count = row.column_int(15);
  i.last_error = row.column_optional_text(16);
  if (!row.is_null(17)) i.sync_config = parse_sync_config(row.column_text_view(17));
  i.last_sync_at = row.column_optional_int(18);
  if (!row.is_null(19)) {
    i.last_sync_status = parse_stored<SyncOutcome>(row.column_text_view(19),
                                                   parse_sync_outcome, "sync status");
  }
  i.created_at = row.column_int(20);
  i.updated_at = row.column_int(21);
  return record;
}

SqlCipherSession::SqlCipherSession(SqlCipherStore& store,
                                   std::unique_ptr<sql::Connection> connection)
    : store_(store),
      connection_(std::move(connection)),
      active_(connection_.get()),
      providers_(active_) {}

ProviderStore& SqlCipherSession::providers() noexcept { return providers_; }

SqlCipherSession::~SqlCipherSession() {
  if (in_transaction_) rollback();
  store_.release(std::move(connection_));
}

void SqlCipherSession::begin_immediate(sql::Connection& connection, int busy_timeout_ms) {
  // One deadline for the whole wait: each attempt's busy handler gets only
  // what is left of it, and SQLite's immediate BUSY (where waiting could
  // deadlock) is retried with a short pause until the deadline.
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  sqlite3* db = connection.handle();
  for (int attempt = 1;; ++attempt) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock::now()).count();
    connection.set_lock_wait_ms(static_cast<int>(std::max<std::int64_t>(left, 0)));
    const int result = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    connection.set_lock_wait_ms(connection.busy_timeout_ms());
    if (result == SQLITE_OK) return;
    if (sql::error_code_for(result) != ErrorCode::busy || clock::now() >= deadline) {
      sql::throw_sqlite(result, db, "BEGIN IMMEDIATE");
    }
    sql::pause_before_retry(attempt);
  }
}

void SqlCipherSession::begin(TransactionMode mode) {
  if (in_transaction_) {
    throw Error(ErrorCode::internal, "a transaction is already open on this session");
  }
  if (mode == TransactionMode::write) {
    // One deadline for the turn among this process's threads and the
    // file's lock among processes.
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(store_.busy_timeout_ms());
    if (!store_.writer_gate().enter(deadline)) {
      throw Error(ErrorCode::busy,
                  fmt::format("the vault stayed busy with other writes for {} ms",
                              store_.busy_timeout_ms()));
    }
    holds_gate_ = true;
    try {
      // The process's writes all run on one connection, in turn: its page
      // cache stays valid from one write to the next. (A connection drops
      // its whole page cache when another connection has written since its
      // last transaction, and every page read again is decrypted and
      // checked: with four writers on four connections, each write paid
      // for a cold cache.)
      writer_ = store_.writer_connection();
      active_ = writer_.get();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - clock::now()).count();
      begin_immediate(*active_, static_cast<int>(std::max<std::int64_t>(left, 0)));
    } catch (...) {
      leave_gate();
      throw;
    }
  } else {
    active_->exec("BEGIN");
  }
  in_transaction_ = true;
  mode_ = mode;
}

void SqlCipherSession::leave_gate() noexcept {
  active_ = connection_.get();
  writer_.reset();
  if (holds_gate_) {
    holds_gate_ = false;
    store_.writer_gate().leave();
  }
}

void SqlCipherSession::commit() {
  active_->exec("COMMIT");
  in_transaction_ = false;
  const bool wrote = mode_ == TransactionMode::write;
  leave_gate();
  if (!wrote) return;
  // On this session's own connection: the writer connection is the next
  // writer's now.
  store_.checkpoint_if_due(*connection_);
  // A shred left pending (readers pinned old pages at the purge) is retried
  // once the writes go on; cheap when none is pending (one atomic load).
  store_.retry_pending_shred(*connection_);
}

void SqlCipherSession::rollback() noexcept {
  sqlite3_exec(active_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  in_transaction_ = false;
  leave_gate();
}

// ---- keyring -------------------------------------------------------------

std::vector<WrappedKey> SqlCipherSession::load_keys(std::string_view tenant,
                                                    KeyPurpose purpose) {
  auto statement = active_->cached(
      "SELECT version, state, wrapped, created_at FROM keyring "
      "WHERE tenant = ?1 AND purpose = ?2 ORDER BY version");
  statement->bind(1, tenant).bind(2, static_cast<std::int64_t>(purpose));
  std::vector<WrappedKey> keys;
  while (statement->step()) {
    WrappedKey key;
    key.tenant = std::string(tenant);
    key.purpose = purpose;
    key.version = static_cast<std::uint32_t>(statement->column_int(0));
    key.state = static_cast<KeyState>(statement->column_int(1));
    key.wrapped = statement->column_blob(2);
    key.created_at = statement->column_int(3);
    keys.push_back(std::move(key));
  }
  return keys;
}

KeyringStorage::KeyInsert SqlCipherSession::insert_key_if_absent(const WrappedKey& key) {
  // OR IGNORE: a row that exists is no failed statement, so the transaction
  // goes on; the version's row is then read back, whoever wrote it.
  auto statement = active_->cached(
      "INSERT OR IGNORE INTO keyring (tenant, purpose, version, state, wrapped, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  statement->bind(1, key.tenant)
      .bind(2, static_cast<std::int64_t>(key.purpose))
      .bind(3, static_cast<std::int64_t>(key.version))
      .bind(4, static_cast<std::int64_t>(key.state))
      .bind(5, std::span<const std::uint8_t>(key.wrapped))
      .bind(6, key.created_at);
  statement->run();
  if (active_->changes() == 1) return KeyInsert{true, key};
  for (WrappedKey& stored : load_keys(key.tenant, key.purpose)) {
    if (stored.version == key.version) return KeyInsert{false, std::move(stored)};
  }
  throw Error(ErrorCode::internal,
              fmt::format("key version {} was neither inserted nor found", key.version));
}

void SqlCipherSession::set_key_state(std::string_view tenant, KeyPurpose purpose,
                                     std::uint32_t version, KeyState state) {
  auto statement = active_->cached(
      "UPDATE keyring SET state = ?4 WHERE tenant = ?1 AND purpose = ?2 AND version = ?3");
  statement->bind(1, tenant)
      .bind(2, static_cast<std::int64_t>(purpose))
      .bind(3, static_cast<std::int64_t>(version))
      .bind(4, static_cast<std::int64_t>(state))
      .run();
}

void SqlCipherSession::destroy_key(std::string_view tenant, KeyPurpose purpose,
                                   std::uint32_t version) {
  // secure_delete zeroes the old cell content when the row shrinks.
  auto statement = active_->cached(
      "UPDATE keyring SET state = ?4, wrapped = NULL "
      "WHERE tenant = ?1 AND purpose = ?2 AND version = ?3");
  statement->bind(1, tenant)
      .bind(2, static_cast<std::int64_t>(purpose))
      .bind(3, static_cast<std::int64_t>(version))
      .bind(4, static_cast<std::int64_t>(KeyState::destroyed))
      .run();
}

// ---- integrations --------------------------------------------------------

std::optional<IntegrationRecord> SqlCipherSession::load_integration(std::string_view tenant,
                                                                    std::string_view id) {
  auto statement = active_->cached(
      "SELECT " LV_INTEGRATION_COLUMNS " FROM integrations WHERE id = ?1 AND tenant = ?2");
  statement->bind(1, id).bind(2, tenant);
  if (!statement->step()) return std::nullopt;
  return read_integration(*statement);
}

std::optional<IntegrationRecord> SqlCipherSession::find_integration(std::string_view tenant,
                                                                    std::string_view provider,
                                                                    std::string_view name) {
  auto statement = active_->cached(
      "SELECT " LV_INTEGRATION_COLUMNS
      " FROM integrations WHERE tenant = ?1 AND provider = ?2 AND name = ?3");
  statement->bind(1, tenant).bind(2, provider).bind(3, name);
  if (!statement->step()) return std::nullopt;
  return read_integration(*statement);
}

std::vector<Integration> SqlCipherSession::list_integrations(std::string_view tenant,
                                                             const ListFilter& filter) {
  auto statement = active_->cached(
      "SELECT " LV_INTEGRATION_COLUMNS " FROM integrations WHERE tenant = ?1 "
      "AND (?2 IS NULL OR provider = ?2) AND (?3 IS NULL OR status = ?3) "
      "ORDER BY created_at, id");
  statement->bind(1, tenant).bind(2, filter.provider);
  if (filter.status) {
    statement->bind(3, std::string_view(to_string(*filter.status)));
  } else {
    statement->bind_null(3);
  }
  std::vector<Integration> integrations;
  while (statement->step()) {
    integrations.push_back(std::move(read_integration(*statement).integration));
  }
  return integrations;
}

std::vector<Integration> SqlCipherSession::auto_sync_candidates() {
  // Connected integrations with a sync_config and no active job; the caller
  // reads auto_sync and the interval (no JSON1 on SQLite 3.15).
  auto statement = active_->cached(
      "SELECT " LV_INTEGRATION_COLUMNS " FROM integrations i "
      "WHERE status = 'connected' AND sync_config IS NOT NULL AND NOT EXISTS "
      "(SELECT 1 FROM sync_jobs j WHERE j.integration_id = i.id "
      "AND j.status IN ('pending', 'running')) ORDER BY tenant, created_at, id");
  std::vector<Integration> integrations;
  while (statement->step()) {
    integrations.push_back(std::move(read_integration(*statement).integration));
  }
  return integrations;
}

void SqlCipherSession::require_write_transaction(const char* operation) const {
  if (!in_transaction_ || mode_ != TransactionMode::write) {
    throw Error(ErrorCode::internal,
                fmt::format("{} needs a write transaction on this session", operation));
  }
}

QuotaWrite SqlCipherSession::check_quota(std::string_view tenant) {
  QuotaWrite result;
  result.max = quota(tenant);
  if (!result.max) return result;
  auto statement = active_->cached(
      "SELECT count(*) FROM integrations WHERE tenant = ?1 AND status != 'disconnected'");
  statement->bind(1, tenant);
  statement->step();
  result.live = statement->column_int(0);
  if (result.live >= *result.max) result.outcome = QuotaWrite::Outcome::quota_exceeded;
  return result;
}

QuotaWrite SqlCipherSession::insert_integration_within_quota(const IntegrationRecord& record) {
  require_write_transaction("insert_integration_within_quota");
  const Integration& i = record.integration;
  if (find_integration(i.tenant, i.provider, i.name)) {
    QuotaWrite taken;
    taken.outcome = QuotaWrite::Outcome::already_exists;
    return taken;
  }
  QuotaWrite result = check_quota(i.tenant);
  if (result.outcome != QuotaWrite::Outcome::written) return result;
  auto statement = active_->cached(
      "INSERT INTO integrations (" LV_INTEGRATION_COLUMNS ") VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
      "?17, ?18, ?19, ?20, ?21, ?22)");
  bind_integration(*statement, record);
  statement->run();
  return result;
}

QuotaWrite SqlCipherSession::reconnect_integration_within_quota(
    const IntegrationRecord& record) {
  require_write_transaction("reconnect_integration_within_quota");
  const Integration& i = record.integration;
  const auto stored = load_integration(i.tenant, i.id);
  if (!stored) {
    throw Error(ErrorCode::not_found, fmt::format("integration {} not found", quote_for_message(i.id)));
  }
  if (stored->integration.status != IntegrationStatus::disconnected) {
    QuotaWrite live;
    live.outcome = QuotaWrite::Outcome::already_exists;
    return live;
  }
  QuotaWrite result = check_quota(i.tenant);
  if (result.outcome != QuotaWrite::Outcome::written) return result;
  update_integration(record);
  return result;
}

void SqlCipherSession::update_integration(const IntegrationRecord& record) {
  auto statement = active_->cached(
      "UPDATE integrations SET provider = ?3, name = ?4, account = ?5, status = ?6, "
      "credentials = ?7, credential_mask = ?8, scopes = ?9, expires_at = ?10, "
      "connected_by = ?11, connected_at = ?12, disconnected_at = ?13, "
      "last_used_at = ?14, last_refreshed_at = ?15, refresh_count = ?16, "
      "last_error = ?17, sync_config = ?18, last_sync_at = ?19, "
      "last_sync_status = ?20, created_at = ?21, updated_at = ?22 "
      "WHERE id = ?1 AND tenant = ?2");
  bind_integration(*statement, record);
  statement->run();
  if (active_->changes() != 1) {
    throw Error(ErrorCode::not_found,
                fmt::format("integration {} not found", quote_for_message(record.integration.id)));
  }
}

bool SqlCipherSession::record_sync_result(std::string_view tenant, std::string_view id,
                                          TimeMs at, SyncOutcome outcome) {
  // Only these columns: no index covers them, so the write touches one row.
  auto statement = active_->cached(
      "UPDATE integrations SET last_sync_at = ?3, last_sync_status = ?4, updated_at = ?3 "
      "WHERE id = ?1 AND tenant = ?2");
  statement->bind(1, id).bind(2, tenant).bind(3, at);
  statement->bind(4, std::string_view(to_string(outcome))).run();
  return active_->changes() == 1;
}

// ---- tenants -------------------------------------------------------------

std::optional<std::int64_t> SqlCipherSession::quota(std::string_view tenant) {
  auto statement = active_->cached(
      "SELECT max_integrations FROM tenants WHERE tenant = ?1");
  statement->bind(1, tenant);
  if (!statement->step()) return std::nullopt;
  return statement->column_optional_int(0);
}

void SqlCipherSession::set_quota(std::string_view tenant,
                                 std::optional<std::int64_t> max_integrations) {
  // No UPSERT on SQLite 3.15: make sure the row exists, then update it.
  auto insert = active_->cached(
      "INSERT OR IGNORE INTO tenants (tenant) VALUES (?1)");
  insert->bind(1, tenant).run();
  auto update = active_->cached(
      "UPDATE tenants SET max_integrations = ?2 WHERE tenant = ?1");
  update->bind(1, tenant).bind(2, max_integrations).run();
}

// ---- activity ------------------------------------------------------------

AuditHead SqlCipherSession::audit_head(std::string_view tenant) {
  auto statement = active_->cached(
      "SELECT audit_sequence, audit_head FROM tenants WHERE tenant = ?1");
  statement->bind(1, tenant);
  AuditHead head;
  if (statement->step()) {
    head.sequence = statement->column_int(0);
    const auto mac = statement->column_blob(1);
    if (mac.size() == head.mac.size()) {
      std::memcpy(head.mac.data(), mac.data(), mac.size());
    } else if (!mac.empty()) {
      throw Error(ErrorCode::integrity,
                  fmt::format("tenant {} has a malformed audit head", quote_for_message(tenant)));
    }
  }
  return head;
}

ActivityRecord SqlCipherSession::append_to_chain(
    std::string_view tenant,
    const std::function<ActivityRecord(const AuditHead&)>& make_record) {
  // The caller's BEGIN IMMEDIATE holds the only write lock on the file, so
  // nothing moves the head between this read and the write below.
  require_write_transaction("append_to_chain");
  const AuditHead previous = audit_head(tenant);
  ActivityRecord record = make_record(previous);
  if (record.entry.tenant != tenant || record.entry.sequence != previous.sequence + 1) {
    throw Error(ErrorCode::internal,
                fmt::format("an entry for tenant {} sequence {} cannot follow the head "
                            "of tenant {} at {}", quote_for_message(record.entry.tenant),
                            record.entry.sequence, quote_for_message(tenant), previous.sequence));
  }
  write_activity(record);
  return record;
}

void SqlCipherSession::write_activity(const ActivityRecord& record) {
  const ActivityEntry& e = record.entry;
  auto insert = active_->cached(
      "INSERT INTO activity (" LV_ACTIVITY_COLUMNS ") VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  insert->bind(1, e.tenant).bind(2, e.sequence).bind(3, e.id).bind(4, e.integration_id);
  insert->bind(5, e.action).bind(6, e.user_id).bind(7, e.user_name).bind(8, e.details);
  insert->bind(9, e.created_at).bind(10, static_cast<std::int64_t>(record.key_version));
  insert->bind(11, std::span<const std::uint8_t>(record.mac));
  insert->run();

  auto create = active_->cached("INSERT OR IGNORE INTO tenants (tenant) VALUES (?1)");
  create->bind(1, e.tenant).run();
  auto head = active_->cached(
      "UPDATE tenants SET audit_sequence = ?2, audit_head = ?3 WHERE tenant = ?1");
  head->bind(1, e.tenant).bind(2, e.sequence).bind(3, std::span<const std::uint8_t>(record.mac));
  head->run();
}

std::vector<ActivityEntry> SqlCipherSession::list_activity(
    std::string_view tenant, const std::optional<std::string>& integration_id,
    int limit, std::optional<std::int64_t> before_sequence) {
  const std::int64_t before = before_sequence.value_or(std::numeric_limits<std::int64_t>::max());
  std::vector<ActivityEntry> entries;
  entries.reserve(static_cast<std::size_t>(limit));
  if (integration_id) {
    auto statement = active_->cached(
        "SELECT " LV_ACTIVITY_ENTRY_COLUMNS " FROM activity INDEXED BY activity_by_integration "
        "WHERE tenant = ?3 AND integration_id = ?1 AND sequence < ?2 "
        "ORDER BY sequence DESC LIMIT ?4");
    statement->bind(1, *integration_id).bind(2, before).bind(3, tenant).bind(4, std::int64_t{limit});
    while (statement->step()) entries.push_back(read_activity_entry(*statement));
  } else {
    auto statement = active_->cached(
        "SELECT " LV_ACTIVITY_ENTRY_COLUMNS " FROM activity "
        "WHERE tenant = ?1 AND sequence < ?2 ORDER BY sequence DESC LIMIT ?3");
    statement->bind(1, tenant).bind(2, before).bind(3, std::int64_t{limit});
    while (statement->step()) entries.push_back(read_activity_entry(*statement));
  }
  return entries;
}

std::optional<std::int64_t> SqlCipherSession::activity_sequence(std::string_view tenant,
                                                                std::string_view entry_id) {
  auto statement = active_->cached(
      "SELECT sequence FROM activity WHERE id = ?1 AND tenant = ?2");
  statement->bind(1, entry_id).bind(2, tenant);
  if (!statement->step()) return std::nullopt;
  return statement->column_int(0);
}

std::vector<std::string> SqlCipherSession::audit_tenants() {
  auto statement = active_->cached(
      "SELECT tenant FROM tenants WHERE audit_sequence > 0 "
      "UNION SELECT DISTINCT tenant FROM activity ORDER BY 1");
  std::vector<std::string> tenants;
  while (statement->step()) tenants.push_back(statement->column_text(0));
  return tenants;
}

void SqlCipherSession::for_each_activity(
    std::string_view tenant, const std::function<bool(const ActivityRecord&)>& visit) {
  auto statement = active_->cached(
      "SELECT " LV_ACTIVITY_COLUMNS " FROM activity WHERE tenant = ?1 ORDER BY sequence");
  statement->bind(1, tenant);
  while (statement->step()) {
    ActivityRecord record;
    record.entry = read_activity_entry(*statement);
    record.key_version = static_cast<std::uint32_t>(statement->column_int(9));
    const auto mac = statement->column_blob(10);
    if (mac.size() == record.mac.size()) {
      std::memcpy(record.mac.data(), mac.data(), mac.size());
    } else {
      record.mac.fill(0);  // cannot match any real MAC: verification flags it
    }
    if (!visit(record)) break;
  }
}

TenantRowCounts SqlCipherSession::delete_tenant_rows(std::string_view tenant) {
  TenantRowCounts counts;
  auto activity = active_->cached("DELETE FROM activity WHERE tenant = ?1");
  activity->bind(1, tenant).run();
  counts.activity = active_->changes();
  auto jobs = active_->cached("DELETE FROM sync_jobs WHERE tenant = ?1");
  jobs->bind(1, tenant).run();
  counts.jobs = active_->changes();
  auto integrations = active_->cached("DELETE FROM integrations WHERE tenant = ?1");
  integrations->bind(1, tenant).run();
  counts.integrations = active_->changes();
  auto tenants = active_->cached("DELETE FROM tenants WHERE tenant = ?1");
  tenants->bind(1, tenant).run();
  // The OAuth bookkeeping (migration 0004): not counted, as the quota row
  // is not. The tenant's grants go too, so no flow it began can complete.
  auto refresh = active_->cached("DELETE FROM token_refresh WHERE tenant = ?1");
  refresh->bind(1, tenant).run();
  auto grants = active_->cached(
      "DELETE FROM oauth_grants INDEXED BY oauth_grants_by_tenant WHERE tenant = ?1");
  grants->bind(1, tenant).run();
  auto buckets = active_->cached("DELETE FROM rate_buckets WHERE tenant = ?1");
  buckets->bind(1, tenant).run();
  // The record path (migration 0005): not counted either.
  auto mappings = active_->cached("DELETE FROM field_mappings WHERE tenant = ?1");
  mappings->bind(1, tenant).run();
  auto records = active_->cached("DELETE FROM records WHERE tenant = ?1");
  records->bind(1, tenant).run();
  return counts;
}

void SqlCipherSession::mark_shred_pending() {
  require_write_transaction("mark_shred_pending");
  shred::mark_pending(*active_);
}

bool SqlCipherSession::finish_shredding() noexcept {
  if (in_transaction_) return false;  // a checkpoint cannot run inside one
  return store_.finish_pending_shred(*connection_, shred::Wait::bounded);
}

}  // namespace linkvault
