// A tester's message may quote the credentials it was given. Whatever the
// outcome (pass, failure, exception), the message is redacted before it is
// stored as last_error or in the activity log, and returned redacted too
// (docs/SEMANTICS.md, test).
#include "core/json_text.hpp"
#include "vault/redaction.hpp"
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

const std::string bullets(redaction_mark);
constexpr const char* token = "xoxb-1234567890-abcdefghij";

}  // namespace

TEST_CASE("redact_credentials replaces every occurrence of every value") {
  const auto credentials = creds({{"bot_token", "tok-SECRET-1"}, {"signing_secret", "sig9"}});
  SUBCASE("whole, embedded in a longer word, and repeated") {
    CHECK(redact_credentials("bad tok-SECRET-1; also xtok-SECRET-1y and tok-SECRET-1", credentials) ==
          "bad " + bullets + "; also x" + bullets + "y and " + bullets);
  }
  SUBCASE("every field, secret or not") {
    CHECK(redact_credentials("sig9:tok-SECRET-1", credentials) == bullets + ":" + bullets);
  }
  SUBCASE("text without a value is unchanged") {
    CHECK(redact_credentials("connection refused", credentials) == "connection refused");
    CHECK(redact_credentials("", credentials).empty());
    CHECK(redact_credentials("tok-SECRET-1", {}) == "tok-SECRET-1");
  }
  SUBCASE("values shorter than the minimum are left alone") {
    CHECK(min_redacted_value_bytes == 4);
    const auto short_values = creds({{"a", "abc"}, {"b", "x"}, {"c", ""}});
    CHECK(redact_credentials("abc x 1 abcabc", short_values) == "abc x 1 abcabc");
    CHECK(redact_credentials("abcd", creds({{"a", "abcd"}})) == bullets);
  }
  SUBCASE("overlapping or touching occurrences become one mark") {
    const auto overlapping = creds({{"a", "abcd1234"}, {"b", "1234wxyz"}});
    CHECK(redact_credentials("<abcd1234wxyz>", overlapping) == "<" + bullets + ">");
    CHECK(redact_credentials("abcd1234abcd1234", overlapping) == bullets);
  }
  SUBCASE("the JSON-escaped form of a value too") {
    const auto quoted = creds({{"pw", "pa\"ss\\word"}});
    CHECK(redact_credentials(R"(got {"pw":"pa\"ss\\word"})", quoted) ==
          "got {\"pw\":\"" + bullets + "\"}");
    CHECK(redact_credentials("raw pa\"ss\\word", quoted) == "raw " + bullets);
  }
}

TEST_CASE("wipe_string zeroes the buffer and empties the string") {
  std::string text(100, 'x');
  const char* const data = text.data();
  text.resize(10);  // the tail past size() must be wiped as well
  wipe_string(text);
  CHECK(text.empty());
  CHECK(text.data() == data);
  bool all_zero = true;
  for (std::size_t i = 0; i < 100; ++i) all_zero = all_zero && data[i] == '\0';
  CHECK(all_zero);
}

TEST_CASE("a tester's message quoting the token is stored and returned redacted") {
  VaultFixture f;
  auto acme = f.vault.tenant("acme");
  const auto integration = f.connect_slack(acme, "default", token);
  const std::string quoted = std::string("401 for ") + token + " (retry with x" + token + "y)";
  const std::string expected = "401 for " + bullets + " (retry with x" + bullets + "y)";

  SUBCASE("a failure") {
    const TestResult result = acme.test(admin, integration.id, [&](const Credentials&) {
      return TestResult{false, quoted};
    });
    CHECK_FALSE(result.success);
    CHECK(result.message == expected);
    CHECK(acme.get(integration.id).last_error == expected);
    const auto entry = acme.activity(integration.id).front();
    CHECK(entry.action == action::test_failed);
    CHECK(entry.details == "{\"message\":" + json_quote(expected) + "}");
  }
  SUBCASE("a pass") {
    const TestResult result = acme.test(admin, integration.id, [&](const Credentials&) {
      return TestResult{true, quoted};
    });
    CHECK(result.success);
    CHECK(result.message == expected);
    const auto entry = acme.activity(integration.id).front();
    CHECK(entry.action == action::test_success);
    CHECK(entry.details == "{\"message\":" + json_quote(expected) + "}");
  }
  SUBCASE("a thrown exception") {
    const TestResult result = acme.test(admin, integration.id, [&](const Credentials&) -> TestResult {
      throw std::runtime_error(quoted);
    });
    CHECK_FALSE(result.success);
    CHECK(result.message == "tester failed: " + expected);
    CHECK(acme.get(integration.id).last_error == "tester failed: " + expected);
    CHECK(acme.activity(integration.id).front().details ==
          "{\"message\":" + json_quote("tester failed: " + expected) + "}");
  }
  CHECK(acme.get(integration.id).credential_mask == bullets + "ghij");
}
