// Vault — one SQLCipher-encrypted file holding every tenant's integrations,
// sealed credentials, keyring and activity log (DESIGN.md §3–5).
//
// Opening derives the file's keys from the MasterSecret; a wrong secret is
// Error(WRONG_KEY) and leaves the file byte-for-byte unchanged. A Vault is
// thread-safe: any number of threads may share it (each operation borrows a
// connection from a small pool), and several processes may open the same
// file. Moving a Vault is cheap; Tenants obtained from it keep it alive.
#pragma once

#include "linkvault/actor.hpp"
#include "linkvault/audit.hpp"
#include "linkvault/clock.hpp"
#include "linkvault/master_secret.hpp"
#include "linkvault/oauth.hpp"
#include "linkvault/provider.hpp"
#include "linkvault/sync_job.hpp"
#include "linkvault/tenant.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

class VaultCore;
struct VaultAccess;

struct OpenOptions {
  bool create = true;  // create the file if it does not exist
  // Where every timestamp the vault writes comes from; the system clock if
  // null. Tests pass a ManualClock.
  std::shared_ptr<const Clock> clock;
  // How long an operation waits in all for another writer (another thread
  // or process) before it fails with Error(BUSY). 0 or more.
  int busy_timeout_ms = 5000;
};

struct AuditReport {
  std::int64_t checked = 0;
  bool ok = true;
  std::optional<std::string> first_bad;  // the first entry id that fails
};

struct PurgeReport {
  std::int64_t integrations = 0;
  std::int64_t activity = 0;
  std::int64_t jobs = 0;
  std::int64_t keys = 0;  // key versions destroyed
};

class Vault {
 public:
  // `location` is the vault file's path, or a PostgreSQL URI
  // ("postgresql://" or "postgres://"; the vault lives in the connection's
  // current schema, docs/SEMANTICS.md "PostgreSQL"). Error(INVALID_ARGUMENT)
  // for an empty location or a negative busy_timeout_ms; IO when the server
  // cannot be reached; other errors as the backend's open says.
  static Vault open(const std::string& location, const MasterSecret& secret,
                    const OpenOptions& options = {});
  Vault(Vault&&) noexcept;
  Vault& operator=(Vault&&) noexcept;
  ~Vault();

  // Error(INVALID_ARGUMENT) for an empty id or one over 128 bytes.
  Tenant tenant(std::string_view tenant_id) const;

  std::vector<ProviderSpec> providers() const;
  // Stores a host's provider in the vault file, where every process that
  // opens the file sees it, and returns it as stored. The same spec again
  // (compared after parsing, so whitespace and key order do not count) is a
  // no-op. Error(ALREADY_EXISTS) for a built-in key, and for a key stored
  // with a different spec unless `replace`, which replaces it.
  // Error(INVALID_ARGUMENT) for a bad spec.
  ProviderSpec register_provider(std::string_view spec_json, bool replace = false);

  // Checks every tenant's activity chain in one read transaction.
  AuditReport verify_audit() const;
  // Every tenant's chain head (tenants with no entry are left out), read in
  // one read transaction: anchors for a later verify_audit(anchors).
  std::map<std::string, AuditAnchor> audit_heads() const;
  // verify_audit(), and besides: each anchored tenant's chain must reach the
  // anchor's sequence and hold the anchor's MAC there. Otherwise the report
  // is not ok and first_bad is the entry at that sequence, or the tenant id
  // when the chain is shorter (rolled back, or the tenant gone). Tenants
  // without an anchor are checked as by verify_audit(). Error(INVALID_ARGUMENT)
  // for an anchor with sequence < 1 or an invalid tenant id.
  AuditReport verify_audit(const std::map<std::string, AuditAnchor>& anchors) const;
  PurgeReport purge_tenant(const Actor& actor, std::string_view tenant_id);

  // The worker side of sync jobs, across every tenant (docs/SEMANTICS.md,
  // "Sync jobs"). A worker id names one worker (a thread or process) and must
  // not be shared by two workers at once: it is how the vault tells the
  // holder of a lease from everyone else.
  //
  // Recovers expired leases, then gives the oldest due pending job (of
  // options.types, if any) to this worker under a fresh lease and logs
  // sync_started; nullopt when nothing is due.
  std::optional<SyncJob> claim_job(std::string_view worker_id, const ClaimOptions& options = {});
  // The holder reports progress and renews its lease (by `lease`, else by
  // the claim's lease length). FAILED_PRECONDITION if the job is not
  // running; CONFLICT if another worker holds it. If cancel was requested
  // the job becomes cancelled and this throws Error(CANCELLED).
  SyncJob heartbeat(std::string_view job_id, std::string_view worker_id,
                    const JobProgress& progress = {},
                    std::optional<std::chrono::milliseconds> lease = std::nullopt);
  // The holder finishes the job (outcome success or partial; summary a JSON
  // object) and the integration's last_sync_at / last_sync_status are set.
  SyncJob complete_job(std::string_view job_id, std::string_view worker_id,
                       SyncOutcome outcome = SyncOutcome::success,
                       const std::optional<std::string>& summary = std::nullopt);
  // The holder reports a failure: retried later with exponential backoff
  // while `retryable` and attempts remain, else failed for good.
  SyncJob fail_job(std::string_view job_id, std::string_view worker_id, std::string_view error,
                   bool retryable = true);
  // Running jobs whose lease has passed go back to pending (or fail when no
  // attempt is left). Returns how many were recovered.
  std::int64_t recover_expired_jobs();
  // Queues an incremental_sync (as the system actor) for every connected
  // integration whose sync_config has auto_sync, that has no active job and
  // was never synced or last synced interval_minutes ago or more.
  std::vector<SyncJob> schedule_due_syncs();

  // OAuth (docs/SEMANTICS.md, "OAuth"). Refreshes, as the system actor and
  // through Tenant::valid_credentials, every connected integration of every
  // tenant whose token expires within `within`, with the refresher of its
  // provider (key: provider key). Skips providers without a refresher and
  // integrations in a failure cooldown.
  RefreshReport refresh_expiring(const std::map<std::string, Refresher, std::less<>>& refreshers,
                                 std::chrono::seconds within = std::chrono::seconds{900});
  // Stores (or replaces) the host's OAuth client for an oauth2 provider,
  // the secret sealed. Error(INVALID_ARGUMENT) for an unknown provider or
  // one that is not oauth2.
  void configure_oauth_client(std::string_view provider, const OAuthClient& client);

  // Releases connections; later calls fail with FAILED_PRECONDITION. Tenants
  // still held see the vault as closed too. Idempotent.
  void close();

 private:
  friend struct VaultAccess;  // src/vault/vault_access.hpp, for tests and tools
  explicit Vault(std::shared_ptr<VaultCore> core);
  std::shared_ptr<VaultCore> core_;
};

}  // namespace linkvault
