// The request JSON of the record functions (linkvault.h, "Records"):
// lv_records_map's options and its payload parameter. Parsed strictly by the
// rules of request_object.hpp: malformed JSON, an unknown or duplicate key or
// a wrong type is Error(INVALID_ARGUMENT) naming the parameter and the key,
// and a JSON null means "absent". The pointers themselves are checked by the
// C++ API (the mapper), which names them.
#pragma once

#include "linkvault/records.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace linkvault::capi {

// NULL (nullopt) or {"records_at": str, "id_at": str, "job_id": str|null,
// "worker_id": str|null}; job_id and worker_id both or neither.
MapOptions parse_map_options(std::optional<std::string_view> json);

// lv_records_map's payload: not NULL (even when empty: NULL is a forgotten
// argument, not an empty payload) and at most LV_MAX_RECORD_PAYLOAD_BYTES.
// Its JSON and UTF-8 are the mapper's to check: it reports the byte offset.
std::string_view payload_argument(const std::uint8_t* payload, std::size_t length);

}  // namespace linkvault::capi
