// Credential validation against a provider's fields and the display mask
// (DESIGN.md §5). Every rejection names the field and never the value.
#include "vault/credential_rules.hpp"

#include "linkvault/error.hpp"
#include "linkvault/provider.hpp"
#include "vault/builtin_providers.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace linkvault;

namespace {

// A value no message may ever contain.
constexpr std::string_view canary = "CANARY-s3cr3t-VALUE";

Credentials make(std::initializer_list<std::pair<std::string, std::string>> fields) {
  Credentials credentials;
  for (const auto& [name, value] : fields) credentials.emplace(name, make_secret(value));
  return credentials;
}

ProviderSpec test_spec() {
  return parse_provider_spec(R"({
    "key": "rules", "name": "Rules", "auth_type": "api_key",
    "credential_fields": [
      {"name": "login", "type": "text"},
      {"name": "token", "type": "secret"},
      {"name": "endpoint", "type": "url", "required": false},
      {"name": "contact", "type": "email", "required": false},
      {"name": "extra", "type": "secret", "required": false}
    ]})");
}

// Expects INVALID_ARGUMENT whose message contains `field` and no value.
void check_rejected(const ProviderSpec& spec, const Credentials& credentials,
                    std::string_view field, std::string_view fragment = {}) {
  try {
    validate_credentials(spec, credentials);
    FAIL("accepted credentials that should be rejected (field ", field, ")");
  } catch (const Error& error) {
    const std::string message = error.what();
    INFO("message: ", message);
    CHECK(error.code() == ErrorCode::invalid_argument);
    CHECK(message.find("'" + std::string(field) + "'") != std::string::npos);
    if (!fragment.empty()) CHECK(message.find(fragment) != std::string::npos);
    CHECK(message.find(canary) == std::string::npos);
    for (const auto& [name, value] : credentials) {
      if (value.size() >= 6) CHECK(message.find(secret_view(value)) == std::string::npos);
    }
  }
}

std::string with_canary(std::string_view text) { return std::string(text) + std::string(canary); }

}  // namespace

TEST_CASE("credential rules: valid credentials pass") {
  const auto spec = test_spec();
  CHECK_NOTHROW(validate_credentials(spec, make({{"login", "me"}, {"token", "t"}})));
  CHECK_NOTHROW(validate_credentials(
      spec, make({{"login", "me"},
                  {"token", "tok"},
                  {"endpoint", "https://api.example.com/v1?x=1#frag"},
                  {"contact", "ops@example.com"},
                  {"extra", "\xE2\x82\xAC uro"}})));
  SUBCASE("optional fields may be empty") {
    CHECK_NOTHROW(validate_credentials(
        spec, make({{"login", "me"}, {"token", "t"}, {"endpoint", ""}, {"extra", ""}})));
  }
  SUBCASE("values up to 64 KiB") {
    CHECK_NOTHROW(validate_credentials(
        spec, make({{"login", "me"}, {"token", std::string(64 * 1024, 'x')}})));
  }
}

TEST_CASE("credential rules: a missing or empty required field is rejected") {
  const auto spec = test_spec();
  check_rejected(spec, make({{"login", with_canary("me")}}), "token", "is required");
  check_rejected(spec, make({{"token", with_canary("t")}}), "login", "is required");
  check_rejected(spec, make({{"login", with_canary("me")}, {"token", ""}}), "token",
                 "must not be empty");
  check_rejected(spec, make({}), "login", "is required");
}

TEST_CASE("credential rules: an unknown field is rejected, naming it and the provider") {
  const auto spec = test_spec();
  check_rejected(spec, make({{"login", "me"}, {"token", "t"}, {"tokne", with_canary("x")}}),
                 "tokne", "provider 'rules'");
}

TEST_CASE("credential rules: a value that is not valid UTF-8 is rejected") {
  const auto spec = test_spec();
  check_rejected(spec, make({{"login", "me"}, {"token", with_canary("\xff\xfe")}}), "token",
                 "UTF-8");
  check_rejected(spec, make({{"login", with_canary("\xc3\x28")}, {"token", "t"}}), "login",
                 "UTF-8");
  // Overlong encoding and an encoded surrogate are not UTF-8 either.
  check_rejected(spec, make({{"login", "me"}, {"token", with_canary("\xc0\xaf")}}), "token");
  check_rejected(spec, make({{"login", "me"}, {"token", with_canary("\xed\xa0\x80")}}), "token");
}

TEST_CASE("credential rules: a value over 64 KiB is rejected") {
  const auto spec = test_spec();
  check_rejected(spec, make({{"login", "me"}, {"token", with_canary(std::string(64 * 1024, 'x'))}}),
                 "token", "65536");
}

TEST_CASE("credential rules: more than 64 fields are rejected") {
  const auto spec = test_spec();
  Credentials credentials = make({{"login", "me"}, {"token", "t"}});
  for (int i = 0; credentials.size() <= 64; ++i) {
    credentials.emplace("f" + std::to_string(i), make_secret(canary));
  }
  try {
    validate_credentials(spec, credentials);
    FAIL("65 fields accepted");
  } catch (const Error& error) {
    CHECK(error.code() == ErrorCode::invalid_argument);
    const std::string message = error.what();
    CHECK(message.find("too many credential fields") != std::string::npos);
    CHECK(message.find("65") != std::string::npos);
    CHECK(message.find(canary) == std::string::npos);
  }
}

TEST_CASE("credential rules: url fields need an absolute https:// URL") {
  const auto spec = test_spec();
  const auto with_url = [](const std::string& url) {
    return make({{"login", "me"}, {"token", "t"}, {"endpoint", url}});
  };
  SUBCASE("accepted") {
    for (const char* url :
         {"https://example.com", "https://example.com/", "HTTPS://Example.COM/path",
          "https://api.example.com:8443/v1", "https://user:pw@example.com/x",
          "https://[::1]:8443/", "https://[2001:db8::1]", "https://example.com?q=1",
          "https://b\xC3\xBC" "cher.example/\xE2\x82\xAC"}) {
      INFO("url: ", url);
      CHECK_NOTHROW(validate_credentials(spec, with_url(url)));
    }
  }
  SUBCASE("rejected, naming the field and never the URL") {
    for (const std::string url :
         {with_canary("http://example.com/"), with_canary("ftp://example.com/"),
          with_canary("example.com/"), with_canary("//example.com/"), with_canary("https:/x"),
          "https:///" + with_canary(""), "https://?" + with_canary(""),
          "https://:443/" + with_canary(""), "https://user@/" + with_canary(""),
          "https://" + with_canary("h") + ":port/", "https://" + with_canary("h") + ":99999/",
          "https://" + with_canary("h") + ":/", "https://[::1" + with_canary(""),
          "https://[]/" + with_canary(""), "https://[::1]x/" + with_canary(""),
          "https://ex ample.com/" + with_canary(""), "https://example.com/a b" + with_canary(""),
          " https://example.com/" + with_canary(""), "https://example.com/" + with_canary("") + "\n",
          "https://example.com/\t" + with_canary(""), "https://example.com/\x7f" + with_canary(""),
          "https://example.com/\xC2\x85" + with_canary(""),      // NEL (C1 control)
          "https://example.com/\xC2\xA0" + with_canary(""),      // no-break space
          "https://example.com/\xE2\x80\xA8" + with_canary(""),  // line separator
          "https://example.com/\xE3\x80\x80" + with_canary("")}) {  // ideographic space
      INFO("url: ", url);
      check_rejected(spec, with_url(url), "endpoint", "https://");
    }
  }
  SUBCASE("the built-in custom provider's base_url") {
    const BuiltinProviders& catalog = BuiltinProviders::instance();
    const auto custom = catalog.get("custom");
    CHECK_NOTHROW(validate_credentials(
        custom, make({{"api_key", "k"}, {"base_url", "https://api.example.com/v1"}})));
    check_rejected(custom, make({{"api_key", "k"}, {"base_url", with_canary("http://x/")}}),
                   "base_url");
    check_rejected(custom, make({{"api_key", with_canary("k")}}), "base_url", "is required");
  }
}

TEST_CASE("credential rules: email fields need one '@' with text on both sides") {
  const auto spec = test_spec();
  const auto with_email = [](const std::string& email) {
    return make({{"login", "me"}, {"token", "t"}, {"contact", email}});
  };
  CHECK_NOTHROW(validate_credentials(spec, with_email("a@b")));
  CHECK_NOTHROW(validate_credentials(spec, with_email("first.last+tag@example.co.uk")));
  for (const std::string email : {with_canary("no-at-sign"), "@" + with_canary("example.com"),
                                  with_canary("user") + "@", with_canary("a") + "@b@c",
                                  with_canary("a") + "@@b"}) {
    INFO("email: ", email);
    check_rejected(spec, with_email(email), "contact", "e-mail");
  }
}

TEST_CASE("credential rules: rejected field names are quoted safely") {
  const auto spec = test_spec();
  try {
    validate_credentials(spec, make({{"login", "me"}, {"token", "t"}, {"bad\n'name", "v"}}));
    FAIL("unknown field accepted");
  } catch (const Error& error) {
    CHECK(std::string(error.what()).find(R"('bad\x0a\'name')") != std::string::npos);
  }
}

TEST_CASE("credential rules: the mask shows the last 4 characters of a long first secret") {
  const auto spec = test_spec();  // first secret field: token (after the text field login)
  const std::string bullets = "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2";

  SUBCASE("12 characters or more: bullets and the last 4") {
    CHECK(credential_mask(spec, make({{"login", "me"}, {"token", "abcdefghijkl"}})) ==
          bullets + "ijkl");
    CHECK(credential_mask(spec, make({{"token", "xoxb-1234567890-abcd"}})) == bullets + "abcd");
  }
  SUBCASE("exactly 11 characters: bullets only") {
    CHECK(credential_mask(spec, make({{"token", "abcdefghijk"}})) == bullets);
  }
  SUBCASE("short, empty or absent secret: bullets only") {
    CHECK(credential_mask(spec, make({{"token", "abc"}})) == bullets);
    CHECK(credential_mask(spec, make({{"token", ""}})) == bullets);
    CHECK(credential_mask(spec, make({{"login", "a-long-login-name"}})) == bullets);
  }
  SUBCASE("only the first secret field counts, not the first field or a later secret") {
    CHECK(credential_mask(spec, make({{"login", "a-long-login-name"},
                                      {"token", "short"},
                                      {"extra", "another-long-secret"}})) == bullets);
  }
  SUBCASE("characters are code points, not bytes") {
    // 12 code points, 4 of them multi-byte: "€" (3 bytes), "ü" (2), "😀" (4), "ß" (2).
    const std::string twelve = "abcdefgh\xE2\x82\xAC\xC3\xBC\xF0\x9F\x98\x80\xC3\x9F";
    CHECK(credential_mask(spec, make({{"token", twelve}})) ==
          bullets + "\xE2\x82\xAC\xC3\xBC\xF0\x9F\x98\x80\xC3\x9F");
    // 11 code points but 20 bytes: too short.
    const std::string eleven = "abcdefg\xE2\x82\xAC\xC3\xBC\xF0\x9F\x98\x80\xC3\x9F";
    CHECK(eleven.size() >= 12);
    CHECK(credential_mask(spec, make({{"token", eleven}})) == bullets);
    // 12 emoji: the last 4 whole.
    std::string emoji;
    for (int i = 0; i < 12; ++i) emoji += "\xF0\x9F\x98\x80";
    CHECK(credential_mask(spec, make({{"token", emoji}})) ==
          bullets + "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
  }
  SUBCASE("a value that is not UTF-8 is never partly shown") {
    CHECK(credential_mask(spec, make({{"token", "abcdefghijk\xff"}})) == bullets);
  }
  SUBCASE("a provider without a secret field") {
    const auto plain = parse_provider_spec(R"({"key":"p","name":"P","auth_type":"basic",
        "credential_fields":[{"name":"user","type":"text"}]})");
    CHECK(credential_mask(plain, make({{"user", "a-very-long-user-name"}})) == bullets);
  }
  SUBCASE("built-ins: slack masks bot_token") {
    const BuiltinProviders& catalog = BuiltinProviders::instance();
    CHECK(credential_mask(catalog.get("slack"),
                          make({{"bot_token", "xoxb-000000000-zz9Q"},
                                {"signing_secret", "ffffffffffffffff"}})) == bullets + "zz9Q");
    CHECK(credential_mask(catalog.get("lightblue"),
                          make({{"username", "studio@example.com"}, {"password", "hunter2hunter2"}})) ==
          bullets + "ter2");
  }
}
