// SqlCipherSession — one pooled connection of a SqlCipherStore, implementing
// every StoreSession query with cached, parameter-bound statements. Used by
// one thread at a time; gives its connection back to the pool on destruction
// (rolling back anything left open).
#pragma once

#include "store/sqlcipher_providers.hpp"
#include "store/store.hpp"

#include <memory>

namespace linkvault {

namespace sql {
class Connection;
class Statement;
}
class SqlCipherStore;

class SqlCipherSession final : public StoreSession {
 public:
  SqlCipherSession(SqlCipherStore& store, std::unique_ptr<sql::Connection> connection);
  ~SqlCipherSession() override;

  // BEGIN IMMEDIATE, waiting for the write lock (busy handler and retries)
  // at most busy_timeout_ms in all, then Error(BUSY).
  static void begin_immediate(sql::Connection& connection, int busy_timeout_ms);

  void begin(TransactionMode mode) override;
  void commit() override;
  void rollback() noexcept override;

  // KeyringStorage
  std::vector<WrappedKey> load_keys(std::string_view tenant, KeyPurpose purpose) override;
  KeyInsert insert_key_if_absent(const WrappedKey& key) override;
  void set_key_state(std::string_view tenant, KeyPurpose purpose,
                     std::uint32_t version, KeyState state) override;
  void destroy_key(std::string_view tenant, KeyPurpose purpose,
                   std::uint32_t version) override;

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

  std::optional<std::int64_t> quota(std::string_view tenant) override;
  void set_quota(std::string_view tenant, std::optional<std::int64_t> max_integrations) override;

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

  // JobStore (sqlcipher_session_jobs.cpp)
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
  std::vector<Integration> auto_sync_candidates() override;

  // OAuthStore (sqlcipher_session_oauth.cpp)
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
  std::vector<Integration> expiring_integrations(std::optional<std::string_view> tenant,
                                                 TimeMs before) override;
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

  // RecordStore (sqlcipher_session_records.cpp)
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

  TenantRowCounts delete_tenant_rows(std::string_view tenant) override;
  void mark_shred_pending() override;
  bool finish_shredding() noexcept override;
  ProviderStore& providers() noexcept override;

  // The connection operations run on now: the store's writer connection
  // during a write transaction, else the session's pooled one.
  sql::Connection& connection() noexcept { return *active_; }

 private:
  // Under the caller's write transaction (BEGIN IMMEDIATE holds the file's
  // one write lock, which is what makes the guarded writes atomic here).
  void require_write_transaction(const char* operation) const;
  QuotaWrite check_quota(std::string_view tenant);
  void write_activity(const ActivityRecord& record);
  // Lets this process's next writer in (store_.writer_gate()), once.
  void leave_gate() noexcept;

  SqlCipherStore& store_;
  std::unique_ptr<sql::Connection> connection_;  // pooled: reads, checkpoints
  std::shared_ptr<sql::Connection> writer_;     // held during a write transaction
  sql::Connection* active_;                     // one of the two
  SqlCipherProviders providers_;
  bool in_transaction_ = false;
  bool holds_gate_ = false;
  TransactionMode mode_ = TransactionMode::read;
};

}  // namespace linkvault
