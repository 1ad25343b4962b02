// Tenant — every integration operation runs through one tenant (DESIGN.md §5).
//
// A Tenant is a cheap handle obtained from Vault::tenant(); it shares the
// vault and may be used from any thread. An id that belongs to another tenant
// is Error(NOT_FOUND), exactly as an id that does not exist. Changes need an
// Actor with role admin or system, else Error(PERMISSION_DENIED) and nothing
// changes. Host callbacks (the tester) run outside any database transaction.
#pragma once

#include "linkvault/activity.hpp"
#include "linkvault/actor.hpp"
#include "linkvault/integration.hpp"
#include "linkvault/oauth.hpp"
#include "linkvault/records.hpp"
#include "linkvault/secret.hpp"
#include "linkvault/sync_job.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

class VaultCore;

struct ConnectOptions {
  std::string name = "default";
  std::optional<std::string> account;
  std::vector<std::string> scopes;
  std::optional<TimeMs> expires_at;
  std::optional<SyncConfig> sync_config;
};

struct ActivityQuery {
  int limit = 50;                     // 1..1000
  std::optional<std::string> before;  // an entry id: only older entries
};

struct TestResult {
  bool success = false;
  std::string message;
};

// The host's credential check (e.g. a call to the provider's API). Returning
// {false, msg} or throwing both record a failed test.
using Tester = std::function<TestResult(const Credentials&)>;

class Tenant {
 public:
  const std::string& id() const noexcept { return id_; }

  Integration connect(const Actor& actor, std::string_view provider,
                      const Credentials& credentials,
                      const ConnectOptions& options = {});
  Integration get(std::string_view integration_id) const;
  std::optional<Integration> find(std::string_view provider,
                                  std::string_view name = "default") const;
  std::vector<Integration> list(const ListFilter& filter = {}) const;

  Integration update_credentials(const Actor& actor,
                                 std::string_view integration_id,
                                 const Credentials& credentials,
                                 std::optional<TimeMs> expires_at = std::nullopt);
  Credentials reveal_credentials(const Actor& actor,
                                 std::string_view integration_id);
  TestResult test(const Actor& actor, std::string_view integration_id,
                  const Tester& tester);
  Integration disconnect(const Actor& actor, std::string_view integration_id);
  Integration mark_error(const Actor& actor, std::string_view integration_id,
                         std::string_view message);

  // Maximum integrations that are not disconnected; nullopt removes the limit.
  void set_quota(const Actor& actor, std::optional<std::int64_t> max_integrations);
  std::optional<std::int64_t> quota() const;

  // Newest first. integration_id nullopt: the whole tenant.
  std::vector<ActivityEntry> activity(
      const std::optional<std::string>& integration_id,
      const ActivityQuery& query = {}) const;

  // Sync jobs (docs/SEMANTICS.md, "Sync jobs"). Queues a job on a connected
  // integration (else FAILED_PRECONDITION); CONFLICT while the integration
  // already has a pending or running job. Logs sync_queued.
  SyncJob enqueue_sync(const Actor& actor, std::string_view integration_id, JobType type,
                       const EnqueueOptions& options = {});
  SyncJob get_job(std::string_view job_id) const;
  std::vector<SyncJob> jobs(const JobQuery& query = {}) const;
  // Pending: cancelled at once (logs sync_cancelled). Running: cancel is
  // requested; the worker's next heartbeat cancels it. Finished:
  // FAILED_PRECONDITION.
  SyncJob cancel_job(const Actor& actor, std::string_view job_id);

  // OAuth (docs/SEMANTICS.md, "OAuth").
  //
  // Connected integrations whose token expires within `within` (0 .. 1
  // year) from now, expired ones included, soonest first.
  std::vector<Integration> expiring(std::chrono::seconds within = std::chrono::seconds{900}) const;
  // The integration's credentials, refreshed first (through `refresher`) if
  // the token expires within options.margin or options.force. One refresher
  // call per integration at a time across all threads and processes; the
  // others wait and get its result. The new credentials are committed
  // before they are returned; logs token_refreshed, or token_refresh_failed
  // and throws Error(UPSTREAM). admin or system.
  Credentials valid_credentials(const Actor& actor, std::string_view integration_id,
                                const Refresher& refresher, const RefreshOptions& options = {});
  // Starts the authorization-code flow with PKCE (S256) for `provider`,
  // whose OAuth client must be configured: creates or reuses the
  // integration `options.name` in pending_auth (a connected one:
  // ALREADY_EXISTS) and returns the URL to send the user to. admin or system.
  OAuthStart begin_oauth(const Actor& actor, std::string_view provider,
                         std::string_view redirect_uri, const BeginOAuthOptions& options = {});
  // Finishes the flow: `state` must come from this tenant's begin_oauth,
  // unexpired and unused (else INVALID_ARGUMENT, nothing changes); the
  // exchange's tokens are sealed and the integration becomes connected. An
  // exchange that throws: the integration goes to error, Error(UPSTREAM).
  Integration complete_oauth(const Actor& actor, std::string_view state, std::string_view code,
                             const TokenExchange& exchange);
  // Rate limits: takes `cost` requests from the integration's buckets
  // (its provider's per_minute / per_hour, shared by every process) and
  // returns zero, or takes nothing and returns how long to wait. Never sleeps.
  std::chrono::milliseconds acquire(std::string_view integration_id, std::int64_t cost = 1);
  // The provider said 429 / Retry-After: acquire() waits until then.
  void penalize(std::string_view integration_id, std::chrono::milliseconds retry_after);

  // Records (docs/SEMANTICS.md, "Records").
  //
  // Sets the integration's own field mappings (validated: INVALID_ARGUMENT
  // naming the rule); an empty list removes them, so the provider's
  // defaults apply again. admin or system.
  void set_field_mappings(const Actor& actor, std::string_view integration_id,
                          const std::vector<FieldMapping>& mappings);
  // The integration's own mappings, else its provider's defaults (empty if
  // the provider has none).
  std::vector<FieldMapping> field_mappings(std::string_view integration_id) const;
  // Maps every record of `payload` (the provider's JSON) and compares each
  // with the hash remembered for its external id. Malformed JSON, or
  // records_at not naming an array: INVALID_ARGUMENT (with the byte
  // offset); no mappings: FAILED_PRECONDITION; a job not held by the worker:
  // CONFLICT. A record that fails is counted and reported; the rest go on.
  // Reads only: nothing is remembered until commit_records.
  RecordBatch map_records(std::string_view integration_id, std::string_view payload,
                          const MapOptions& options = {}) const;
  // The host stored the batch's changed records: remembers the hash of every
  // record the batch saw, in one write transaction. With a job: only while
  // the batch's worker still holds the job under the lease it mapped with
  // (else CONFLICT, nothing written), and the job's records_processed and
  // summary counts move in the same transaction.
  void commit_records(const RecordBatch& batch);
  // After a full_import job of this integration completed with outcome
  // success: the external ids remembered for the integration that the job
  // did not see (and that nothing committed since it started), ascending;
  // forgets them and adds their count to the job summary's "deleted".
  std::vector<std::string> finish_full_sync(std::string_view integration_id,
                                            std::string_view job_id);

 private:
  friend class Vault;
  Tenant(std::shared_ptr<VaultCore> core, std::string id);
  std::shared_ptr<VaultCore> core_;
  std::string id_;
};

}  // namespace linkvault
