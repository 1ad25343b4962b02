// How a job ends, and what that does beyond the job row: a job that
// completes or fails for good sets its integration's last_sync_at and
// last_sync_status (the scheduler's interval counts from it), and lease
// recovery, which ends or requeues jobs whose worker stopped answering.
#pragma once

#include "core/job_transitions.hpp"
#include "linkvault/actor.hpp"
#include "linkvault/integration.hpp"
#include "store/store.hpp"
#include "vault/vault_core.hpp"

#include <cstdint>
#include <string_view>

namespace linkvault {

// In the caller's write transaction: the job's integration gets
// last_sync_at = now and last_sync_status = outcome (if it still exists).
void record_sync_result(IntegrationStore& integrations, const SyncJob& job, SyncOutcome outcome,
                        TimeMs now);

// In the caller's write transaction: `next` (a copy of `loaded`, running)
// fails for good with `error`, is written, and sync_failed is logged as
// `actor`. Returns the job as written.
SyncJob fail_for_good(StoreSession& session, VaultCore& core, const JobRecord& loaded,
                   JobRecord next, JobEvent event, std::string_view error, const Actor& actor);

// In the caller's write transaction: up to `limit` running jobs whose lease
// passed before `now` are recovered: cancelled if cancel was requested, else
// pending again (due now) while attempts remain, else failed with "lease
// expired". Returns how many.
std::int64_t recover_expired_leases(StoreSession& session, VaultCore& core, TimeMs now,
                                    int limit);

}  // namespace linkvault
