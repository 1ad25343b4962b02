// Store — the storage interface under the vault layer (DESIGN.md §1, §4).
//
// The vault layer talks only to this interface, so another backend can be
// added without touching it; SqlCipherStore (src/store/) is the one backend.
// The store sees sealed blobs, never plaintext credentials, and never builds
// SQL from inputs.
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
#include "linkvault/provider_store.hpp"
#include "linkvault/tenant.hpp"

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

enum class TransactionMode { read, write };

class StoreSession : public KeyringStorage {
 public:
  // write: takes the database's write lock up front (BEGIN IMMEDIATE),
  // retrying SQLITE_BUSY for a bounded time, then Error(BUSY).
  virtual void begin(TransactionMode mode) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;

  // Integrations. Lookups are always scoped by tenant.
  virtual std::optional<IntegrationRecord> load_integration(
      std::string_view tenant, std::string_view id) = 0;
  virtual std::optional<IntegrationRecord> find_integration(
      std::string_view tenant, std::string_view provider,
      std::string_view name) = 0;
  virtual std::vector<Integration> list_integrations(std::string_view tenant,
                                                     const ListFilter& filter) = 0;
  virtual std::int64_t count_live_integrations(std::string_view tenant) = 0;
  // Error(ALREADY_EXISTS) on a duplicate (tenant, provider, name).
  virtual void insert_integration(const IntegrationRecord& record) = 0;
  // Replaces every column of the row with that id (and tenant).
  virtual void update_integration(const IntegrationRecord& record) = 0;

  // Tenants' quotas.
  virtual std::optional<std::int64_t> quota(std::string_view tenant) = 0;
  virtual void set_quota(std::string_view tenant,
                         std::optional<std::int64_t> max_integrations) = 0;

  // Activity and the audit chain.
  virtual AuditHead audit_head(std::string_view tenant) = 0;
  // Inserts the row and moves the tenant's head to it.
  virtual void append_activity(const ActivityRecord& record) = 0;
  // Newest first; before_sequence excludes that entry and newer ones.
  virtual std::vector<ActivityEntry> list_activity(
      std::string_view tenant, const std::optional<std::string>& integration_id,
      int limit, std::optional<std::int64_t> before_sequence) = 0;
  virtual std::optional<std::int64_t> activity_sequence(
      std::string_view tenant, std::string_view entry_id) = 0;
  // Every tenant that has a chain (entries or a head).
  virtual std::vector<std::string> audit_tenants() = 0;
  // Visits the tenant's entries in sequence order until `visit` returns false.
  virtual void for_each_activity(
      std::string_view tenant,
      const std::function<bool(const ActivityRecord&)>& visit) = 0;

  // Deletes the tenant's integrations, activity, jobs and quota row.
  virtual TenantRowCounts delete_tenant_rows(std::string_view tenant) = 0;
  // Crypto-shredding that survives a crash. Inside the write transaction
  // that destroys keys: records in the store that older copies of the
  // destroyed keys may remain (old page images, log frames) until shredded.
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
