// PostgresSession — one pooled libpq connection of a PostgresStore,
// implementing every StoreSession query (and the ProviderStore) with
// statements prepared once per connection and parameters always bound.
//
// Transactions: a read transaction is REPEATABLE READ READ ONLY (one snapshot,
// as the seam promises); a write transaction is READ COMMITTED and takes the
// row locks each operation names.
//
// Tenant context and row-level security (docs/FORMAT.md "PostgreSQL"): the
// first operation on a tenant's rows in a transaction enters that tenant
// (enter_tenant: set_config('linkvault.tenant', '=' || tenant, true)), and
// the database's policies then show that tenant's rows only. In a write
// transaction entering a tenant also locks its `tenants` row (created if
// absent), so each tenant's writes are serialised there, and every write
// transaction takes its locks in one order: tenant rows first, then the rows
// under them. That order is what keeps writers from deadlocking: claims and
// reclaims, which meet tenants in queue order, never wait for a tenant row
// (try_enter_tenant: SKIP LOCKED) and pass over a busy tenant's jobs.
// Operations that span tenants set a narrow scope first (enter_scope).
//
// Used by one thread at a time; gives its connection back to the pool on
// destruction (rolling back anything left open).
#pragma once

#include "store/postgres_connection.hpp"
#include "store/store.hpp"

#include <initializer_list>
#include <memory>
#include <optional>
#include <map>
#include <vector>
#include <span>
#include <string>

namespace linkvault {

class PostgresStore;

class PostgresSession final : public StoreSession, public ProviderStore {
 public:
  PostgresSession(PostgresStore& store, std::unique_ptr<pg::Connection> connection);
  ~PostgresSession() override;

  // postgres_session.cpp: transactions, tenant context, shredding.
  void begin(TransactionMode mode) override;
  void commit() override;
  void rollback() noexcept override;
  void mark_shred_pending() override;
  bool finish_shredding() noexcept override;
  ProviderStore& providers() noexcept override { return *this; }

  // postgres_session_keyring.cpp
  std::vector<WrappedKey> load_keys(std::string_view tenant, KeyPurpose purpose) override;
  KeyInsert insert_key_if_absent(const WrappedKey& key) override;
  void set_key_state(std::string_view tenant, KeyPurpose purpose,
                     std::uint32_t version, KeyState state) override;
  void destroy_key(std::string_view tenant, KeyPurpose purpose,
                   std::uint32_t version) override;

  // postgres_session_integrations.cpp
  std::optional<IntegrationRecord> load_integration(std::string_view tenant,
                                                    std::string_view id) override;
  std::optional<IntegrationRecord> find_integration(std::string_view tenant,
                                                    std::string_view provider,
                                                    std::string_view name) override;
  std::vector<Integration> list_integrations(std::string_view tenant,
                                             const ListFilter& filter) override;
  QuotaWrite insert_integration_within_quota(const IntegrationRecord& record) override;
  QuotaWrite reconnect_integration_within_quota(const IntegrationRecord& record) override;
  void update_integration(const IntegrationRecord& record) override;
  bool record_sync_result(std::string_view tenant, std::string_view id, TimeMs at,
                          SyncOutcome outcome) override;
  // (JobStore and OAuthStore queries that return integrations live here,
  // beside the integration row reader.)
  std::vector<Integration> auto_sync_candidates() override;
  std::vector<Integration> expiring_integrations(std::optional<std::string_view> tenant,
                                                 TimeMs before) override;

  // postgres_session_tenants.cpp
  std::optional<std::int64_t> quota(std::string_view tenant) override;
  void set_quota(std::string_view tenant, std::optional<std::int64_t> max_integrations) override;
  TenantRowCounts delete_tenant_rows(std::string_view tenant) override;

  // postgres_session_audit.cpp
  AuditHead audit_head(std::string_view tenant) override;
  ActivityRecord append_to_chain(
      std::string_view tenant,
      const std::function<ActivityRecord(const AuditHead&)>& make_record) override;
  std::vector<ActivityEntry> list_activity(std::string_view tenant,
                                           const std::optional<std::string>& integration_id,
                                           int limit,
                                           std::optional<std::int64_t> before_sequence) override;
  std::optional<std::int64_t> activity_sequence(std::string_view tenant,
                                                std::string_view entry_id) override;
  std::vector<std::string> audit_tenants() override;
  void for_each_activity(std::string_view tenant,
                         const std::function<bool(const ActivityRecord&)>& visit) override;

  // postgres_session_jobs.cpp
  std::optional<std::string> insert_job_unless_active(const JobRecord& record) override;
  std::optional<JobRecord> load_job(std::string_view tenant, std::string_view id) override;
  std::optional<JobRecord> find_job(std::string_view id) override;
  std::optional<JobRecord> active_job(std::string_view tenant,
                                      std::string_view integration_id) override;
  std::vector<SyncJob> list_jobs(std::string_view tenant, const JobListFilter& filter) override;
  std::optional<JobRecord> next_due_job(TimeMs now, const std::vector<JobType>& types) override;
  bool has_due_work(TimeMs now) override;
  std::vector<JobRecord> expired_jobs(TimeMs now, int limit) override;
  bool update_job_if(const JobRecord& next, JobStatus expected_status,
                     std::string_view expected_token) override;
  bool update_progress_if(const JobRecord& next, std::string_view expected_token) override;

  // postgres_session_oauth.cpp
  RefreshState load_refresh_state(std::string_view tenant,
                                  std::string_view integration_id) override;
  bool take_refresh_lease(std::string_view tenant, std::string_view integration_id,
                          std::string_view token, TimeMs now, TimeMs until) override;
  bool renew_refresh_lease(std::string_view tenant, std::string_view integration_id,
                           std::string_view token, TimeMs until) override;
  bool finish_refresh(std::string_view tenant, std::string_view integration_id,
                      std::string_view token, std::int64_t failures,
                      TimeMs cooldown_until) override;
  void clear_refresh_failures(std::string_view tenant,
                              std::string_view integration_id) override;
  void put_oauth_client(const OAuthClientRecord& client) override;
  std::optional<OAuthClientRecord> load_oauth_client(std::string_view provider) override;
  void insert_oauth_grant(const OAuthGrantRecord& grant) override;
  std::optional<OAuthGrantRecord> take_oauth_grant(
      std::string_view tenant, const std::array<std::uint8_t, 32>& state_hash,
      TimeMs now) override;
  std::int64_t delete_expired_oauth_grants(TimeMs now) override;
  std::optional<RateBucketRecord> load_rate_bucket(std::string_view tenant,
                                                   std::string_view integration_id) override;
  void put_rate_bucket(const RateBucketRecord& bucket) override;

  // postgres_session_records.cpp
  std::optional<std::string> load_field_mappings(std::string_view tenant,
                                                 std::string_view integration_id) override;
  void save_field_mappings(std::string_view tenant, std::string_view integration_id,
                           const std::optional<std::string>& rules_json, std::string_view by,
                           TimeMs at) override;
  std::vector<std::optional<RememberedRecord>> remembered_records(
      std::string_view tenant, std::string_view integration_id,
      const std::vector<std::string_view>& external_ids) override;
  void remember_records(std::string_view tenant, std::string_view integration_id,
                        const std::vector<SeenRecord>& rows,
                        const std::optional<std::string>& job_id, TimeMs at) override;
  std::int64_t mark_records_stale(std::string_view tenant,
                                  std::string_view integration_id) override;
  std::vector<std::string> forget_unseen_records(std::string_view tenant,
                                                 std::string_view integration_id,
                                                 std::string_view job_id,
                                                 TimeMs seen_before) override;

  // postgres_session_providers.cpp (ProviderStore)
  std::optional<StoredProvider> load_provider(std::string_view key) override;
  std::vector<StoredProvider> list_providers() override;
  StoredProvider insert_provider_if_absent(const StoredProvider& provider) override;
  StoredProvider put_provider(const StoredProvider& provider) override;

  // --- For the implementation files -----------------------------------

  // Runs one prepared statement (prepared under `name` on first use). A
  // failure inside a transaction marks it failed (PostgreSQL refuses every
  // later statement of it), so commit() refuses it too; a lost connection
  // is dropped when the session ends.
  pg::Result run(const std::string& name, const std::string& sql,
                 std::initializer_list<pg::Param> params, bool binary_results = false);
  // The same with a built list (pg::ParamList::params()).
  pg::Result run(const std::string& name, const std::string& sql,
                 std::span<const pg::Param> params, bool binary_results = false);

  // Makes `tenant` the transaction's tenant context (a no-op when it already
  // is). In a write transaction, also locks the tenant's `tenants` row
  // (inserting it if absent), waiting for its holder, once per transaction
  // per tenant. Error(FAILED_PRECONDITION) outside a transaction.
  void enter_tenant(std::string_view tenant);
  // The same in a write transaction, without waiting: false (the context
  // unchanged) if another transaction holds the tenant's row.
  bool try_enter_tenant(std::string_view tenant);
  // Whether entering `tenant` (enter_tenant, which waits) keeps the lock
  // order: this transaction holds that tenant's row already, or no tenant
  // row, or only rows of tenants before it (ascending, as std::string
  // compares). Claims that passed over busy tenants wait only then.
  bool may_wait_for_tenant(std::string_view tenant) const noexcept {
    return held_.empty() || held_.contains(tenant) ||
           std::string_view(held_.rbegin()->first) < tenant;
  }
  // Sets the transaction's cross-tenant scope: "workers", "sweep" or
  // "verify" (the policies of postgres_migrations/0001_initial.sql).
  void enter_scope(std::string_view scope);

  // A tenant row as this transaction holds it: read when the row was
  // locked, and kept current by this session's own writes to it (no other
  // transaction can write a row this one holds). Saves the quota and audit
  // head reads a round trip each.
  struct TenantRow {
    std::optional<std::int64_t> max_integrations;
    std::int64_t audit_sequence = 0;
    std::string audit_head;  // raw MAC bytes; "" for NULL (an empty chain)
  };
  // The tenant's row if this (write) transaction holds it, else nullptr.
  TenantRow* held_tenant_row(std::string_view tenant) noexcept {
    const auto found = held_.find(tenant);
    return found == held_.end() ? nullptr : &found->second;
  }

  // The tenant's keys of every purpose, read once per transaction (the
  // keyring's writers hold the tenant's row, as a write transaction here
  // does, and a read transaction sees one snapshot); dropped by this
  // session's own key writes.
  const std::vector<WrappedKey>* cached_keys(std::string_view tenant) const noexcept {
    const auto found = keys_.find(tenant);
    return found == keys_.end() ? nullptr : &found->second;
  }
  void cache_keys(std::string_view tenant, std::vector<WrappedKey> keys) {
    keys_.insert_or_assign(std::string(tenant), std::move(keys));
  }
  void forget_keys(std::string_view tenant) {
    const auto found = keys_.find(tenant);
    if (found != keys_.end()) keys_.erase(found);
  }

  bool in_write_transaction() const noexcept {
    return in_transaction_ && mode_ == TransactionMode::write;
  }
  // Error(FAILED_PRECONDITION) naming `operation` unless in a write
  // transaction.
  void require_write_transaction(const char* operation) const;

 private:
  void set_tenant_setting(std::string_view tenant);
  // Records the row lv_lock_tenant read (none: a row of defaults).
  void hold(std::string_view tenant, const pg::Result& row);
  // Opens a fresh connection in place of one the server dropped.
  void reconnect();

  PostgresStore& store_;
  std::unique_ptr<pg::Connection> connection_;
  bool in_transaction_ = false;
  bool failed_ = false;  // a statement of the open transaction failed
  TransactionMode mode_ = TransactionMode::read;
  std::optional<std::string> tenant_;           // the context set in this transaction
  std::string scope_;                           // "" when none
  // Tenants whose row this transaction holds, with the row.
  std::map<std::string, TenantRow, std::less<>> held_;
  std::map<std::string, std::vector<WrappedKey>, std::less<>> keys_;
};

}  // namespace linkvault
