// Field mapping rules: strict JSON parsing, validation (every rule and its
// message) and to_json (docs/SEMANTICS.md, "Field mappings").
#include "linkvault/error.hpp"
#include "linkvault/records.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace linkvault;

namespace {

template <typename Action>
Error caught(Action&& action) {
  try {
    action();
  } catch (const Error& error) {
    return error;
  }
  FAIL("no linkvault::Error was thrown");
  return Error(ErrorCode::ok, "");
}

// The message parse_field_mappings_json gives for `json` (INVALID_ARGUMENT).
std::string parse_problem(const std::string& json) {
  const Error error = caught([&] { parse_field_mappings_json(json); });
  CHECK(error.code() == ErrorCode::invalid_argument);
  return error.what();
}

std::string validate_problem(const std::vector<FieldMapping>& mappings) {
  const Error error = caught([&] { validate_field_mappings(mappings); });
  CHECK(error.code() == ErrorCode::invalid_argument);
  return error.what();
}

FieldMapping rule(std::string target, std::string source) {
  FieldMapping mapping;
  mapping.target = std::move(target);
  mapping.source = std::move(source);
  return mapping;
}

}  // namespace

TEST_SUITE("records: field mappings") {

TEST_CASE("every key parses, and the optional ones keep their defaults") {
  const auto mappings = parse_field_mappings_json(R"([
    {"target": "email", "source": "/contact/email", "transform": ["trim", "lower"], "required": true},
    {"target": "wedding_date", "source": "/custom_fields/wedding_date", "transform": ["date"]},
    {"target": "tier", "source": "/plan", "default": "basic"},
    {"target": "note", "source": "/n", "default": null, "required": false}
  ])");
  REQUIRE(mappings.size() == 4);
  CHECK(mappings[0].target == "email");
  CHECK(mappings[0].source == "/contact/email");
  CHECK(mappings[0].transforms == std::vector<Transform>{Transform::trim, Transform::lower});
  CHECK(mappings[0].required);
  CHECK_FALSE(mappings[0].default_json);
  CHECK(mappings[1].transforms == std::vector<Transform>{Transform::date});
  CHECK_FALSE(mappings[1].required);
  REQUIRE(mappings[2].default_json);
  CHECK(*mappings[2].default_json == "\"basic\"");
  CHECK(mappings[2].transforms.empty());
  CHECK_FALSE(mappings[3].default_json);  // null means none
}

TEST_CASE("all eight transform names parse, and nothing else") {
  const auto mappings = parse_field_mappings_json(
      R"([{"target":"a","source":"","transform":["trim","lower","upper","digits","date","number","boolean","string"]}])");
  CHECK(mappings[0].transforms ==
        std::vector<Transform>{Transform::trim, Transform::lower, Transform::upper,
                               Transform::digits, Transform::date, Transform::number,
                               Transform::boolean, Transform::string});
  CHECK(parse_problem(R"([{"target":"a","source":"","transform":["trim","Lower"]}])") ==
        "field mapping 0 ('a'): 'transform[1]' must be one of trim, lower, upper, digits, date, "
        "number, boolean, string");
  CHECK(parse_problem(R"([{"target":"a","source":"","transform":[1]}])").find("'transform[0]'") !=
        std::string::npos);
}

TEST_CASE("an empty array parses to no rules") {
  CHECK(parse_field_mappings_json("[]").empty());
  CHECK(parse_field_mappings_json(" [ ] ").empty());
  validate_field_mappings({});
}

TEST_CASE("malformed JSON and a non-array are refused") {
  CHECK(parse_problem("") == "field mappings: not valid JSON (empty text)");
  CHECK(parse_problem("[{").find("field mappings: not valid JSON") == 0);
  CHECK(parse_problem(R"({"target":"a","source":""})") ==
        "field mappings: must be a JSON array of rules");
  CHECK(parse_problem("[1]") == "field mapping 0: must be a JSON object");
  CHECK(parse_problem(R"([{"target":"a","source":""}, "x"])") ==
        "field mapping 1: must be a JSON object");
}

TEST_CASE("unknown, repeated and mistyped keys name the rule and the key") {
  CHECK(parse_problem(R"([{"target":"a","source":""},{"target":"email","source":"/e","colour":1}])") ==
        "field mapping 1 ('email'): unknown key 'colour'");
  // The target names the rule even when the unknown key comes first.
  CHECK(parse_problem(R"([{"colour":1,"target":"email","source":"/e"}])") ==
        "field mapping 0 ('email'): unknown key 'colour'");
  CHECK(parse_problem(R"([{"target":"email","source":"/e","source":"/f"}])") ==
        "field mapping 0 ('email'): duplicate key 'source'");
  CHECK(parse_problem(R"([{"target":1,"source":"/e"}])") ==
        "field mapping 0: 'target' must be a string");
  CHECK(parse_problem(R"([{"target":"a","source":["/e"]}])") ==
        "field mapping 0 ('a'): 'source' must be a string");
  CHECK(parse_problem(R"([{"target":"a","source":"","transform":"trim"}])") ==
        "field mapping 0 ('a'): 'transform' must be an array");
  CHECK(parse_problem(R"([{"target":"a","source":"","required":"yes"}])") ==
        "field mapping 0 ('a'): 'required' must be true or false");
  CHECK(parse_problem(R"([{"source":"/e"}])") == "field mapping 0: missing required key 'target'");
  CHECK(parse_problem(R"([{"target":"a"}])") == "field mapping 0 ('a'): missing required key 'source'");
}

TEST_CASE("targets: 1..128 bytes of UTF-8 without control characters, unique") {
  CHECK(validate_problem({rule("", "/a")}) == "field mapping 0 (''): 'target' must not be empty");
  validate_field_mappings({rule(std::string(128, 'x'), "/a")});
  CHECK(validate_problem({rule(std::string(129, 'x'), "/a")}).find(
            "'target' is longer than 128 bytes") != std::string::npos);
  validate_field_mappings({rule("prénom", "/a"), rule("名前", "/b")});
  CHECK(validate_problem({rule("a\xff", "/a")}) ==
        "field mapping 0 ('a\\xff'): 'target' must be valid UTF-8");
  for (const std::string bad : std::vector<std::string>{"a\nb", std::string("a\0b", 3), "tab\t", "del\x7f", "c1\xc2\x85"}) {
    CAPTURE(bad);
    CHECK(validate_problem({rule(bad, "/a")}).find("'target' must not contain control characters") !=
          std::string::npos);
  }
  CHECK(validate_problem({rule("a", "/a"), rule("b", "/b"), rule("a", "/c")}) ==
        "field mapping 2 ('a'): 'target' repeats an earlier rule's target");
}

TEST_CASE("sources: JSON Pointers of at most 1024 bytes") {
  validate_field_mappings({rule("a", ""), rule("b", "/"), rule("c", "/a~0b/c~1d/0/-")});
  CHECK(validate_problem({rule("a", "a/b")}) ==
        "field mapping 0 ('a'): 'source' is not a JSON Pointer: it must be \"\" or start with '/'");
  for (const std::string bad : {"/a~", "/a~2", "/~x", "/~/"}) {
    CAPTURE(bad);
    CHECK(validate_problem({rule("a", bad)}) ==
          "field mapping 0 ('a'): 'source' is not a JSON Pointer: it may hold '~' only as ~0 or ~1");
  }
  CHECK(validate_problem({rule("a", "/\xc3")}).find("must be valid UTF-8") != std::string::npos);
  validate_field_mappings({rule("a", "/" + std::string(1023, 'x'))});
  CHECK(validate_problem({rule("a", "/" + std::string(1024, 'x'))}).find(
            "is longer than 1024 bytes") != std::string::npos);
}

TEST_CASE("at most 16 transforms") {
  auto mapping = rule("a", "/a");
  mapping.transforms.assign(16, Transform::trim);
  validate_field_mappings({mapping});
  mapping.transforms.push_back(Transform::trim);
  CHECK(validate_problem({mapping}) == "field mapping 0 ('a'): 'transform' has more than 16 entries");
  std::string json = R"([{"target":"a","source":"","transform":[)";
  for (int i = 0; i < 17; ++i) json += i == 0 ? "\"trim\"" : ",\"trim\"";
  CHECK(parse_problem(json + "]}]") == "field mapping 0 ('a'): 'transform' has more than 16 entries");
}

TEST_CASE("defaults: one JSON value of at most 4 KiB, not null, not with required") {
  auto mapping = rule("a", "/a");
  for (const std::string good : {"1", "\"x\"", "{\"k\":[1,2]}", " true ", "-0.5e3"}) {
    mapping.default_json = good;
    validate_field_mappings({mapping});
  }
  for (const std::string bad : {"", "x", "[1,", "1 2", "\"\xff\""}) {
    CAPTURE(bad);
    mapping.default_json = bad;
    CHECK(validate_problem({mapping}) == "field mapping 0 ('a'): 'default' must be one valid JSON value");
  }
  mapping.default_json = "null";
  CHECK(validate_problem({mapping}) ==
        "field mapping 0 ('a'): 'default' must not be null (leave it unset)");
  mapping.default_json = "\"" + std::string(4094, 'x') + "\"";
  validate_field_mappings({mapping});
  mapping.default_json = "\"" + std::string(4095, 'x') + "\"";
  CHECK(validate_problem({mapping}) == "field mapping 0 ('a'): 'default' is longer than 4096 bytes");
  mapping.default_json = "1";
  mapping.required = true;
  CHECK(validate_problem({mapping}) ==
        "field mapping 0 ('a'): 'required' and 'default' exclude each other");
  CHECK(parse_problem(R"([{"target":"a","source":"","required":true,"default":0}])") ==
        "field mapping 0 ('a'): 'required' and 'default' exclude each other");
  // required with a null default is fine: null means none.
  CHECK(parse_field_mappings_json(R"([{"target":"a","source":"","required":true,"default":null}])")[0].required);
}

TEST_CASE("at most 256 rules") {
  std::vector<FieldMapping> mappings;
  for (int i = 0; i < 256; ++i) mappings.push_back(rule("f" + std::to_string(i), "/x"));
  validate_field_mappings(mappings);
  const auto json = to_json(mappings);
  CHECK(parse_field_mappings_json(json).size() == 256);
  mappings.push_back(rule("extra", "/x"));
  CHECK(validate_problem(mappings) == "field mappings: more than 256 rules");
  CHECK(parse_problem(to_json(mappings)) == "field mappings: more than 256 rules");
}

TEST_CASE("to_json writes every key, the default canonically, and reads back the same") {
  auto first = rule("email", "/contact/email");
  first.transforms = {Transform::trim, Transform::lower};
  first.required = true;
  auto second = rule("tier \"x\"", "/a~1b");
  second.default_json = R"( { "plan" : [ 1.0 , "b" ] } )";
  CHECK(to_json({first, second}) ==
        R"([{"target":"email","source":"/contact/email","transform":["trim","lower"],"required":true},)"
        R"({"target":"tier \"x\"","source":"/a~1b","transform":[],"required":false,"default":{"plan":[1,"b"]}}])");
  const auto parsed = parse_field_mappings_json(to_json({first, second}));
  REQUIRE(parsed.size() == 2);
  CHECK(parsed[0].target == first.target);
  CHECK(parsed[0].transforms == first.transforms);
  CHECK(parsed[0].required);
  CHECK(parsed[1].target == second.target);
  CHECK(parsed[1].source == second.source);
  CHECK(*parsed[1].default_json == R"({"plan":[1,"b"]})");
  CHECK(to_json(parsed) == to_json({first, second}));
  CHECK(to_json({}) == "[]");
}

}  // TEST_SUITE
