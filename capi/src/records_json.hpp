// What the C ABI hands back: integrations, activity entries, sync jobs,
// provider specs, OAuth starts and reports as JSON text (shapes in docs/API.md). Written with fmt;
// every string goes through json_quote. Times are RFC 3339 UTC or null.
#pragma once

#include "linkvault/activity.hpp"
#include "linkvault/integration.hpp"
#include "linkvault/oauth.hpp"
#include "linkvault/provider.hpp"
#include "linkvault/sync_job.hpp"
#include "linkvault/tenant.hpp"
#include "linkvault/vault.hpp"

#include <optional>
#include <string>
#include <vector>

namespace linkvault::capi {

std::string integration_json(const Integration& integration);
std::string optional_integration_json(const std::optional<Integration>& integration);
std::string integrations_json(const std::vector<Integration>& integrations);
// A job's config and summary are JSON objects the vault checked when they
// came in; they are embedded as objects, not as strings.
std::string job_json(const SyncJob& job);
std::string optional_job_json(const std::optional<SyncJob>& job);
std::string jobs_json(const std::vector<SyncJob>& jobs);
std::string activity_json(const std::vector<ActivityEntry>& entries);
std::string providers_json(const std::vector<ProviderSpec>& specs);
std::string test_result_json(const TestResult& result);
std::string audit_report_json(const AuditReport& report);
std::string purge_report_json(const PurgeReport& report);
std::string refresh_report_json(const RefreshReport& report);
// {"authorization_url","state","integration_id"}
std::string oauth_start_json(const OAuthStart& start);

}  // namespace linkvault::capi
