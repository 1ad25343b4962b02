// RecordMapper on arbitrary payloads with a fixed rule set using every
// transform: INVALID_ARGUMENT for the payload, or a batch in which every
// record is mapped (its text valid JSON of the rules' targets) or failed
// with a reason; never a crash, a leak or another error.
#include "fuzz_check.hpp"
#include "linkvault/error.hpp"
#include "linkvault/records.hpp"
#include "records/record_mapper.hpp"

#include <simdjson.h>

#include <string_view>

using namespace linkvault;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const RecordMapper mapper(parse_field_mappings_json(R"([
    {"target": "email", "source": "/contact/email", "transform": ["trim", "lower"], "required": true},
    {"target": "phone", "source": "/phone", "transform": ["digits"]},
    {"target": "date", "source": "/d", "transform": ["date"]},
    {"target": "n", "source": "/n", "transform": ["number"]},
    {"target": "b", "source": "/b", "transform": ["boolean"]},
    {"target": "s", "source": "/s", "transform": ["upper", "string"]},
    {"target": "raw", "source": "/a~1b/0"},
    {"target": "tier", "source": "/plan", "default": "basic"}])"));
  static const SecretBytes key(32, 7);
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  MappedPayload out;
  try {
    out = mapper.map(payload, "", "/id", key);
  } catch (const Error& error) {
    FUZZ_CHECK(error.code() == ErrorCode::invalid_argument, "map failed with %s: %s",
               error_code_name(error.code()), error.what());
    return 0;
  }
  simdjson::dom::parser parser;
  for (const MappedRecord& record : out.mapped) {
    simdjson::dom::object object;
    FUZZ_CHECK(parser.parse(record.record).get(object) == simdjson::SUCCESS,
               "a mapped record is not a JSON object: %s", record.record.c_str());
    FUZZ_CHECK(object.size() == 8, "a mapped record has %zu members", object.size());
    FUZZ_CHECK(!record.external_id.empty(), "a mapped record without an id");
  }
  for (const UnmappedRecord& failure : out.unmapped) {
    FUZZ_CHECK(!failure.message.empty() && !failure.field.empty(), "a failure without a reason");
  }
  return 0;
}
