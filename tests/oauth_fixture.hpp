// Shared by the OAuth suites: a vault with a host-registered oauth2 provider
// ("acme_oauth", per_minute 60), and fake refreshers (the third party's
// token endpoint, played by the test).
#pragma once

#include "vault_fixture.hpp"

#include <atomic>
#include <chrono>
#include <string>

namespace linkvault::testing {

inline constexpr const char* acme_oauth_spec = R"({
  "key": "acme_oauth", "name": "Acme", "auth_type": "oauth2",
  "authorize_url": "https://auth.example/authorize?audience=api",
  "token_url": "https://auth.example/token",
  "credential_fields": [
    {"name": "access_token", "label": "Access", "type": "secret", "required": true, "placeholder": ""},
    {"name": "refresh_token", "label": "Refresh", "type": "secret", "required": false, "placeholder": ""}
  ],
  "scopes": ["read", "write:all"],
  "rate_limits": {"per_minute": 60, "per_hour": 600}
})";

inline std::string text_of(const SecretBytes& secret) { return std::string(secret_view(secret)); }

inline TokenGrant grant(const char* access, std::optional<const char*> refresh = std::nullopt,
                        std::optional<std::int64_t> expires_in = 3600) {
  TokenGrant out;
  out.access_token = make_secret(access);
  if (refresh) out.refresh_token = make_secret(*refresh);
  out.expires_in = expires_in;
  return out;
}

struct OAuthFixture : VaultFixture {
  OAuthFixture() { vault.register_provider(acme_oauth_spec); }
  Tenant tenant = vault.tenant("acme");

  // An integration whose token expires `expires_in_ms` from the clock's now.
  Integration connect_oauth(TimeMs expires_in_ms, const char* name = "default",
                            const char* access = "at-0-aaaaaaaaaaaa",
                            const char* refresh = "rt-0-bbbbbbbbbbbb") {
    ConnectOptions options;
    options.name = name;
    options.expires_at = clock->now_ms() + expires_in_ms;
    return tenant.connect(admin, "acme_oauth",
                          creds({{"access_token", access}, {"refresh_token", refresh}}), options);
  }

  std::vector<std::string> actions(const std::string& integration_id) {
    std::vector<std::string> out;
    for (const auto& entry : tenant.activity(integration_id)) out.push_back(entry.action);
    return out;  // newest first
  }
};

}  // namespace linkvault::testing
