// The plaintext encoding of credentials (docs/FORMAT.md, "Credential
// plaintext encoding") and the credentials JSON of the C ABI / Python
// boundary.
#include "vault/credential_codec.hpp"

#include "linkvault/error.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace linkvault;

namespace {

Credentials make(std::initializer_list<std::pair<std::string, std::string>> fields) {
  Credentials credentials;
  for (const auto& [name, value] : fields) credentials.emplace(name, make_secret(value));
  return credentials;
}

std::vector<std::uint8_t> bytes_of(std::initializer_list<int> values) {
  std::vector<std::uint8_t> out;
  for (const int value : values) out.push_back(static_cast<std::uint8_t>(value));
  return out;
}

std::string text_of(const SecretBytes& secret) { return std::string(secret_view(secret)); }

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

}  // namespace

TEST_CASE("credential codec: the encoding is the documented byte layout") {
  const auto encoded = encode_credentials(make({{"b", "xy"}, {"a", ""}}));
  // version, count 2, then "a" (name order) with an empty value, then "b".
  const auto expected = bytes_of({0x01, 0, 0, 0, 2,
                                  0, 0, 0, 1, 'a', 0, 0, 0, 0,
                                  0, 0, 0, 1, 'b', 0, 0, 0, 2, 'x', 'y'});
  CHECK(std::vector<std::uint8_t>(encoded.begin(), encoded.end()) == expected);
  const auto empty = encode_credentials({});
  CHECK(std::vector<std::uint8_t>(empty.begin(), empty.end()) ==
        std::vector<std::uint8_t>{0x01, 0, 0, 0, 0});
}

TEST_CASE("credential codec: encode and decode round-trip") {
  SUBCASE("empty") { CHECK(decode_credentials(encode_credentials({})).empty()); }
  SUBCASE("several fields, any bytes") {
    Credentials credentials = make({{"bot_token", "xoxb-123"},
                                    {"signing_secret", std::string("s\0\xff\n\"tail", 9)},
                                    {"unicode", "\xE2\x82\xAC\xF0\x9F\x98\x80"}});
    credentials.emplace("binary", SecretBytes{0, 1, 2, 255});
    credentials.emplace("big", SecretBytes(70000, 0xAB));
    const auto decoded = decode_credentials(encode_credentials(credentials));
    CHECK(decoded == credentials);
  }
  SUBCASE("equal credentials encode to equal bytes") {
    Credentials first;
    first.emplace("z", make_secret("1"));
    first.emplace("a", make_secret("2"));
    Credentials second;
    second.emplace("a", make_secret("2"));
    second.emplace("z", make_secret("1"));
    CHECK(encode_credentials(first) == encode_credentials(second));
  }
}

TEST_CASE("credential codec: malformed encodings are INTEGRITY") {
  const auto good = encode_credentials(make({{"a", "1"}, {"b", "22"}}));
  const std::vector<std::uint8_t> valid(good.begin(), good.end());

  std::vector<std::vector<std::uint8_t>> bad = {
      {},
      bytes_of({0x01}),
      bytes_of({0x01, 0, 0, 0}),
      bytes_of({0x02, 0, 0, 0, 0}),                                     // unknown version
      bytes_of({0x00, 0, 0, 0, 0}),
      bytes_of({0x01, 0, 0, 0, 1}),                                     // count, no field
      bytes_of({0x01, 0xff, 0xff, 0xff, 0xff}),                         // absurd count
      bytes_of({0x01, 0, 0, 0, 1, 0, 0, 0, 5, 'a'}),                    // name runs past end
      bytes_of({0x01, 0, 0, 0, 1, 0, 0, 0, 1, 'a', 0, 0, 0, 9, 'x'}),   // value runs past end
      bytes_of({0x01, 0, 0, 0, 1, 0, 0, 0, 1, 'a', 0, 0, 0}),           // truncated length
      bytes_of({0x01, 0, 0, 0, 1, 0, 0, 0, 1, 'a', 0, 0, 0, 0, 0}),     // trailing byte
      bytes_of({0x01, 0, 0, 0, 0, 0}),                                  // trailing after empty
      bytes_of({0x01, 0, 0, 0, 2, 0, 0, 0, 1, 'b', 0, 0, 0, 0,          // out of order
                0, 0, 0, 1, 'a', 0, 0, 0, 0}),
      bytes_of({0x01, 0, 0, 0, 2, 0, 0, 0, 1, 'a', 0, 0, 0, 0,          // repeated name
                0, 0, 0, 1, 'a', 0, 0, 0, 0}),
      bytes_of({0x01, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 'a', 0, 0, 0, 0}),
  };
  // Every truncation and every extension of a valid encoding.
  for (std::size_t size = 0; size < valid.size(); ++size) {
    bad.emplace_back(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(size));
  }
  auto extended = valid;
  extended.push_back(0);
  bad.push_back(extended);

  for (const auto& encoded : bad) {
    INFO("size ", encoded.size());
    const auto error = caught([&] { decode_credentials(encoded); });
    CHECK(error.code() == ErrorCode::integrity);
    CHECK(std::string(error.what()) == "sealed credentials are malformed");
  }
}

TEST_CASE("credential codec: parse_credentials_json reads an object of strings") {
  SUBCASE("plain") {
    const auto credentials = parse_credentials_json(R"({"bot_token":"xoxb-1","signing_secret":"s"})");
    REQUIRE(credentials.size() == 2);
    CHECK(text_of(credentials.at("bot_token")) == "xoxb-1");
    CHECK(text_of(credentials.at("signing_secret")) == "s");
  }
  SUBCASE("empty object and whitespace") {
    CHECK(parse_credentials_json(" \n{ }\t").empty());
    const auto credentials = parse_credentials_json("  {  \"a\"  :  \"x\"  ,\n \"b\":\"\" }  ");
    CHECK(text_of(credentials.at("a")) == "x");
    CHECK(text_of(credentials.at("b")).empty());
  }
  SUBCASE("escapes are decoded") {
    const auto credentials = parse_credentials_json(
        R"({"k":"q\"b\\s\/n\nr\rt\tb\bf\f","u":"\u00e9\u20AC\ud83d\ude00\u0000end","e\u0301":"x"})");
    CHECK(text_of(credentials.at("k")) == "q\"b\\s/n\nr\rt\tb\bf\f");
    CHECK(text_of(credentials.at("u")) ==
          std::string("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80") + std::string(1, '\0') + "end");
    CHECK(credentials.count("e\xCC\x81") == 1);
  }
  SUBCASE("raw UTF-8 passes through") {
    const auto credentials = parse_credentials_json("{\"pw\":\"p\xC3\xA4ss\xF0\x9F\x94\x91\"}");
    CHECK(text_of(credentials.at("pw")) == "p\xC3\xA4ss\xF0\x9F\x94\x91");
  }
}

TEST_CASE("credential codec: bad credentials JSON is INVALID_ARGUMENT") {
  const std::string canary = "CANARY-secret-9f8e";
  // {json, text the message must contain}
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"   ", "not valid JSON"},
      {"{", "not valid JSON"},
      {R"({"a":")" + canary + "\"", "not valid JSON"},
      {R"({"a":")" + canary + R"(",})", "not valid JSON"},
      {R"({"a":")" + canary + R"(" "b":"x"})", "not valid JSON"},
      {R"({"a":")" + canary + R"("} {})", "not valid JSON"},
      {R"({"a":")" + canary + R"("}})", "not valid JSON"},
      // On-Demand alone skipped what it did not read: these got through.
      {R"({"bot_token":")" + canary + R"(":[1]}})", "not valid JSON"},
      {R"({"a":")" + canary + R"(" : 1})", "not valid JSON"},
      {R"({"a":")" + canary + R"(","b":"x",})", "not valid JSON"},
      {R"({"a":")" + canary + R"("}])", "not valid JSON"},
      {R"({"a":")" + canary + R"("} x)", "not valid JSON"},
      {"[]", "must be a JSON object"},
      {R"(")" + canary + R"(")", "must be a JSON object"},
      {"null", "must be a JSON object"},
      {"{\"a\":\"" + canary + "\xff\"}", "not valid JSON"},            // bad UTF-8
      {"{\"a\":\"" + canary + "\x01\"}", "not valid JSON"},            // raw control char
      {R"({"a":")" + canary + R"(\x"})", "'a' has an invalid escape"},
      {R"({"a":")" + canary + R"(\u12"})", "'a' has an invalid escape"},
      {R"({"a":")" + canary + R"(\ud83d"})", "'a' has an invalid escape"},  // lone high
      {R"({"a":")" + canary + R"(\ude00"})", "'a' has an invalid escape"},  // lone low
      {R"({"a":")" + canary + R"(\ud83d\u0041"})", "'a' has an invalid escape"},
      {R"({"a":")" + canary + R"(","a":"x"})", "duplicate key 'a'"},
      {R"({"token":1})", "the value of 'token' must be a string"},
      {R"({"a":")" + canary + R"(","token":true})", "the value of 'token' must be a string"},
      {R"({"token":null})", "'token' must be a string"},
      {R"({"token":["x"]})", "'token' must be a string"},
      {R"({"token":{"v":"x"}})", "'token' must be a string"},
  };
  for (const auto& bad : cases) {
    // Named, not a structured binding: clang 14 cannot capture bindings.
    const auto& json = bad.first;
    const auto& expected = bad.second;
    INFO("json: ", json);
    const auto error = caught([&] { parse_credentials_json(json); });
    CHECK(error.code() == ErrorCode::invalid_argument);
    const std::string message = error.what();
    CHECK_MESSAGE(message.find(expected) != std::string::npos, "message: ", message);
    CHECK(message.find(canary) == std::string::npos);
  }
}

TEST_CASE("credential codec: credentials_to_json writes an object parse reads back") {
  const auto credentials = make({{"b", "plain"},
                                 {"a", "q\"b\\n\nc\x01\x1f" + std::string(1, '\0')},
                                 {"u", "\xE2\x82\xAC\xF0\x9F\x98\x80"}});
  const auto json = credentials_to_json(credentials);
  CHECK(text_of(json) ==
        "{\"a\":\"q\\\"b\\\\n\\nc\\u0001\\u001f\\u0000\",\"b\":\"plain\","
        "\"u\":\"\xE2\x82\xAC\xF0\x9F\x98\x80\"}");
  CHECK(parse_credentials_json(secret_view(json)) == credentials);
  CHECK(text_of(credentials_to_json({})) == "{}");

  SUBCASE("a value that is not UTF-8 cannot be written as JSON") {
    const auto error = caught([] { credentials_to_json(make({{"pw", "\xff-CANARY"}})); });
    CHECK(error.code() == ErrorCode::invalid_argument);
    CHECK(std::string(error.what()).find("'pw'") != std::string::npos);
    CHECK(std::string(error.what()).find("CANARY") == std::string::npos);
  }
}
