// The scheduler: integrations whose sync_config asks for automatic syncs get
// an incremental_sync queued once their interval has passed since the last
// sync ended (successful or not, so a failing provider is not retried every
// tick: the job's own retries handle transient failures).
#include "linkvault/vault.hpp"

#include "jobs/job_queue.hpp"
#include "vault/transaction.hpp"

namespace linkvault {

std::vector<SyncJob> Vault::schedule_due_syncs() {
  VaultCore& core = require_open(core_);
  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  const TimeMs now = core.now_ms();
  const Actor actor = system_actor();
  std::vector<SyncJob> queued;
  for (const Integration& integration : session->auto_sync_candidates()) {
    const auto& config = integration.sync_config;
    if (!config || !config->auto_sync) continue;
    const TimeMs interval_ms = static_cast<TimeMs>(config->interval_minutes) * 60'000;
    if (integration.last_sync_at && now - *integration.last_sync_at < interval_ms) continue;
    EnqueueOptions options;
    queued.push_back(queue_job(*session, core, integration, JobType::incremental_sync, options,
                               actor));
  }
  transaction.commit();
  return queued;
}

}  // namespace linkvault
