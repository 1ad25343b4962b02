// Store — the storage seam under the vault layer (internal: not installed).
//
// The vault layer talks only to these interfaces, so another backend can be
// added without touching it; SqlCipherStore (src/store/) is the one backend
// today, chosen by open_store() (src/store/open_store.hpp). The store sees
// sealed blobs, never plaintext credentials or keys other than the database
// key it is handed, and never builds SQL from inputs.
//
// The interfaces name intents, one per aggregate (integrations, the audit
// chain, tenants' quotas, the keyring, sync jobs, OAuth, records), and each operation that must not race says what it promises. The
// vault layer never reads a value and writes something based on it unless
// one operation below promises the two happen atomically: a plain read
// followed by a plain write is only safe for rows no other writer touches.
//
// Isolation, said once for all operations: every operation runs inside the
// session's current transaction (begin/commit below). Reads in a read
// transaction see one consistent snapshot. Writes happen in a write
// transaction and commit or roll back together. "Atomic" below means: no
// other writer's change to the named rows can land between the operation's
// read and its write, whatever the engine's isolation level is. SQLite gets
// that from BEGIN IMMEDIATE (one writer for the whole file); a PostgreSQL
// backend under READ COMMITTED must take the row locks named per operation
// (SELECT ... FOR UPDATE on the tenant's row, INSERT ... ON CONFLICT).
//
// Ownership and threads: a Store is shared by all threads. Each operation
// borrows a StoreSession (one connection) with Store::session(); a session is
// used by one thread at a time and goes back to the pool when destroyed. A
// session runs at most one transaction at a time; the vault layer wraps it in
// RAII transactions (src/vault/transaction.hpp).
#pragma once

#include "linkvault/activity.hpp"
#include "linkvault/integration.hpp"
#include "linkvault/keyring.hpp"
#include "store/job_store.hpp"
#include "store/oauth_store.hpp"
#include "store/provider_store.hpp"
#include "store/record_store.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// An integration row: the public record plus its sealed credentials (empty
// once disconnected).
struct IntegrationRecord {
  Integration integration;
  std::vector<std::uint8_t> sealed_credentials;
};

// An activity row with its place in the tenant's HMAC chain.
struct ActivityRecord {
  ActivityEntry entry;
  std::uint32_t key_version = 0;  // audit key version that made `mac`
  std::array<std::uint8_t, 32> mac{};
};

// The end of a tenant's chain: the last sequence and its MAC (zeros if empty).
struct AuditHead {
  std::int64_t sequence = 0;
  std::array<std::uint8_t, 32> mac{};
};

struct TenantRowCounts {
  std::int64_t integrations = 0;
  std::int64_t activity = 0;
  std::int64_t jobs = 0;
};

// What a quota-guarded write did. live/max are the counts it decided on (max
// is set only when the tenant has a quota).
struct QuotaWrite {
  enum class Outcome { written, quota_exceeded, already_exists };
  Outcome outcome = Outcome::written;
  std::int64_t live = 0;
  std::optional<std::int64_t> max;
};

enum class TransactionMode { read, write };

// Integrations. Lookups are always scoped by tenant.
class IntegrationStore {
 public:
  virtual ~IntegrationStore() = default;
  virtual std::optional<IntegrationRecord> load_integration(std::string_view tenant,
                                                            std::string_view id) = 0;
  virtual std::optional<IntegrationRecord> find_integration(std::string_view tenant,
                                                            std::string_view provider,
                                                            std::string_view name) = 0;
  virtual std::vector<Integration> list_integrations(std::string_view tenant,
                                                     const ListFilter& filter) = 0;

  // Atomic (write transaction): inserts the row, which is live, if the
  // tenant's live (not disconnected) integrations are fewer than its quota
  // (or it has none). already_exists if (tenant, provider, name) is taken,
  // live or not. No other writer can add a live integration to the tenant
  // between the count and the insert (PostgreSQL: the tenant's row FOR UPDATE,
  // then count, then INSERT ... ON CONFLICT DO NOTHING).
  virtual QuotaWrite insert_integration_within_quota(const IntegrationRecord& record) = 0;
  // Atomic (write transaction), the same quota rule for reconnecting: replaces
  // the row with that id, making it live, only if it is still disconnected
  // (else already_exists) and the tenant is under its quota.
  virtual QuotaWrite reconnect_integration_within_quota(const IntegrationRecord& record) = 0;

  // Replaces every column of the row with that id (and tenant);
  // Error(NOT_FOUND) if there is none. Callers load the row earlier in the
  // same write transaction, which holds it against other writers until commit
  // (PostgreSQL: load with FOR UPDATE in a write transaction).
  virtual void update_integration(const IntegrationRecord& record) = 0;

  // A sync job ended: sets only last_sync_at (= at), last_sync_status and
  // updated_at (= at) of the tenant's integration `id`, a blind write (no
  // read before it). False if there is no such integration.
  virtual bool record_sync_result(std::string_view tenant, std::string_view id, TimeMs at,
                                  SyncOutcome outcome) = 0;
};

// Tenants' quotas.
class TenantStore {
 public:
  virtual ~TenantStore() = default;
  virtual std::optional<std::int64_t> quota(std::string_view tenant) = 0;
  // A blind write (no read before it): last writer wins.
  virtual void set_quota(std::string_view tenant,
                         std::optional<std::int64_t> max_integrations) = 0;
  // Deletes the tenant's integrations, activity, jobs and quota row, and its
  // refresh states, pending OAuth grants and rate buckets, and its field
  // mappings and remembered records.
  virtual TenantRowCounts delete_tenant_rows(std::string_view tenant) = 0;
};

// Activity and the audit chain.
class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Builds the next entry of the tenant's chain from its current head
  // (`make_record` gets the head; the record it returns must carry sequence
  // head.sequence + 1, else Error(INTERNAL)) and appends it, moving the head
  // to it. Atomic (write transaction): appends to one tenant's chain are
  // serialised, so no two entries get the same sequence or chain to the same
  // previous MAC, and none is skipped (PostgreSQL: the tenant's row FOR
  // UPDATE before the head is read). Returns the appended record.
  virtual ActivityRecord append_to_chain(
      std::string_view tenant,
      const std::function<ActivityRecord(const AuditHead& previous)>& make_record) = 0;

  // The tenant's head as of the transaction's snapshot (for verification).
  virtual AuditHead audit_head(std::string_view tenant) = 0;
  // Newest first; before_sequence excludes that entry and newer ones.
  virtual std::vector<ActivityEntry> list_activity(
      std::string_view tenant, const std::optional<std::string>& integration_id, int limit,
      std::optional<std::int64_t> before_sequence) = 0;
  virtual std::optional<std::int64_t> activity_sequence(std::string_view tenant,
                                                        std::string_view entry_id) = 0;
  // Every tenant that has a chain (entries or a head).
  virtual std::vector<std::string> audit_tenants() = 0;
  // Visits the tenant's entries in sequence order until `visit` returns false.
  virtual void for_each_activity(std::string_view tenant,
                                 const std::function<bool(const ActivityRecord&)>& visit) = 0;
};

// One borrowed connection: a transaction at a time, and every aggregate's
// operations inside it. KeyringStorage (linkvault/keyring.hpp) promises
// insert_key_if_absent is atomic per (tenant, purpose, version).
class StoreSession : public IntegrationStore,
                     public TenantStore,
                     public AuditStore,
                     public JobStore,
                     public OAuthStore,
                     public RecordStore,
                     public KeyringStorage {
 public:
  // write: takes the write lock up front, waiting at most the store's busy
  // timeout (OpenOptions::busy_timeout_ms) in all, then Error(BUSY).
  virtual void begin(TransactionMode mode) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;

  // The aggregates, for code that needs only one of them.
  IntegrationStore& integrations() noexcept { return *this; }
  TenantStore& tenants() noexcept { return *this; }
  AuditStore& audit() noexcept { return *this; }
  JobStore& jobs() noexcept { return *this; }
  OAuthStore& oauth() noexcept { return *this; }
  RecordStore& records() noexcept { return *this; }
  KeyringStorage& keys() noexcept { return *this; }

  // After keys are destroyed. Inside the write transaction that destroys
  // them: records that older copies of the destroyed keys may remain in the
  // store's own files (old page images, log frames) until shredded.
  virtual void mark_shred_pending() = 0;
  // Outside any transaction, after that commit: removes those older copies,
  // waiting a bounded time for concurrent readers, and clears the record.
  // False if readers still pin them: the record stays, and the store
  // finishes the shred later (at the next open, after later writes).
  virtual bool finish_shredding() noexcept = 0;

  // Host-registered providers, on this session's connection and transaction.
  virtual ProviderStore& providers() noexcept = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Error(FAILED_PRECONDITION) once closed.
  virtual std::unique_ptr<StoreSession> session() = 0;
  virtual void close() noexcept = 0;
};

}  // namespace linkvault
