// RecordMapper on its own (src/records/record_mapper.hpp): the edge cases of
// SEMANTICS.md "Field mappings and transforms" — pointers with escapes,
// unicode, numbers vs strings, nulls and defaults, deep nesting, a 1 MB
// record, malformed payloads with their byte offset, ids.
#include "linkvault/error.hpp"
#include "linkvault/records.hpp"
#include "records/record_mapper.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace linkvault;

namespace {

SecretBytes test_key(std::uint8_t first = 0) {
  SecretBytes key(32);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(first + i);
  return key;
}

MappedPayload map_with(const std::string& rules_json, const std::string& payload,
                       const std::string& records_at = "", const std::string& id_at = "/id") {
  return RecordMapper(parse_field_mappings_json(rules_json))
      .map(payload, records_at, id_at, test_key());
}

// The one record a one-record payload maps to, or the test fails.
std::string only_record(const std::string& rules_json, const std::string& record) {
  const MappedPayload out = map_with(rules_json, "[" + record + "]");
  REQUIRE_MESSAGE(out.unmapped.empty(),
                  (out.unmapped.empty() ? "" : out.unmapped[0].message));
  REQUIRE(out.mapped.size() == 1);
  return out.mapped[0].record;
}

// The failure of a one-record payload that must fail.
UnmappedRecord only_failure(const std::string& rules_json, const std::string& record) {
  const MappedPayload out = map_with(rules_json, "[" + record + "]");
  REQUIRE(out.mapped.empty());
  REQUIRE(out.unmapped.size() == 1);
  return out.unmapped[0];
}

std::string error_of(const std::string& rules_json, const std::string& payload,
                     const std::string& records_at = "") {
  try {
    map_with(rules_json, payload, records_at);
  } catch (const Error& error) {
    CHECK(error.code() == ErrorCode::invalid_argument);
    return error.what();
  }
  FAIL("no error");
  return "";
}

}  // namespace

TEST_SUITE("records: mapper") {

TEST_CASE("pointers unescape ~1 and ~0, index arrays, and name the first of repeated keys") {
  const std::string rules = R"([
    {"target": "slash", "source": "/a~1b"},
    {"target": "tilde", "source": "/c~0d"},
    {"target": "second", "source": "/list/1"},
    {"target": "empty_key", "source": "/"},
    {"target": "first_of_two", "source": "/dup"}])";
  CHECK(only_record(rules, R"({"id":"1","a/b":1,"c~d":2,"list":["x","y"],"":3,"dup":"first","dup":"second"})") ==
        R"({"slash":1,"tilde":2,"second":"y","empty_key":3,"first_of_two":"first"})");
  // Not an index: a leading zero, "-", past the end: missing, so null.
  CHECK(only_record(R"([{"target": "a", "source": "/list/01"}, {"target": "b", "source": "/list/-"},
                       {"target": "c", "source": "/list/9"}, {"target": "d", "source": "/id/x"}])",
                    R"({"id":"1","list":["x","y"]})") == R"({"a":null,"b":null,"c":null,"d":null})");
}

TEST_CASE("unicode keys and values are kept, and cased by lower and upper") {
  CHECK(only_record(R"([{"target": "名前", "source": "/名前"}])", R"({"id":"1","名前":"Zoë 🚀"})") ==
        "{\"名前\":\"Zoë 🚀\"}");
  // ß has no one-to-one upper case: it stays.
  CHECK(only_record(R"([{"target": "upper", "source": "/n", "transform": ["upper"]}])",
                    R"({"id":"1","n":"straße ÿ ı"})") == "{\"upper\":\"STRAßE Ÿ I\"}");
  CHECK(only_record(R"([{"target": "lower", "source": "/n", "transform": ["lower"]}])",
                    R"({"id":"1","n":"ÉMILE İ Ĳ ΣΟΦΙΑ Ёлка"})") == "{\"lower\":\"émile i ĳ σοφια ёлка\"}");
  CHECK(only_record(R"([{"target": "e", "source": "/e"}])", R"({"id":"1","e":"\u00e9\n\u0001"})") ==
        "{\"e\":\"é\\n\\u0001\"}");
}

TEST_CASE("numbers and strings stay what they are, unless a transform converts them") {
  const std::string rules = R"([
    {"target": "n", "source": "/n"}, {"target": "s", "source": "/s"},
    {"target": "n_as_string", "source": "/n", "transform": ["string"]},
    {"target": "s_as_number", "source": "/s", "transform": ["number"]},
    {"target": "big", "source": "/big"}, {"target": "real", "source": "/real"},
    {"target": "flag", "source": "/flag", "transform": ["boolean"]}])";
  CHECK(only_record(rules, R"({"id":"1","n":42,"s":" 42.50 ","big":18446744073709551615,"real":1.0e2,"flag":"Yes"})") ==
        R"({"n":42,"s":" 42.50 ","n_as_string":"42","s_as_number":42.5,"big":18446744073709551615,"real":100,"flag":true})");
  // Past 2^53 a double is written with an exponent (found by the fuzzer: a
  // 20-digit fixed form is an integer past 64 bits to some readers).
  CHECK(only_record(R"([{"target": "n", "source": "/n", "transform": ["number"]},
                       {"target": "m", "source": "/m"}])",
                    R"({"id":"1","n":"44444444444444444444","m":-9007199254740992.0})") ==
        R"({"n":4.444444444444444e+19,"m":-9.007199254740992e+15})");
  CHECK(only_failure(R"([{"target": "n", "source": "/n", "transform": ["number"]}])",
                     R"({"id":"1","n":"12abc"})")
            .message.find("not a number") != std::string::npos);
  CHECK(only_failure(R"([{"target": "n", "source": "/n", "transform": ["number"]}])",
                     R"({"id":"1","n":"1e999"})")
            .field == "n");
  CHECK(only_failure(R"([{"target": "b", "source": "/b", "transform": ["boolean"]}])",
                     R"({"id":"1","b":2})")
            .message.find("not a boolean") != std::string::npos);
  CHECK(only_failure(R"([{"target": "t", "source": "/t", "transform": ["trim"]}])",
                     R"({"id":"1","t":true})")
            .message.find("not text") != std::string::npos);
  CHECK(only_failure(R"([{"target": "s", "source": "/o", "transform": ["string"]}])",
                     R"({"id":"1","o":{"a":1}})")
            .field == "s");
}

TEST_CASE("nulls and absent sources: default, required, or null") {
  const std::string rules = R"([
    {"target": "tier", "source": "/plan", "default": "basic"},
    {"target": "note", "source": "/note"},
    {"target": "opts", "source": "/opts", "default": {"a": [1, 2.50]}}])";
  CHECK(only_record(rules, R"({"id":"1","plan":null})") ==
        R"({"tier":"basic","note":null,"opts":{"a":[1,2.5]}})");
  CHECK(only_record(rules, R"({"id":"1","plan":"pro","note":"x","opts":[]})") ==
        R"({"tier":"pro","note":"x","opts":[]})");
  const auto missing = only_failure(R"([{"target": "email", "source": "/email", "required": true}])",
                                    R"({"id":"e-1","email":null})");
  CHECK(missing.field == "email");
  CHECK(missing.external_id == std::optional<std::string>("e-1"));
  CHECK(missing.message == "the required field is missing");
  // Empty after trimming is missing too, for a required field.
  CHECK(only_failure(R"([{"target": "email", "source": "/email", "transform": ["trim"], "required": true}])",
                     R"({"id":"1","email":" \u3000 "})")
            .message.find("empty") != std::string::npos);
}

TEST_CASE("transforms: trim, digits and date, accepted and refused") {
  CHECK(only_record(R"([{"target": "t", "source": "/t", "transform": ["trim"]}])",
                    "{\"id\":\"1\",\"t\":\"\\u00a0\\t a b \\u2003\"}") == R"({"t":"a b"})");
  CHECK(only_record(R"([{"target": "p", "source": "/p", "transform": ["digits"]},
                       {"target": "q", "source": "/q", "transform": ["digits"]},
                       {"target": "r", "source": "/r", "transform": ["digits"]}])",
                    R"({"id":"1","p":" +1 (555) 010-1234","q":"555+1","r":5551234})") ==
        R"({"p":"+15550101234","q":"5551","r":"5551234"})");
  const std::string date = R"([{"target": "d", "source": "/d", "transform": ["date"]}])";
  for (const auto& [input, output] : std::vector<std::pair<std::string, std::string>>{
           {"2027-06-19", "2027-06-19"},
           {"20270619", "2027-06-19"},
           {"2027-06-19T15:00:00-05:00", "2027-06-19"},
           {"2027-06-19t23:59:60.123Z", "2027-06-19"},
           {"2027-06-19 08:30", "2027-06-19"},
           {"2028-02-29T00:00+0100", "2028-02-29"}}) {
    CHECK(only_record(date, R"({"id":"1","d":")" + input + "\"}") == R"({"d":")" + output + "\"}");
  }
  CHECK(only_record(date, R"({"id":"1","d":20270619})") == R"({"d":"2027-06-19"})");
  for (const std::string bad : {"2027-02-29", "2027-13-01", "19/06/2027", "2027-06-19T25:00",
                                "2027-06-19X10:00", "2027-06-1", "June 19, 2027", ""}) {
    CHECK_MESSAGE(only_failure(date, R"({"id":"1","d":")" + bad + "\"}").message.find(
                      "not a date") != std::string::npos,
                  bad);
  }
}

TEST_CASE("records nest as deep as simdjson allows; deeper is refused as such") {
  std::string deep = "1";
  for (int i = 0; i < 900; ++i) deep = "[" + deep + "]";
  CHECK(only_record(R"([{"target": "deep", "source": "/deep"}])",
                    R"({"id":"1","deep":)" + deep + "}") == R"({"deep":)" + deep + "}");
  std::string too_deep = "1";
  for (int i = 0; i < 1100; ++i) too_deep = "[" + too_deep + "]";
  CHECK(error_of(R"([{"target": "a", "source": "/a"}])", R"([{"id":"1","a":)" + too_deep + "}]")
            .find("deeper than 1024") != std::string::npos);
}

TEST_CASE("a 1 MB record maps, and its text is copied whole") {
  const std::string big(1024 * 1024, 'x');
  const MappedPayload out = map_with(R"([{"target": "blob", "source": "/blob"}])",
                                     R"([{"id":"big","blob":")" + big + R"("},{"id":"small","blob":"y"}])");
  REQUIRE(out.mapped.size() == 2);
  CHECK(out.mapped[0].record == R"({"blob":")" + big + "\"}");
  CHECK(out.mapped[1].record == R"({"blob":"y"})");
}

TEST_CASE("malformed payloads are INVALID_ARGUMENT with the byte offset") {
  const std::string rules = R"([{"target": "a", "source": "/a"}])";
  CHECK(error_of(rules, R"([{"id":"1","a":tru}])").find("byte offset 18") != std::string::npos);  // the "}" where "e" belongs
  CHECK(error_of(rules, R"([{"id":"1" "a":1}])").find("byte offset 11") != std::string::npos);
  CHECK(error_of(rules, R"([{"id":"1","a":1})").find("ends early, at byte offset 17") !=
        std::string::npos);
  CHECK(error_of(rules, "[{\"id\":\"1\",\"a\":\"\xff\"}]").find("byte offset 16") !=
        std::string::npos);
  CHECK(error_of(rules, R"([1] [2])").find("byte offset 4") != std::string::npos);
  CHECK(error_of(rules, "").find("offset 0") != std::string::npos);
  // Valid JSON, but no array where records_at points.
  CHECK(error_of(rules, R"({"data":{}})", "/data").find("does not name an array") !=
        std::string::npos);
  CHECK(error_of(rules, R"([])", "data").find("not a JSON Pointer") != std::string::npos);
}

TEST_CASE("external ids: strings and integers; anything else, and repeats, fail the record") {
  const std::string rules = R"([{"target": "a", "source": "/a"}])";
  const MappedPayload out = map_with(
      rules, R"([{"id":"x","a":1},{"id":-7,"a":2},{"id":"x","a":3},{"id":1.5,"a":4},{"id":"","a":5},
                 {"a":6},{"id":null,"a":7},{"id":"\u0000","a":8},{"id":"-7","a":9}])");
  REQUIRE(out.mapped.size() == 2);
  CHECK(out.mapped[0].external_id == "x");
  CHECK(out.mapped[1].external_id == "-7");
  REQUIRE(out.unmapped.size() == 7);
  CHECK(out.unmapped[0].index == 2);
  CHECK(out.unmapped[0].message.find("duplicate external id") != std::string::npos);
  CHECK(out.unmapped[6].index == 8);  // "-7" is the integer -7's id
  for (const UnmappedRecord& failure : out.unmapped) {
    CHECK(failure.field == "/id");
    CHECK_FALSE(failure.external_id.has_value());
  }
  // Another id pointer.
  const MappedPayload nested =
      map_with(rules, R"({"data":[{"meta":{"key":"k1"},"a":1}]})", "/data", "/meta/key");
  REQUIRE(nested.mapped.size() == 1);
  CHECK(nested.mapped[0].external_id == "k1");
}

TEST_CASE("hashes: equal records hash equal under one key and apart under two") {
  const auto rules = parse_field_mappings_json(R"([{"target": "a", "source": "/a", "transform": ["trim"]}])");
  const RecordMapper mapper(rules);
  const auto one = mapper.map(R"([{"id":"1","a":" x"},{"id":"2","a":"x "},{"id":"3","a":"y"}])", "",
                              "/id", test_key(0));
  const auto other = mapper.map(R"([{"id":"1","a":"x"}])", "", "/id", test_key(1));
  REQUIRE(one.mapped.size() == 3);
  CHECK(one.mapped[0].hash == one.mapped[1].hash);
  CHECK(one.mapped[0].hash != one.mapped[2].hash);
  CHECK(other.mapped[0].hash != one.mapped[0].hash);
}

}  // TEST_SUITE
