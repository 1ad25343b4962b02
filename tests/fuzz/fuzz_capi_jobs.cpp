// The sync-job functions of the C ABI, one fuzzed parameter per run, on a
// connected slack integration. The first byte picks the call (mod 12); the
// rest is the text:
//   0 enqueue(options_json)   1 enqueue(type)        2 enqueue(actor_json)
//   3 job_list(filter_json)   4 claim(options_json)  5 claim(worker_id)
//   6 heartbeat(progress_json)                       7 heartbeat(worker_id)
//   8 complete(outcome)       9 complete(summary_json)
//  10 fail(error)            11 get and cancel(job_id)
// Every run ends with no pending or running job, so the next one starts
// from the same state: a job it queued is cancelled or completed by the
// run, and a job that a fuzzed call left running is completed by its
// holder. A job that comes back is checked against what was asked (status,
// holder, config and summary as objects, progress within 0..100). Every 256
// runs the tenant is purged and connected again (the activity stays small).
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "capi_fixture.hpp"
#include "fuzz_check.hpp"

namespace {

constexpr const char* job_tenant = "fuzz-jobs";
constexpr const char* worker = "fuzz-worker";

std::string& job_integration() {
  static std::string id = fuzz::connect_or_die(job_tenant);
  return id;
}

// A job the call returned: parses, and is the shape the header promises.
struct Job {
  std::string id;
  std::string status;
  std::string worker_id;
  bool cancel_requested = false;
};

Job read_job(const char* json, const char* call) {
  simdjson::dom::parser parser;
  const simdjson::padded_string text(std::string_view{json});
  simdjson::dom::object job;
  FUZZ_CHECK(parser.parse(text).get(job) == simdjson::SUCCESS, "%s: not a job: %s", call, json);
  Job read;
  std::string_view value;
  FUZZ_CHECK(job["id"].get(value) == simdjson::SUCCESS, "%s: no id: %s", call, json);
  read.id = value;
  FUZZ_CHECK(job["status"].get(value) == simdjson::SUCCESS, "%s: no status: %s", call, json);
  read.status = value;
  if (job["worker_id"].get(value) == simdjson::SUCCESS) read.worker_id = value;
  FUZZ_CHECK(job["cancel_requested"].get(read.cancel_requested) == simdjson::SUCCESS,
             "%s: no cancel_requested: %s", call, json);
  simdjson::dom::element member;
  FUZZ_CHECK(job["config"].get(member) == simdjson::SUCCESS &&
                 member.type() == simdjson::dom::element_type::OBJECT,
             "%s: config is not an object: %s", call, json);
  FUZZ_CHECK(job["summary"].get(member) == simdjson::SUCCESS &&
                 (member.is_null() || member.type() == simdjson::dom::element_type::OBJECT),
             "%s: summary is neither null nor an object: %s", call, json);
  std::int64_t percent = -1;
  FUZZ_CHECK(job["progress_percent"].get(percent) == simdjson::SUCCESS && percent >= 0 &&
                 percent <= 100,
             "%s: progress_percent out of range: %s", call, json);
  return read;
}

// Runs a call with a `char** out`; on LV_OK returns the job it answered
// (nullopt too when a claim answered "null": nothing due).
template <typename Call>
std::optional<Job> job_call(const char* name, Call call) {
  char* out = nullptr;
  const int status = fuzz::check_out(call(&out), out, name, true);
  if (status != LV_OK) return std::nullopt;
  std::optional<Job> job;
  if (std::string_view(out) != "null") job = read_job(out, name);
  lv_string_free(out);
  return job;
}

std::string enqueue_or_die() {
  const auto job = job_call("lv_sync_enqueue", [](char** out) {
    return lv_sync_enqueue(fuzz::vault(), out, job_tenant, fuzz::admin_actor,
                           job_integration().c_str(), "full_import", nullptr);
  });
  FUZZ_CHECK(job.has_value(), "setup enqueue failed: %s", lv_last_error_message());
  return job->id;
}

// Queues a job and claims it as `worker`; returns its id.
std::string running_job_or_die() {
  const std::string id = enqueue_or_die();
  const auto job = job_call("lv_job_claim", [](char** out) {
    return lv_job_claim(fuzz::vault(), out, worker, nullptr);
  });
  FUZZ_CHECK(job && job->id == id && job->status == "running",
             "setup claim did not take the queued job: %s", lv_last_error_message());
  return id;
}

void complete_or_die(const std::string& id, const char* holder) {
  const auto job = job_call("lv_job_complete", [&](char** out) {
    return lv_job_complete(fuzz::vault(), out, id.c_str(), holder, nullptr, nullptr);
  });
  FUZZ_CHECK(job && job->status == "completed", "cleanup complete failed: %s",
             lv_last_error_message());
}

void cancel_or_die(const std::string& id) {
  const auto job = job_call("lv_job_cancel", [&](char** out) {
    return lv_job_cancel(fuzz::vault(), out, job_tenant, fuzz::admin_actor, id.c_str());
  });
  FUZZ_CHECK(job && job->status == "cancelled", "cleanup cancel failed: %s",
             lv_last_error_message());
}

// Ends a job a fuzzed call may have left pending or running (or finished):
// a pending one is cancelled; a running one completed by its holder, or,
// if its cancel was requested, cancelled by the holder's heartbeat.
void settle(const std::string& id) {
  const auto job = job_call("lv_job_get", [&](char** out) {
    return lv_job_get(fuzz::vault(), out, job_tenant, id.c_str());
  });
  FUZZ_CHECK(job.has_value(), "cleanup get failed: %s", lv_last_error_message());
  if (job->status == "pending") cancel_or_die(id);
  if (job->status != "running") return;
  if (!job->cancel_requested) return complete_or_die(id, job->worker_id.c_str());
  char* out = nullptr;
  const int status =
      lv_job_heartbeat(fuzz::vault(), &out, id.c_str(), job->worker_id.c_str(), nullptr);
  FUZZ_CHECK(status == LV_CANCELLED && out == nullptr,
             "a heartbeat after a cancel request returned %s", lv_status_name(status));
}

void enqueue_with(const char* actor, const char* type, const char* options) {
  const auto job = job_call("lv_sync_enqueue", [&](char** out) {
    return lv_sync_enqueue(fuzz::vault(), out, job_tenant, actor, job_integration().c_str(),
                           type, options);
  });
  if (!job) return;
  FUZZ_CHECK(job->status == "pending", "a new job is %s", job->status.c_str());
  cancel_or_die(job->id);
}

void claim_with(const char* holder, const char* options) {
  const std::string id = enqueue_or_die();
  const auto job = job_call("lv_job_claim", [&](char** out) {
    return lv_job_claim(fuzz::vault(), out, holder, options);
  });
  // A claim that succeeded may have found nothing of its types ("null").
  if (job) {
    FUZZ_CHECK(job->id == id && job->status == "running" && job->worker_id == holder,
               "claimed %s (%s, held by %s) instead of %s", job->id.c_str(),
               job->status.c_str(), job->worker_id.c_str(), id.c_str());
  }
  settle(id);
}

void run(int mode, const std::string& fuzzed) {
  const char* text = fuzzed.c_str();
  lv_vault* vault = fuzz::vault();
  switch (mode) {
    case 0:
      return enqueue_with(fuzz::admin_actor, "full_import", text);
    case 1:
      return enqueue_with(fuzz::admin_actor, text, nullptr);
    case 2:
      return enqueue_with(text, "export", nullptr);
    case 3: {
      char* out = nullptr;
      fuzz::check_out(lv_job_list(vault, &out, job_tenant, text), out, "lv_job_list");
      return;
    }
    case 4:
      return claim_with(worker, text);
    case 5:
      return claim_with(text, nullptr);
    default:
      break;
  }
  const std::string id = running_job_or_die();
  std::optional<Job> job;
  switch (mode) {
    case 6:
      job = job_call("lv_job_heartbeat", [&](char** out) {
        return lv_job_heartbeat(vault, out, id.c_str(), worker, text);
      });
      break;
    case 7:
      job = job_call("lv_job_heartbeat", [&](char** out) {
        return lv_job_heartbeat(vault, out, id.c_str(), text, nullptr);
      });
      // (The C string ends at an embedded NUL, so compare what the library saw.)
      FUZZ_CHECK(!job || std::string_view(text) == worker, "a heartbeat by %s was taken for %s's",
                 text, worker);
      break;
    case 8:
      job = job_call("lv_job_complete", [&](char** out) {
        return lv_job_complete(vault, out, id.c_str(), worker, text, nullptr);
      });
      FUZZ_CHECK(!job || job->status == "completed", "completed as %s", job->status.c_str());
      break;
    case 9:
      job = job_call("lv_job_complete", [&](char** out) {
        return lv_job_complete(vault, out, id.c_str(), worker, nullptr, text);
      });
      FUZZ_CHECK(!job || job->status == "completed", "completed as %s", job->status.c_str());
      break;
    case 10:
      job = job_call("lv_job_fail", [&](char** out) {
        return lv_job_fail(vault, out, id.c_str(), worker, text, 0);
      });
      FUZZ_CHECK(!job || job->status == "failed", "failed for good as %s", job->status.c_str());
      break;
    default:
      job = job_call("lv_job_get", [&](char** out) {
        return lv_job_get(vault, out, job_tenant, text);
      });
      FUZZ_CHECK(!job || job->id == id, "lv_job_get(%s) found %s", text, job->id.c_str());
      // The only job there is runs, so a cancel that finds it only asks.
      job = job_call("lv_job_cancel", [&](char** out) {
        return lv_job_cancel(vault, out, job_tenant, fuzz::admin_actor, text);
      });
      FUZZ_CHECK(!job || (job->status == "running" && job->cancel_requested),
                 "a cancel of a running job made it %s", job->status.c_str());
      break;
  }
  settle(id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static int runs_since_reset = 0;
  run(data[0] % 12, fuzz::as_text(data + 1, size - 1));
  if (++runs_since_reset == 256) {
    fuzz::purge_or_die(job_tenant);
    job_integration() = fuzz::connect_or_die(job_tenant);
    runs_since_reset = 0;
  }
  return 0;
}
