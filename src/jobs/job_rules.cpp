#include "jobs/job_rules.hpp"

#include "linkvault/error.hpp"
#include "linkvault/limits.hpp"
#include "vault/input_rules.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <string>

namespace linkvault {

namespace {
constexpr std::chrono::milliseconds max_lease = std::chrono::hours(24);
}

void require_worker_id(std::string_view worker_id) {
  require_text(worker_id, "worker id", max_worker_id_bytes);
}

void require_lease(std::chrono::milliseconds lease) {
  if (lease < std::chrono::milliseconds(1) || lease > max_lease) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("lease must be 1 ms to 24 h, got {} ms", lease.count()));
  }
}

void require_job_json_object(std::string_view json, std::string_view what) {
  if (json.size() > max_job_json_bytes) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} is {} bytes; at most {} are allowed", what, json.size(),
                            max_job_json_bytes));
  }
  // One parser per thread: constructing one allocates.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size(), true).get(root)) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{} is not valid JSON", what));
  }
  if (!root.is_object()) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{} must be a JSON object", what));
  }
}

void require_job_type(JobType type) {
  if (std::string_view(to_string(type)) == "unknown") {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("job type {} is not one of full_import, incremental_sync, export, "
                            "field_mapping_update", static_cast<int>(type)));
  }
}

void require_enqueue_options(const EnqueueOptions& options) {
  require_job_json_object(options.config, "job config");
  if (options.max_attempts < 1 || options.max_attempts > max_job_attempts) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("max_attempts must be 1 to {}, got {}", max_job_attempts,
                            options.max_attempts));
  }
  if (options.retry_base_seconds < 0 || options.retry_base_seconds > max_retry_base_seconds) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("retry_base_seconds must be 0 to {}, got {}", max_retry_base_seconds,
                            options.retry_base_seconds));
  }
}

void require_progress(const JobProgress& progress) {
  if (progress.processed && *progress.processed < 0) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("processed must be 0 or more, got {}", *progress.processed));
  }
  if (progress.total && *progress.total < 0) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("total must be 0 or more, got {}", *progress.total));
  }
}

}  // namespace linkvault
