// Checks on what hosts and workers pass to the job operations. Each failure
// is Error(INVALID_ARGUMENT) naming the input (limits in linkvault/limits.hpp).
#pragma once

#include "linkvault/sync_job.hpp"

#include <chrono>
#include <string_view>

namespace linkvault {

void require_worker_id(std::string_view worker_id);
// 1 ms .. 24 h.
void require_lease(std::chrono::milliseconds lease);
// A JSON object of at most max_job_json_bytes; `what` names it ("config").
void require_job_json_object(std::string_view json, std::string_view what);
// An enum value that is one of the contract's (not a cast of another int).
void require_job_type(JobType type);
void require_enqueue_options(const EnqueueOptions& options);
// Not negative.
void require_progress(const JobProgress& progress);

}  // namespace linkvault
