// The request JSON and text parameters of the sync-job functions
// (linkvault.h, "Sync jobs"): enqueue options, the job list filter, claim
// options, heartbeat progress, a job type, a completion outcome and a
// summary. Parsed strictly, by the rules of request_object.hpp: malformed
// JSON, an unknown or duplicate key, a wrong type or a value out of range is
// Error(INVALID_ARGUMENT) naming the parameter and the key, and a JSON null
// means "absent". The C++ API checks every value again; the ranges are
// checked here too so that a number is never cut to fit an `int` (a limit
// of 2^32 + 1 must not become 1).
#pragma once

#include "linkvault/integration.hpp"
#include "linkvault/sync_job.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace linkvault::capi {

// lv_sync_enqueue's `type`: "full_import" | "incremental_sync" | "export" |
// "field_mapping_update".
JobType parse_job_type_parameter(std::string_view type);

// NULL (nullopt) or {"config": object|null, "max_attempts": 1..20,
// "retry_base_seconds": 0..3600}. config goes to C++ as its JSON text.
EnqueueOptions parse_enqueue_options(std::optional<std::string_view> json);

// NULL or {"integration_id": str|null, "status": str|null,
// "limit": 1..1000, "before": job id|null}.
JobQuery parse_job_filter(std::optional<std::string_view> json);

// NULL or {"lease_seconds": number 0.001..86400, "types": [type]|null}.
ClaimOptions parse_claim_options(std::optional<std::string_view> json);

// lv_job_heartbeat's progress_json: NULL or {"processed": int >= 0,
// "total": int >= 0, "lease_seconds": number|null}. Whether processed <=
// total (also against the stored values) is the C++ API's check.
struct HeartbeatRequest {
  JobProgress progress;
  std::optional<std::chrono::milliseconds> lease;  // nullopt: the claim's lease length
};
HeartbeatRequest parse_heartbeat_progress(std::optional<std::string_view> json);

// lv_job_complete's outcome: NULL is success; "success" or "partial".
SyncOutcome parse_completion_outcome(std::optional<std::string_view> outcome);

// lv_job_complete's summary_json: NULL or a JSON object, handed on as its
// (minified) JSON text.
std::optional<std::string> parse_summary(std::optional<std::string_view> json);

}  // namespace linkvault::capi
