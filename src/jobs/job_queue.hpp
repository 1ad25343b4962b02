// Putting a job on the queue, shared by Tenant::enqueue_sync and the
// scheduler (Vault::schedule_due_syncs), and the actors the engine itself
// acts as.
#pragma once

#include "linkvault/actor.hpp"
#include "linkvault/sync_job.hpp"
#include "store/store.hpp"
#include "vault/vault_core.hpp"

#include <string_view>

namespace linkvault {

// Who the activity log names for the engine's own changes (the scheduler,
// lease recovery).
Actor system_actor();
// A worker, named by its worker id, for the changes it makes.
Actor worker_actor(std::string_view worker_id);

// In the caller's write transaction: inserts a pending job on `integration`
// (which the caller checked is connected) and logs sync_queued as `actor`.
// Error(CONFLICT) naming the active job if the integration has one.
SyncJob queue_job(StoreSession& session, VaultCore& core, const Integration& integration,
                  JobType type, const EnqueueOptions& options, const Actor& actor);

}  // namespace linkvault
