// Vault::refresh_expiring: the scheduled sweep. Every refresh goes through
// the same single-flight path as Tenant::valid_credentials, so a sweep
// running beside on-demand callers (or another sweep in another process)
// never refreshes a token twice.
#include "linkvault/vault.hpp"

#include "jobs/job_queue.hpp"
#include "linkvault/error.hpp"
#include "oauth/token_refresh.hpp"
#include "vault/transaction.hpp"
#include "vault/vault_core.hpp"

#include <fmt/format.h>

namespace linkvault {

RefreshReport Vault::refresh_expiring(
    const std::map<std::string, Refresher, std::less<>>& refreshers, std::chrono::seconds within) {
  RefreshOptions options;
  options.margin = within;
  validate_refresh_options(options);
  VaultCore& core = require_open(core_);

  const TimeMs now = core.now_ms();
  std::vector<Integration> due;
  {
    auto session = core.session();
    Transaction transaction(*session, TransactionMode::read);
    due = session->expiring_integrations(std::nullopt, now + within.count() * 1000);
    transaction.commit();
  }

  const Actor actor = system_actor();
  RefreshReport report;
  for (const Integration& integration : due) {
    const auto refresher = refreshers.find(integration.provider);
    if (refresher == refreshers.end() || !refresher->second) {
      ++report.skipped;
      continue;
    }
    try {
      // A failure cooldown is skipped here rather than reported as a
      // failure again (valid_credentials would raise UPSTREAM for it).
      bool cooling = false;
      {
        auto session = core.session();
        Transaction transaction(*session, TransactionMode::read);
        cooling = session->load_refresh_state(integration.tenant, integration.id).cooldown_until >
                  core.now_ms();
        transaction.commit();
      }
      if (cooling) {
        ++report.skipped;
        continue;
      }
      // The credentials themselves are not needed here (and are wiped).
      linkvault::valid_credentials(core, integration.tenant, integration.id, actor,
                                   refresher->second, options);
      ++report.refreshed;
    } catch (const Error& error) {
      // Disconnected, put in error or purged since the list was read.
      if (error.code() == ErrorCode::failed_precondition ||
          error.code() == ErrorCode::not_found) {
        ++report.skipped;
      } else {
        ++report.failed;
      }
    }
  }
  return report;
}

}  // namespace linkvault
