// What the C ABI hands back: integrations, activity entries, provider specs
// and reports as JSON text (shapes in docs/API.md). Written with fmt;
// every string goes through json_quote. Times are RFC 3339 UTC or null.
#pragma once

#include "linkvault/activity.hpp"
#include "linkvault/integration.hpp"
#include "linkvault/provider.hpp"
#include "linkvault/tenant.hpp"
#include "linkvault/vault.hpp"

#include <optional>
#include <string>
#include <vector>

namespace linkvault::capi {

std::string integration_json(const Integration& integration);
std::string optional_integration_json(const std::optional<Integration>& integration);
std::string integrations_json(const std::vector<Integration>& integrations);
std::string activity_json(const std::vector<ActivityEntry>& entries);
std::string providers_json(const std::vector<ProviderSpec>& specs);
std::string test_result_json(const TestResult& result);
std::string audit_report_json(const AuditReport& report);
std::string purge_report_json(const PurgeReport& report);

}  // namespace linkvault::capi
