// SyncJob — one durable unit of work that moves data through an integration
// (DESIGN.md §4; the rules are in docs/SEMANTICS.md, "Sync jobs").
//
// Hosts queue jobs per integration through Tenant::enqueue_sync(); workers in
// any thread or process of any host that opens the vault take them with
// Vault::claim_job(), which gives the job to exactly one worker under a
// lease, and answer with heartbeat / complete_job / fail_job. A worker that
// dies stops renewing its lease; the job is then recovered (retried, or
// failed when no attempt is left). A plain value: reading it takes no lock.
#pragma once

#include "linkvault/clock.hpp"
#include "linkvault/integration.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// "export" is a C++ keyword, hence export_; to_string spells it "export".
enum class JobType { full_import, incremental_sync, export_, field_mapping_update };
enum class JobStatus { pending, running, completed, failed, cancelled };

const char* to_string(JobType type) noexcept;
std::optional<JobType> parse_job_type(std::string_view text) noexcept;
const char* to_string(JobStatus status) noexcept;
std::optional<JobStatus> parse_job_status(std::string_view text) noexcept;

struct SyncJob {
  std::string id;  // UUIDv7
  std::string tenant;
  std::string integration_id;
  JobType type = JobType::full_import;
  JobStatus status = JobStatus::pending;
  std::string config = "{}";  // a JSON object, as the host gave it
  int progress_percent = 0;   // 0..100
  std::int64_t records_processed = 0;
  std::optional<std::int64_t> records_total;  // unknown until a heartbeat says
  int attempt = 0;  // claims so far, the current one included
  int max_attempts = 3;
  int retry_base_seconds = 30;
  TimeMs run_after = 0;  // not claimed before this
  std::optional<std::string> worker_id;  // the worker holding, or last holding, it
  std::optional<TimeMs> lease_until;     // set while running
  bool cancel_requested = false;
  std::optional<std::string> error;  // the last failure, kept across retries
  std::optional<SyncOutcome> outcome;  // set once completed or failed
  std::optional<std::string> summary;  // a JSON object from complete_job
  TimeMs created_at = 0;
  std::optional<TimeMs> started_at;  // the first claim
  std::optional<TimeMs> completed_at;  // completed, failed or cancelled
  TimeMs updated_at = 0;
};

// Tenant::enqueue_sync().
struct EnqueueOptions {
  std::string config = "{}";  // a JSON object, at most 64 KiB
  int max_attempts = 3;       // 1..20
  int retry_base_seconds = 30;  // 0..3600: the first retry's delay
};

// Tenant::jobs(): newest first; unset fields match everything.
struct JobQuery {
  std::optional<std::string> integration_id;
  std::optional<JobStatus> status;
  int limit = 50;                     // 1..1000
  std::optional<std::string> before;  // a job id: only jobs older than it
};

// Vault::claim_job().
struct ClaimOptions {
  std::chrono::milliseconds lease{30'000};  // 1 ms .. 24 h
  std::vector<JobType> types;               // empty: any type
};

// Vault::heartbeat(): unset values stay as they were.
struct JobProgress {
  std::optional<std::int64_t> processed;
  std::optional<std::int64_t> total;
};

}  // namespace linkvault
