// The authorization-code flow with PKCE (issue 10, RFC 7636 S256): the
// authorization URL parameter by parameter, the verifier the exchange gets
// against the challenge, states used once and expiring, failures, and the
// secrets kept out of the file.
#include "oauth_fixture.hpp"

#include "oauth/authorization_url.hpp"
#include "oauth/pkce.hpp"

#include <botan/hash.h>

#include <doctest/doctest.h>

#include <map>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

const std::string redirect = "https://app.example/oauth/callback?from=settings";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The query parameters of a URL, percent-decoded; CHECKs that every byte is
// either unreserved or a well-formed %XX escape.
std::multimap<std::string, std::string> query_of(const std::string& url) {
  std::multimap<std::string, std::string> out;
  const auto start = url.find('?');
  REQUIRE(start != std::string::npos);
  std::string name, value, *target = &name;
  const auto flush = [&] {
    out.emplace(name, value);
    name.clear();
    value.clear();
    target = &name;
  };
  for (std::size_t i = start + 1; i < url.size(); ++i) {
    const char c = url[i];
    if (c == '&') {
      flush();
    } else if (c == '=' && target == &name) {
      target = &value;
    } else if (c == '%') {
      REQUIRE(i + 2 < url.size());
      const int hi = hex_value(url[i + 1]), lo = hex_value(url[i + 2]);
      REQUIRE(hi >= 0);
      REQUIRE(lo >= 0);
      target->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      const bool unreserved = std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                              c == '.' || c == '_' || c == '~';
      CHECK_MESSAGE(unreserved, "unencoded byte in the query: ", c);
      target->push_back(c);
    }
  }
  flush();
  return out;
}

std::string only(const std::multimap<std::string, std::string>& query, const std::string& key) {
  REQUIRE(query.count(key) == 1);
  return query.find(key)->second;
}

std::string expected_challenge(std::string_view verifier) {
  const auto hash = Botan::HashFunction::create_or_throw("SHA-256");
  hash->update(reinterpret_cast<const std::uint8_t*>(verifier.data()), verifier.size());
  const auto digest = hash->final();
  return base64url(digest);
}

struct FlowFixture : OAuthFixture {
  FlowFixture() {
    OAuthClient client;
    client.client_id = "client id/with spaces";
    client.client_secret = make_secret("client-secret-mmmmmmmmmmmm");
    vault.configure_oauth_client("acme_oauth", client);
  }
  // The exchange: records what it was given and answers with tokens.
  std::string got_code, got_verifier, got_redirect, got_client_id, got_secret, got_token_url;
  int exchanges = 0;
  TokenExchange exchange() {
    return [this](const TokenExchangeRequest& request) {
      ++exchanges;
      got_code = request.code;
      got_verifier = text_of(request.code_verifier);
      got_redirect = request.redirect_uri;
      got_client_id = request.client_id;
      got_secret = request.client_secret ? text_of(*request.client_secret) : "";
      got_token_url = request.token_url;
      return grant("at-flow-nnnnnnnnnnnn", "rt-flow-oooooooooooo", 3600);
    };
  }
};

}  // namespace

TEST_CASE("base64url and percent-encoding") {
  const std::uint8_t bytes[] = {0xfb, 0xff, 0xfe, 0x00, 0x10};
  CHECK(base64url(std::span(bytes, 3)) == "-__-");
  CHECK(base64url(std::span(bytes, 5)) == "-__-ABA");
  CHECK(base64url(std::span(bytes, 4)) == "-__-AA");
  // RFC 7636 Appendix B.
  CHECK(expected_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  CHECK(code_challenge_s256(make_secret("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")) ==
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  CHECK(percent_encode("a b/c?d=e&f~g.h_i-j") == "a%20b%2Fc%3Fd%3De%26f~g.h_i-j");
  CHECK(percent_encode("\xC3\xA9") == "%C3%A9");
}

TEST_CASE("begin_oauth: a pending_auth integration and an authorization URL with PKCE") {
  FlowFixture f;
  const OAuthStart start = f.tenant.begin_oauth(admin, "acme_oauth", redirect);
  CHECK(start.state.size() == 43);
  CHECK(start.authorization_url.starts_with("https://auth.example/authorize?audience=api&"));
  const auto query = query_of(start.authorization_url);
  CHECK(only(query, "audience") == "api");
  CHECK(only(query, "response_type") == "code");
  CHECK(only(query, "client_id") == "client id/with spaces");
  CHECK(only(query, "redirect_uri") == redirect);
  CHECK(only(query, "scope") == "read write:all");  // the provider's defaults
  CHECK(only(query, "state") == start.state);
  CHECK(only(query, "code_challenge_method") == "S256");
  const std::string challenge = only(query, "code_challenge");
  CHECK(challenge.size() == 43);

  const Integration pending = f.tenant.get(start.integration_id);
  CHECK(pending.status == IntegrationStatus::pending_auth);
  CHECK(pending.provider == "acme_oauth");
  CHECK(pending.scopes == std::vector<std::string>{"read", "write:all"});
  CHECK(code_of([&] { f.tenant.reveal_credentials(admin, pending.id); }) ==
        ErrorCode::failed_precondition);

  const Integration connected =
      f.tenant.complete_oauth(admin, start.state, "code-123", f.exchange());
  CHECK(f.exchanges == 1);
  CHECK(f.got_code == "code-123");
  CHECK(f.got_redirect == redirect);
  CHECK(f.got_client_id == "client id/with spaces");
  CHECK(f.got_secret == "client-secret-mmmmmmmmmmmm");
  CHECK(f.got_token_url == "https://auth.example/token");
  // RFC 7636 §4.1: 43..128 characters of [A-Za-z0-9-._~].
  CHECK(f.got_verifier.size() >= 43);
  CHECK(f.got_verifier.size() <= 128);
  for (const char c : f.got_verifier) {
    CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
           c == '~'));
  }
  CHECK(expected_challenge(f.got_verifier) == challenge);

  CHECK(connected.id == start.integration_id);
  CHECK(connected.status == IntegrationStatus::connected);
  CHECK(connected.expires_at == f.clock->now_ms() + 3600 * 1000);
  CHECK(connected.connected_by == admin.user_id);
  const Credentials stored = f.tenant.reveal_credentials(admin, connected.id);
  CHECK(text_of(stored.at("access_token")) == "at-flow-nnnnnnnnnnnn");
  CHECK(text_of(stored.at("refresh_token")) == "rt-flow-oooooooooooo");
  const auto log = f.tenant.activity(connected.id);
  CHECK(log[1].action == "connected");
  CHECK(log[1].details.find(R"("oauth":true)") != std::string::npos);

  SUBCASE("the state is used once") {
    CHECK(code_of([&] { f.tenant.complete_oauth(admin, start.state, "code-123", f.exchange()); }) ==
          ErrorCode::invalid_argument);
    CHECK(f.exchanges == 1);
  }
  SUBCASE("a connected integration cannot begin again") {
    CHECK(code_of([&] { f.tenant.begin_oauth(admin, "acme_oauth", redirect); }) ==
          ErrorCode::already_exists);
  }
  f.vault.close();
  // Neither the verifier, the state, nor the client secret is in the file
  // (on PostgreSQL, in any column: test_postgres_store.cpp).
  if (!testing_postgres()) {
    const auto file = read_file(f.path);
    const auto wal = read_file(f.path + "-wal");
    for (const std::string& secret :
         {f.got_verifier, start.state, std::string("client-secret-mmmmmmmmmmmm")}) {
      CHECK_FALSE(contains(file, secret));
      CHECK_FALSE(contains(wal, secret));
    }
  }
}

TEST_CASE("complete_oauth refuses unknown, expired and other tenants' states and changes nothing") {
  FlowFixture f;
  const OAuthStart start = f.tenant.begin_oauth(admin, "acme_oauth", redirect);
  CHECK(code_of([&] { f.tenant.complete_oauth(admin, "no-such-state", "c", f.exchange()); }) ==
        ErrorCode::invalid_argument);
  Tenant other = f.vault.tenant("other");
  CHECK(code_of([&] { other.complete_oauth(admin, start.state, "c", f.exchange()); }) ==
        ErrorCode::invalid_argument);
  CHECK(f.exchanges == 0);
  // Still usable in the right tenant.
  SUBCASE("then completes in its own tenant") {
    f.tenant.complete_oauth(admin, start.state, "c", f.exchange());
    CHECK(f.tenant.get(start.integration_id).status == IntegrationStatus::connected);
  }
  SUBCASE("expires after 10 minutes") {
    f.clock->advance(10 * 60'000);
    CHECK(code_of([&] { f.tenant.complete_oauth(admin, start.state, "c", f.exchange()); }) ==
          ErrorCode::invalid_argument);
    CHECK(f.tenant.get(start.integration_id).status == IntegrationStatus::pending_auth);
  }
  SUBCASE("a member cannot complete") {
    CHECK(code_of([&] { f.tenant.complete_oauth(member, start.state, "c", f.exchange()); }) ==
          ErrorCode::permission_denied);
  }
}

TEST_CASE("an exchange that throws puts the integration in error, redacted") {
  FlowFixture f;
  const OAuthStart start = f.tenant.begin_oauth(admin, "acme_oauth", redirect);
  const TokenExchange failing = [](const TokenExchangeRequest& request) -> TokenGrant {
    throw std::runtime_error("invalid_client for secret " + text_of(*request.client_secret) +
                             " verifier " + text_of(request.code_verifier));
  };
  CHECK(code_of([&] { f.tenant.complete_oauth(admin, start.state, "code-x", failing); }) ==
        ErrorCode::upstream);
  const Integration after = f.tenant.get(start.integration_id);
  CHECK(after.status == IntegrationStatus::error);
  REQUIRE(after.last_error.has_value());
  CHECK(after.last_error->find("invalid_client") != std::string::npos);
  CHECK(after.last_error->find("client-secret-mmmm") == std::string::npos);
  CHECK(f.tenant.activity(after.id)[0].action == "status_error");

  SUBCASE("begin again reuses the integration") {
    const OAuthStart again = f.tenant.begin_oauth(admin, "acme_oauth", redirect);
    CHECK(again.integration_id == start.integration_id);
    CHECK(f.tenant.get(again.integration_id).status == IntegrationStatus::pending_auth);
    f.tenant.complete_oauth(admin, again.state, "code-y", f.exchange());
    CHECK(f.tenant.get(again.integration_id).status == IntegrationStatus::connected);
  }
  SUBCASE("an answer without an access token fails the same way") {
    const OAuthStart again = f.tenant.begin_oauth(admin, "acme_oauth", redirect);
    const TokenExchange empty = [](const TokenExchangeRequest&) { return grant(""); };
    CHECK(code_of([&] { f.tenant.complete_oauth(admin, again.state, "c", empty); }) ==
          ErrorCode::upstream);
  }
}

TEST_CASE("begin_oauth checks its inputs and the provider") {
  FlowFixture f;
  for (const char* bad : {"http://app.example/cb", "https://app.example/cb#frag", "/relative",
                          "https:// spaces.example", "ftp://x.example"}) {
    CAPTURE(bad);
    CHECK(code_of([&] { f.tenant.begin_oauth(admin, "acme_oauth", bad); }) ==
          ErrorCode::invalid_argument);
  }
  for (const char* loopback : {"http://localhost:8080/cb", "http://127.0.0.1/cb",
                               "http://[::1]:9000/cb"}) {
    CAPTURE(loopback);
    BeginOAuthOptions options;
    options.name = loopback;
    options.scopes = std::vector<std::string>{"only this"};
    const OAuthStart start = f.tenant.begin_oauth(admin, "acme_oauth", loopback, options);
    CHECK(only(query_of(start.authorization_url), "scope") == "only this");
  }
  CHECK(code_of([&] { f.tenant.begin_oauth(member, "acme_oauth", redirect); }) ==
        ErrorCode::permission_denied);
  CHECK(code_of([&] { f.tenant.begin_oauth(admin, "slack", redirect); }) ==
        ErrorCode::failed_precondition);  // not oauth2
  CHECK(code_of([&] { f.tenant.begin_oauth(admin, "gmail", redirect); }) ==
        ErrorCode::failed_precondition);  // no client configured
  CHECK(code_of([&] { f.tenant.begin_oauth(admin, "nope", redirect); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.vault.configure_oauth_client("slack", OAuthClient{"id", {}}); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] { f.vault.configure_oauth_client("acme_oauth", OAuthClient{"", {}}); }) ==
        ErrorCode::invalid_argument);

  SUBCASE("the quota counts pending integrations") {
    f.tenant.set_quota(admin, 3);  // three loopback ones exist
    CHECK(code_of([&] { f.tenant.begin_oauth(admin, "acme_oauth", redirect); }) ==
          ErrorCode::quota_exceeded);
  }
  SUBCASE("a disconnected integration comes back in place") {
    f.vault.configure_oauth_client("gmail", OAuthClient{"gmail-client", {}});
    ConnectOptions options;
    const Integration old = f.tenant.connect(admin, "gmail", creds({{"access_token", "a"}}));
    f.tenant.disconnect(admin, old.id);
    const OAuthStart start = f.tenant.begin_oauth(admin, "gmail", redirect);
    CHECK(start.integration_id == old.id);
    CHECK(start.authorization_url.starts_with("https://accounts.google.com/o/oauth2/v2/auth?"));
    CHECK(f.tenant.get(old.id).status == IntegrationStatus::pending_auth);
    f.tenant.complete_oauth(admin, start.state, "c", f.exchange());
    CHECK(f.got_secret.empty());  // gmail's client has no secret
    CHECK(f.got_token_url == "https://oauth2.googleapis.com/token");
  }
}
