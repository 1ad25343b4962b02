// The OAuth functions of the C ABI, one fuzzed parameter per run, on a
// registered oauth2 provider with a configured client. The first byte picks
// the call (mod 8); the rest is the text:
//   0 tokens_json a refresher answers   1 tokens_json a token exchange answers
//   2 valid_credentials(options_json)   3 refresh_expiring(options_json)
//   4 oauth_begin(options_json)         5 oauth_begin(redirect_uri)
//   6 rate_penalize(retry_after_seconds, the first 8 bytes as a double)
//   7 rate_acquire(cost, the first 8 bytes as an int64)
// The tokens parser is held to what the vault does with its answer: an
// answer lv_token_reply_set took is used (the refresh or exchange succeeds
// and the new access_token is the one simdjson reads from the same text); an
// answer it refused leaves the callback without an answer (LV_UPSTREAM).
// Every 256 runs the tenant is purged and connected again.
#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include "capi_fixture.hpp"
#include "fuzz_check.hpp"

namespace {

constexpr const char* tenant = "fuzz-oauth";
constexpr const char* provider_spec =
    R"({"key":"fuzz_oauth","name":"Fuzz OAuth","auth_type":"oauth2",)"
    R"("credential_fields":[{"name":"access_token","type":"secret","required":true},)"
    R"({"name":"refresh_token","type":"secret","required":false}],)"
    R"("scopes":["read"],"rate_limits":{"per_minute":60,"per_hour":1000},)"
    R"("authorize_url":"https://auth.example/authorize","token_url":"https://auth.example/token"})";
constexpr const char* old_tokens = R"({"access_token":"old","refresh_token":"old-refresh"})";
constexpr const char* redirect = "https://app.example/cb";
constexpr const char* good_tokens = R"({"access_token":"good","expires_in":3600})";

void setup_provider_or_die() {
  char* out = nullptr;
  fuzz::check_out(lv_provider_register(fuzz::vault(), &out, provider_spec), out,
                  "lv_provider_register");
  FUZZ_CHECK(lv_oauth_client_configure(fuzz::vault(), "fuzz_oauth", "fuzz-client", "secret") ==
                 LV_OK,
             "setup: %s", lv_last_error_message());
}

std::string& integration() {
  static std::string id = [] {
    setup_provider_or_die();
    return fuzz::connect_or_die(tenant, "fuzz_oauth", old_tokens);
  }();
  return id;
}

// What the callback did with the fuzzed answer.
struct Answer {
  const char* tokens = nullptr;
  int set_status = -1;
  int calls = 0;
};

int answer(lv_token_reply* reply, Answer& state) {
  ++state.calls;
  state.set_status = fuzz::check_status(lv_token_reply_set(reply, state.tokens),
                                        "lv_token_reply_set");
  return 0;
}

int answering_refresher(lv_token_reply* reply, const char*, const char*, void* user_data) {
  return answer(reply, *static_cast<Answer*>(user_data));
}

int answering_exchange(lv_token_reply* reply, const char* request_json, void* user_data) {
  FUZZ_CHECK(std::strstr(request_json, "\"code_verifier\":\"") != nullptr,
             "no verifier in %s", "the exchange request");
  return answer(reply, *static_cast<Answer*>(user_data));
}

// The access_token simdjson's DOM reads from a document lv_token_reply_set
// took: it must be valid JSON to simdjson too.
std::string access_token_of(const std::string& tokens) {
  simdjson::dom::parser parser;
  const simdjson::padded_string text(tokens);
  simdjson::dom::object object;
  FUZZ_CHECK(parser.parse(text).get(object) == simdjson::SUCCESS,
             "lv_token_reply_set took what simdjson cannot parse: %s", tokens.c_str());
  std::string_view token;
  FUZZ_CHECK(object["access_token"].get(token) == simdjson::SUCCESS,
             "lv_token_reply_set took an answer without a string access_token: %s",
             tokens.c_str());
  return std::string(token);
}

// The used answer's access_token is in the credentials JSON the library
// wrote (escaped as it writes them).
void check_used(const std::string& tokens, const char* credentials) {
  const std::string expected = access_token_of(tokens);
  simdjson::dom::parser parser;
  const simdjson::padded_string text{std::string_view(credentials)};
  simdjson::dom::object object;
  std::string_view token;
  FUZZ_CHECK(parser.parse(text).get(object) == simdjson::SUCCESS &&
                 object["access_token"].get(token) == simdjson::SUCCESS && token == expected,
             "the stored access_token is not the answer's: %s", credentials);
}

void refresh_with_tokens(const std::string& tokens) {
  Answer state;
  state.tokens = tokens.c_str();
  char* out = nullptr;
  const int status = fuzz::check_out(
      lv_integration_valid_credentials(fuzz::vault(), &out, tenant, fuzz::admin_actor,
                                       integration().c_str(), R"({"force":true})",
                                       answering_refresher, &state),
      out, "lv_integration_valid_credentials", true);
  FUZZ_CHECK(state.calls == 1, "a forced refresh called the refresher %d times", state.calls);
  if (state.set_status == LV_OK) {
    FUZZ_CHECK(status == LV_OK, "an answer lv_token_reply_set took failed the refresh: %s",
               lv_status_name(status));
    check_used(tokens, out);
  } else {
    FUZZ_CHECK(status == LV_UPSTREAM, "a refresher without an answer gave %s",
               lv_status_name(status));
  }
  lv_string_free(out);
}

// Begins a flow for the integration named "flow"; returns its state, or ""
// when begin failed.
std::string begin_flow(const char* redirect_uri, const char* options, bool must_work) {
  char* out = nullptr;
  const int status = fuzz::check_out(lv_oauth_begin(fuzz::vault(), &out, tenant, fuzz::admin_actor,
                                                    "fuzz_oauth", redirect_uri, options),
                                     out, "lv_oauth_begin", true);
  FUZZ_CHECK(!must_work || status == LV_OK, "setup begin failed: %s", lv_last_error_message());
  if (status != LV_OK) return "";
  const std::string state = fuzz::json_string_field(out, "state");
  const std::string url = fuzz::json_string_field(out, "authorization_url");
  lv_string_free(out);
  FUZZ_CHECK(state.size() == 43, "a state of %zu characters", state.size());
  FUZZ_CHECK(url.rfind("https://auth.example/authorize?response_type=code&", 0) == 0 &&
                 url.find("&code_challenge_method=S256") != std::string::npos,
             "authorization_url %s", url.c_str());
  return state;
}

// Puts the "flow" integration back where begin can reuse it.
void disconnect_flow() {
  char* out = nullptr;
  fuzz::check_out(lv_integration_find(fuzz::vault(), &out, tenant, "fuzz_oauth", "flow"), out,
                  "lv_integration_find", true);
  const std::string id = fuzz::json_string_field(out, "id");
  const std::string status = fuzz::json_string_field(out, "status");
  lv_string_free(out);
  if (status != "connected") return;
  fuzz::check_out(lv_integration_disconnect(fuzz::vault(), &out, tenant, fuzz::admin_actor,
                                            id.c_str()),
                  out, "lv_integration_disconnect");
}

void exchange_with_tokens(const std::string& tokens) {
  const std::string state_text = begin_flow(redirect, R"({"name":"flow"})", true);
  Answer state;
  state.tokens = tokens.c_str();
  char* out = nullptr;
  const int status = fuzz::check_out(
      lv_oauth_complete(fuzz::vault(), &out, tenant, fuzz::admin_actor, state_text.c_str(),
                        "fuzz-code", answering_exchange, &state),
      out, "lv_oauth_complete", true);
  FUZZ_CHECK(state.calls == 1, "the exchange ran %d times", state.calls);
  if (state.set_status == LV_OK) {
    FUZZ_CHECK(status == LV_OK, "an answer lv_token_reply_set took failed the exchange: %s",
               lv_status_name(status));
    FUZZ_CHECK(fuzz::json_string_field(out, "status") == "connected", "completed as %s", out);
    const std::string id = fuzz::json_string_field(out, "id");
    char* credentials = nullptr;
    fuzz::check_out(lv_integration_reveal_credentials(fuzz::vault(), &credentials, tenant,
                                                      fuzz::admin_actor, id.c_str()),
                    credentials, "lv_integration_reveal_credentials", true);
    check_used(tokens, credentials);
    lv_string_free(credentials);
  } else {
    FUZZ_CHECK(status == LV_UPSTREAM, "an exchange without an answer gave %s",
               lv_status_name(status));
  }
  lv_string_free(out);
  disconnect_flow();
}

template <typename T>
T first_bytes(const std::uint8_t* data, std::size_t size) {
  T value{};
  std::memcpy(&value, data, size < sizeof value ? size : sizeof value);
  return value;
}

void run(int mode, const std::uint8_t* data, std::size_t size) {
  const std::string text = fuzz::as_text(data, size);
  lv_vault* vault = fuzz::vault();
  const std::string& id = integration();
  char* out = nullptr;
  switch (mode) {
    case 0:
      return refresh_with_tokens(text);
    case 1:
      return exchange_with_tokens(text);
    case 2: {
      Answer state;
      state.tokens = good_tokens;
      fuzz::check_out(lv_integration_valid_credentials(vault, &out, tenant, fuzz::admin_actor,
                                                       id.c_str(), text.c_str(),
                                                       answering_refresher, &state),
                      out, "lv_integration_valid_credentials");
      return;
    }
    case 3: {
      Answer state;
      state.tokens = good_tokens;
      fuzz::check_out(lv_refresh_expiring(vault, &out, text.c_str(), answering_refresher, &state),
                      out, "lv_refresh_expiring");
      return;
    }
    case 4:
      begin_flow(redirect, text.c_str(), false);
      return;
    case 5:
      begin_flow(text.c_str(), nullptr, false);
      return;
    case 6: {
      const double seconds = first_bytes<double>(data, size);
      const int status =
          fuzz::check_status(lv_rate_penalize(vault, tenant, id.c_str(), seconds), "lv_rate_penalize");
      const bool valid = std::isfinite(seconds) && seconds >= 0 && seconds <= 604800;
      FUZZ_CHECK((status == LV_OK) == valid, "penalize(%g) gave %s", seconds,
                 lv_status_name(status));
      // Lift it again, so that acquire is not always blocked.
      if (valid) FUZZ_CHECK(lv_rate_penalize(vault, tenant, id.c_str(), 0) == LV_OK, "unpenalize");
      return;
    }
    default: {
      const std::int64_t cost = first_bytes<std::int64_t>(data, size);
      double wait = -1;
      const int status =
          fuzz::check_status(lv_rate_acquire(vault, &wait, tenant, id.c_str(), cost), "lv_rate_acquire");
      FUZZ_CHECK(status == LV_OK ? (cost >= 1 && cost <= 60 && wait >= 0) : wait == 0,
                 "acquire(%lld) gave %s, wait %g", static_cast<long long>(cost),
                 lv_status_name(status), wait);
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static int runs_since_reset = 0;
  run(data[0] % 8, data + 1, size - 1);
  if (++runs_since_reset == 256) {
    fuzz::purge_or_die(tenant);
    integration() = fuzz::connect_or_die(tenant, "fuzz_oauth", old_tokens);
    runs_since_reset = 0;
  }
  return 0;
}
