// docs/FORMAT.md "The canonical record and its hash": the vector there, made
// by the mapper itself from a payload, so a second implementation that
// follows the page gets the same record bytes and the same hash.
#include "linkvault/records.hpp"
#include "records/record_mapper.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace linkvault;

TEST_SUITE("records: format") {

TEST_CASE("the canonical record and its hash match FORMAT.md's vector") {
  SecretBytes key(32);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  const auto rules = parse_field_mappings_json(R"([
    {"target": "email", "source": "/contact/email", "transform": ["trim", "lower"], "required": true},
    {"target": "phone", "source": "/phone", "transform": ["digits"]},
    {"target": "tier", "source": "/plan", "default": "basic"},
    {"target": "custom", "source": "/custom"}
  ])");
  const std::string payload = R"([{"id": 7, "contact": {"email": " Ann@Example.COM "},
    "phone": "+1 (555) 010-1234", "custom": {"b": 1.50, "a": [true, null]}}])";
  const MappedPayload mapped = RecordMapper(rules).map(payload, "", "/id", key);
  REQUIRE(mapped.mapped.size() == 1);
  const MappedRecord& record = mapped.mapped[0];
  CHECK(record.external_id == "7");
  CHECK(record.record ==
        R"({"email":"ann@example.com","phone":"+15550101234","tier":"basic","custom":{"b":1.5,"a":[true,null]}})");
  std::string hex;
  for (const std::uint8_t byte : record.hash) {
    static constexpr char digits[] = "0123456789abcdef";
    hex.push_back(digits[byte >> 4]);
    hex.push_back(digits[byte & 0xF]);
  }
  CHECK(hex == "0a73762679872fbd4628a30c8ea15aa94230469f7a7c6d81ae49c088c1c7a57b");
  CHECK(record_hash(key, record.record) == record.hash);
}

}  // TEST_SUITE
