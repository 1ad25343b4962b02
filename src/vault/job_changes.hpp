// The two steps every change of a sync job takes, written once: the write,
// guarded by what the job was when loaded, and its activity entry. Used by
// the jobs layer (src/jobs/) and by disconnect, which cancels the
// integration's jobs in its own transaction.
#pragma once

#include "linkvault/actor.hpp"
#include "store/store.hpp"
#include "vault/vault_core.hpp"

#include <string>
#include <string_view>

namespace linkvault {

// Error(NOT_FOUND), in the same words whether the id is unknown or another
// tenant's.
[[noreturn]] void throw_job_not_found(std::string_view job_id);

// A job that is not running is held by no one: no lease token, no
// lease_until (docs/FORMAT.md, "Sync jobs").
void release_lease(JobRecord& record) noexcept;

// Writes `next` over the job, guarded by the status and lease token it had
// when `loaded` was read in this write transaction. Error(CONFLICT) if it
// changed meanwhile (a store that holds what it loads never lets that
// happen; the guard makes a lost update impossible even if one did).
void write_job_change(JobStore& jobs, const JobRecord& loaded, const JobRecord& next);

// A heartbeat's write: only progress, lease and updated_at of `next`, under
// the lease `loaded` was read with; Error(CONFLICT) if it moved on.
void write_job_progress(JobStore& jobs, const JobRecord& loaded, const JobRecord& next);

// Appends the job's entry (on its integration) to its tenant's chain.
void log_job_activity(StoreSession& session, VaultCore& core, const SyncJob& job,
                      std::string_view action, const Actor& actor, std::string details_json);

// disconnect: cancels the integration's pending job (logging sync_cancelled
// as `actor`) and asks its running job to stop. No active job: nothing.
void cancel_jobs_of_disconnected(StoreSession& session, VaultCore& core,
                                 const Integration& integration, const Actor& actor);

}  // namespace linkvault
