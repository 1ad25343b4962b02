// What the record functions hand back as JSON (linkvault.h, "Records"): a
// batch, and a list of external ids. Every string goes through json_quote;
// a mapped record is already a canonical JSON object and is embedded as one
// (not as a string), so a host parses the whole answer once.
#pragma once

#include "linkvault/records.hpp"

#include <string>
#include <vector>

namespace linkvault::capi {

// {"integration_id","job_id"(str|null),"worker_id"(str|null),
//  "changed":[{"external_id","action","record":{...}}],
//  "counts":{"created","updated","unchanged","failed"},
//  "errors":[{"index","external_id"(str|null),"field","message"}]}
std::string record_batch_json(const RecordBatch& batch);

// ["id", ...]
std::string string_array_json(const std::vector<std::string>& values);

}  // namespace linkvault::capi
