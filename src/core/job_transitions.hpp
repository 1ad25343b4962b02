// The sync-job state machine, as one table: every change of a job's status
// is an event named here, and an event the table does not allow from the
// job's current status is refused (Error(FAILED_PRECONDITION)). The jobs
// layer (src/jobs/) applies these; nothing else changes a job's status.
#pragma once

#include "linkvault/sync_job.hpp"

#include <array>
#include <optional>
#include <string_view>

namespace linkvault {

enum class JobEvent {
  claim,               // a worker takes a due pending job
  heartbeat,           // the holder reports progress, renewing its lease
  complete,            // the holder finished (success or partial)
  retry,               // the holder failed, retryably, with attempts left
  fail,                // the holder failed for good
  expire_retry,        // the lease ran out, attempts left: due again now
  expire_fail,         // the lease ran out on the last attempt
  cancel,              // a pending job is cancelled at once
  request_cancel,      // a running job is asked to stop
  acknowledge_cancel,  // its holder's heartbeat saw the request: cancelled
};

struct JobTransition {
  JobStatus from;
  JobEvent event;
  JobStatus to;
};

inline constexpr std::array<JobTransition, 10> job_transitions{{
    {JobStatus::pending, JobEvent::claim, JobStatus::running},
    {JobStatus::pending, JobEvent::cancel, JobStatus::cancelled},
    {JobStatus::running, JobEvent::heartbeat, JobStatus::running},
    {JobStatus::running, JobEvent::complete, JobStatus::completed},
    {JobStatus::running, JobEvent::retry, JobStatus::pending},
    {JobStatus::running, JobEvent::fail, JobStatus::failed},
    {JobStatus::running, JobEvent::expire_retry, JobStatus::pending},
    {JobStatus::running, JobEvent::expire_fail, JobStatus::failed},
    {JobStatus::running, JobEvent::request_cancel, JobStatus::running},
    {JobStatus::running, JobEvent::acknowledge_cancel, JobStatus::cancelled},
}};

const char* to_string(JobEvent event) noexcept;

// The status `event` leads to from `from`, or nullopt if the table has no
// such row.
constexpr std::optional<JobStatus> next_status(JobStatus from, JobEvent event) noexcept {
  for (const auto& transition : job_transitions) {
    if (transition.from == from && transition.event == event) return transition.to;
  }
  return std::nullopt;
}

// next_status, or Error(FAILED_PRECONDITION) naming the job, its status and
// the event.
JobStatus require_transition(std::string_view job_id, JobStatus from, JobEvent event);

// Active jobs hold their integration's one slot (a pending or running job).
constexpr bool is_active(JobStatus status) noexcept {
  return status == JobStatus::pending || status == JobStatus::running;
}

}  // namespace linkvault
