// PostgresSession: transactions, the tenant context and scopes, shredding.
// The aggregates' queries are in postgres_session_<aggregate>.cpp.
#include "store/postgres_session.hpp"

#include "store/postgres_store.hpp"

#include <fmt/format.h>

namespace linkvault {

namespace {

// Locks a tenant's row and reads what the transaction then keeps of it.
constexpr const char* lock_tenant_sql =
    "SELECT max_integrations, audit_sequence, audit_head FROM tenants WHERE tenant = $1 "
    "FOR UPDATE";

}  // namespace

PostgresSession::PostgresSession(PostgresStore& store, std::unique_ptr<pg::Connection> connection)
    : store_(store), connection_(std::move(connection)) {}

PostgresSession::~PostgresSession() {
  if (in_transaction_) rollback();
  store_.release(std::move(connection_));
}

void PostgresSession::reconnect() {
  connection_.reset();
  connection_ = store_.open_connection();
}

void PostgresSession::begin(TransactionMode mode) {
  if (in_transaction_) throw Error(ErrorCode::internal, "a transaction is already open");
  // A read sees one snapshot (REPEATABLE READ); a write sees each
  // statement's latest committed rows (READ COMMITTED) and takes the row
  // locks its operations name.
  const char* sql = mode == TransactionMode::read
                        ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                        : "BEGIN ISOLATION LEVEL READ COMMITTED";
  if (!connection_->ok()) reconnect();
  try {
    connection_->exec_script(sql);
  } catch (const Error& error) {
    // A pooled connection the server dropped (a restart) fails only when
    // used. Nothing has run yet, so one fresh connection is safe to try.
    if (error.code() != ErrorCode::io || connection_->ok()) throw;
    reconnect();
    connection_->exec_script(sql);
  }
  in_transaction_ = true;
  failed_ = false;
  mode_ = mode;
  tenant_.reset();
  scope_.clear();
  held_.clear();
  keys_.clear();
}

void PostgresSession::commit() {
  if (!in_transaction_) throw Error(ErrorCode::internal, "commit without a transaction");
  if (failed_) {
    // PostgreSQL would answer COMMIT of a failed transaction with a quiet
    // ROLLBACK; say so instead of reporting success.
    rollback();
    throw Error(ErrorCode::internal,
                "the transaction was rolled back: one of its statements failed");
  }
  in_transaction_ = false;
  connection_->exec_script("COMMIT");
}

void PostgresSession::rollback() noexcept {
  if (!in_transaction_) return;
  in_transaction_ = false;
  try {
    if (connection_->ok()) connection_->exec_script("ROLLBACK");
  } catch (const Error&) {
    // The connection is gone: the server has rolled the transaction back,
    // and the pool drops the connection.
  }
}

pg::Result PostgresSession::run(const std::string& name, const std::string& sql,
                                std::initializer_list<pg::Param> params, bool binary_results) {
  return run(name, sql, std::span<const pg::Param>(params.begin(), params.size()),
             binary_results);
}

pg::Result PostgresSession::run(const std::string& name, const std::string& sql,
                                std::span<const pg::Param> params, bool binary_results) {
  try {
    return connection_->exec(name, sql, params, binary_results);
  } catch (const Error&) {
    if (in_transaction_) failed_ = true;
    throw;
  }
}

void PostgresSession::require_write_transaction(const char* operation) const {
  if (!in_write_transaction()) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("{} needs a write transaction", operation));
  }
}

void PostgresSession::set_tenant_setting(std::string_view tenant) {
  if (tenant_ && *tenant_ == tenant) return;
  const std::string marked = "=" + std::string(tenant);
  run("lv_enter_tenant", "SELECT set_config('linkvault.tenant', $1, true)",
      {pg::Param::of(marked)});
  tenant_ = std::string(tenant);
}

void PostgresSession::enter_tenant(std::string_view tenant) {
  if (!in_transaction_) {
    throw Error(ErrorCode::failed_precondition, "a tenant's rows are read in a transaction");
  }
  set_tenant_setting(tenant);
  if (mode_ != TransactionMode::write || held_.contains(tenant)) return;
  const pg::Param key = pg::Param::of(tenant);
  pg::Result locked = run("lv_lock_tenant", lock_tenant_sql, {key}, true);
  if (locked.rows() == 0) {
    // ON CONFLICT waits for a concurrent inserter, and our own new row is
    // ours until commit; the second SELECT then holds whichever row exists.
    run("lv_insert_tenant", "INSERT INTO tenants (tenant) VALUES ($1) ON CONFLICT DO NOTHING",
        {key});
    locked = run("lv_lock_tenant", lock_tenant_sql, {key}, true);
  }
  hold(tenant, locked);
}

void PostgresSession::hold(std::string_view tenant, const pg::Result& row) {
  TenantRow held;
  if (row.rows() == 1) {
    if (!row.is_null(0, 0)) held.max_integrations = row.integer(0, 0);
    held.audit_sequence = row.integer(0, 1);
    held.audit_head = std::string(row.text(0, 2));
  }
  held_.insert_or_assign(std::string(tenant), std::move(held));
}

bool PostgresSession::try_enter_tenant(std::string_view tenant) {
  require_write_transaction("claiming a tenant's job");
  if (held_.contains(tenant)) {
    set_tenant_setting(tenant);
    return true;
  }
  const std::optional<std::string> previous = tenant_;
  set_tenant_setting(tenant);
  const pg::Param key = pg::Param::of(tenant);
  pg::Result locked = run("lv_try_lock_tenant",
                          "SELECT max_integrations, audit_sequence, audit_head FROM tenants "
                          "WHERE tenant = $1 FOR UPDATE SKIP LOCKED",
                          {key}, true);
  if (locked.rows() == 0) {
    // Held by another transaction, or no row yet: a tenant with jobs has
    // one (its jobs' audit entries made it), so treat both as busy.
    if (previous) set_tenant_setting(*previous);
    return false;
  }
  hold(tenant, locked);
  return true;
}

void PostgresSession::enter_scope(std::string_view scope) {
  if (!in_transaction_) {
    throw Error(ErrorCode::failed_precondition, "a cross-tenant scope is set in a transaction");
  }
  if (scope_ == scope) return;
  run("lv_enter_scope", "SELECT set_config('linkvault.scope', $1, true)",
      {pg::Param::of(scope)});
  scope_ = std::string(scope);
}

void PostgresSession::mark_shred_pending() {
  // Nothing to record: PostgreSQL keeps no copy we could finish erasing
  // after a crash except dead row versions, which finish_shredding's
  // VACUUM removes and which the server's own VACUUM removes in any case.
}

bool PostgresSession::finish_shredding() noexcept {
  // A destroyed key's old row versions stay in the table's pages until
  // VACUUM; run it now (outside a transaction, which VACUUM requires).
  // Copies in the server's WAL, replicas and backups are beyond us
  // (docs/SEMANTICS.md "PostgreSQL").
  if (in_transaction_) return false;
  try {
    connection_->exec_script("VACUUM keyring");
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace linkvault
