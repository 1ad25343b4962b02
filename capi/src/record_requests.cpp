#include "record_requests.hpp"

#include "linkvault.h"
#include "linkvault/error.hpp"
#include "request_object.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <string>

namespace linkvault::capi {

MapOptions parse_map_options(std::optional<std::string_view> json) {
  MapOptions options;
  if (!json) return options;
  RequestObject request("options_json", *json);
  static constexpr std::array<std::string_view, 4> keys{"records_at", "id_at", "job_id",
                                                        "worker_id"};
  request.for_each(keys, [&](std::string_view key, simdjson::dom::element value) {
    const auto text = request.optional_string(key, value);
    if (!text) return;
    if (key == "records_at") {
      options.records_at = std::string(*text);
    } else if (key == "id_at") {
      options.id_at = std::string(*text);
    } else if (key == "job_id") {
      options.job_id = std::string(*text);
    } else {
      options.worker_id = std::string(*text);
    }
  });
  // A batch bound to a job must name the worker that holds it, and a worker
  // means nothing without its job: one of the two alone is a host bug.
  if (options.job_id.has_value() != options.worker_id.has_value()) {
    request.invalid("keys 'job_id' and 'worker_id' go together: give both or neither");
  }
  return options;
}

std::string_view payload_argument(const std::uint8_t* payload, std::size_t length) {
  if (payload == nullptr) {
    throw Error(ErrorCode::invalid_argument, "payload: must not be NULL");
  }
  if (length > LV_MAX_RECORD_PAYLOAD_BYTES) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("payload: {} bytes is more than the {} bytes allowed "
                            "(LV_MAX_RECORD_PAYLOAD_BYTES)",
                            length, LV_MAX_RECORD_PAYLOAD_BYTES));
  }
  return {reinterpret_cast<const char*>(payload), length};
}

}  // namespace linkvault::capi
