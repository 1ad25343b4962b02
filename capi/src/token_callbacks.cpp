#include "token_callbacks.hpp"

#include "handles.hpp"
#include "linkvault/credentials_json.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <utility>
#include <variant>

namespace linkvault::capi {

namespace {

// Runs the host's function with a live reply and turns what it answered
// into the TokenGrant, or the exception the vault reads as a permanent or
// transient failure. `who` ("refresher", "token exchange") starts messages.
template <typename Call>
TokenGrant answered(const char* who, Call&& call) {
  lv_token_reply reply;
  int returned = 0;
  {
    const HandleScope live(reply);
    returned = call(&reply);
  }
  TokenAnswer& answer = reply.object;
  if (auto* failure = std::get_if<TokenFailure>(&answer)) {
    // (The exception keeps its own copy of the message; the vault stores it
    // redacted. Ours is wiped when the reply goes.)
    if (returned != 0 || !failure->permanent) {
      throw std::runtime_error(!failure->message.empty()
                                   ? failure->message
                                   : fmt::format("{} reported a transient failure", who));
    }
    throw PermanentRefreshError(!failure->message.empty()
                                    ? failure->message
                                    : fmt::format("{} reported a permanent failure", who));
  }
  if (returned != 0) throw std::runtime_error(fmt::format("{} returned {}", who, returned));
  auto* grant = std::get_if<TokenGrant>(&answer);
  if (grant == nullptr) throw std::runtime_error(fmt::format("{} gave no answer", who));
  return std::move(*grant);
}

// A NUL-terminated copy the host can read as a C string.
const char* c_text(SecretBytes& json) {
  json.push_back('\0');
  return reinterpret_cast<const char*>(json.data());
}

}  // namespace

Refresher c_refresher(lv_refresher_fn function, void* user_data,
                      std::function<std::string()> provider) {
  return [function, user_data, provider = std::move(provider)](
             const Credentials& credentials) -> TokenGrant {
    const std::string key = provider();
    SecretBytes json = credentials_to_json(credentials);
    return answered("refresher", [&](lv_token_reply* reply) {
      return function(reply, key.c_str(), c_text(json), user_data);
    });
  };
}

TokenExchange c_exchange(lv_exchange_fn function, void* user_data) {
  return [function, user_data](const TokenExchangeRequest& request) -> TokenGrant {
    // The string members through the credentials writer, which escapes into
    // secure memory (keys in name order); the null ones are added after.
    Credentials members;
    members.emplace("code", make_secret(request.code));
    members.emplace("code_verifier", request.code_verifier);
    members.emplace("redirect_uri", make_secret(request.redirect_uri));
    members.emplace("client_id", make_secret(request.client_id));
    if (request.client_secret) members.emplace("client_secret", *request.client_secret);
    if (!request.token_url.empty()) members.emplace("token_url", make_secret(request.token_url));
    SecretBytes json = credentials_to_json(members);
    members.clear();
    json.pop_back();  // the closing brace
    const auto append = [&json](std::string_view text) {
      json.insert(json.end(), text.begin(), text.end());
    };
    if (!request.client_secret) append(",\"client_secret\":null");
    if (request.token_url.empty()) append(",\"token_url\":null");
    append("}");
    return answered("token exchange", [&](lv_token_reply* reply) {
      return function(reply, c_text(json), user_data);
    });
  };
}

}  // namespace linkvault::capi
