#include "core/job_transitions.hpp"

#include "core/message_text.hpp"
#include "linkvault/error.hpp"

#include <fmt/format.h>

namespace linkvault {

const char* to_string(JobEvent event) noexcept {
  switch (event) {
    case JobEvent::claim: return "claim";
    case JobEvent::heartbeat: return "heartbeat";
    case JobEvent::complete: return "complete";
    case JobEvent::retry: return "retry";
    case JobEvent::fail: return "fail";
    case JobEvent::expire_retry: return "expire and retry";
    case JobEvent::expire_fail: return "expire and fail";
    case JobEvent::cancel: return "cancel";
    case JobEvent::request_cancel: return "request cancel of";
    case JobEvent::acknowledge_cancel: return "acknowledge cancel of";
  }
  return "unknown";
}

JobStatus require_transition(std::string_view job_id, JobStatus from, JobEvent event) {
  if (const auto to = next_status(from, event)) return *to;
  throw Error(ErrorCode::failed_precondition,
              fmt::format("cannot {} job {}: it is {}", to_string(event),
                          quote_for_message(job_id), to_string(from)));
}

}  // namespace linkvault
