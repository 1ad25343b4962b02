// The authorization-code flow with PKCE (RFC 6749 §4.1, RFC 7636 S256):
// Tenant::begin_oauth and Tenant::complete_oauth (docs/SEMANTICS.md,
// "OAuth connect flow").
//
// begin_oauth leaves the integration in pending_auth and a grant row keyed
// by the SHA-256 of the state, holding the sealed code verifier. The state
// goes to the user's browser and comes back with the code; the vault never
// stores it, so a copy of the file cannot complete anyone's flow.
// complete_oauth takes the grant (once) in one write transaction, calls the
// host's exchange with no transaction open, and stores the tokens in a
// second.
#include "linkvault/tenant.hpp"

#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "core/url_rules.hpp"
#include "core/uuid.hpp"
#include "linkvault/error.hpp"
#include "oauth/authorization_url.hpp"
#include "oauth/oauth_clients.hpp"
#include "oauth/pkce.hpp"
#include "oauth/token_grant.hpp"
#include "vault/audit_log.hpp"
#include "vault/credential_rules.hpp"
#include "vault/credential_vault.hpp"
#include "vault/input_rules.hpp"
#include "vault/operation.hpp"
#include "vault/redaction.hpp"
#include "vault/transaction.hpp"

#include <fmt/format.h>

namespace linkvault {

namespace {

constexpr TimeMs grant_lifetime_ms = 10 * 60 * 1000;  // the issue's 10 minutes
constexpr std::size_t max_redirect_uri_bytes = 2048;
constexpr std::size_t max_state_bytes = 512;
constexpr std::size_t max_code_bytes = 4096;
constexpr std::string_view verifier_purpose = "pkce_verifier";

SealContext verifier_context(const OAuthGrantRecord& grant) {
  return SealContext{grant.tenant, grant.integration_id, verifier_purpose};
}

// The integration begin_oauth leaves in pending_auth, inserted or reused.
Integration pending_integration(StoreSession& session, VaultCore& core, std::string_view tenant,
                                const ProviderSpec& spec, const Actor& actor,
                                const BeginOAuthOptions& options,
                                const std::vector<std::string>& scopes) {
  const TimeMs now = core.now_ms();
  auto existing = session.find_integration(tenant, spec.key, options.name);
  IntegrationRecord record;
  Integration& integration = record.integration;
  if (existing) {
    record = std::move(*existing);
    if (integration.status == IntegrationStatus::connected) {
      throw Error(ErrorCode::already_exists,
                  fmt::format("tenant {} already has a connected {} integration named {} ({})",
                              quote_for_message(tenant), spec.key,
                              quote_for_message(options.name), integration.id));
    }
  } else {
    integration.id = new_uuid_v7();
    integration.tenant = std::string(tenant);
    integration.provider = spec.key;
    integration.name = options.name;
    integration.created_at = now;
  }
  const bool was_disconnected =
      existing && integration.status == IntegrationStatus::disconnected;
  integration.status = IntegrationStatus::pending_auth;
  integration.scopes = scopes;
  integration.connected_by = actor.user_id;
  integration.disconnected_at.reset();
  integration.updated_at = now;
  if (existing && !was_disconnected) {
    session.update_integration(record);  // pending_auth or error: already live
    return integration;
  }
  if (was_disconnected) {
    integration.last_refreshed_at.reset();
    integration.refresh_count = 0;
    integration.last_error.reset();
  }
  // A new or disconnected integration becomes live: the quota applies.
  const QuotaWrite written = was_disconnected ? session.reconnect_integration_within_quota(record)
                                              : session.insert_integration_within_quota(record);
  switch (written.outcome) {
    case QuotaWrite::Outcome::written:
      return integration;
    case QuotaWrite::Outcome::quota_exceeded:
      throw Error(ErrorCode::quota_exceeded,
                  fmt::format("tenant {} has {} of {} integrations allowed",
                              quote_for_message(tenant), written.live, written.max.value_or(0)));
    case QuotaWrite::Outcome::already_exists:
      break;
  }
  throw Error(ErrorCode::already_exists,
              fmt::format("tenant {} already has a {} integration named {}",
                          quote_for_message(tenant), spec.key, quote_for_message(options.name)));
}

// The exchange's failure as stored and returned: redacted of the verifier,
// the code and the client secret it was handed.
std::string exchange_failure_message(std::string message, const TokenExchangeRequest& request) {
  Credentials handed;
  handed.emplace("code_verifier", request.code_verifier);
  handed.emplace("code", make_secret(request.code));
  if (request.client_secret) handed.emplace("client_secret", *request.client_secret);
  std::string cleaned = clean_message(redact_credentials(message, handed));
  wipe_string(message);
  return cleaned;
}

}  // namespace

OAuthStart Tenant::begin_oauth(const Actor& actor, std::string_view provider,
                               std::string_view redirect_uri, const BeginOAuthOptions& options) {
  require_change_permission(actor, "begin_oauth");
  require_text(provider, "provider", max_identifier_bytes);
  require_text(options.name, "name", max_integration_name_bytes);
  require_text(redirect_uri, "redirect_uri", max_redirect_uri_bytes);
  if (!is_valid_redirect_uri(redirect_uri)) {
    throw Error(ErrorCode::invalid_argument,
                "redirect_uri must be an absolute https:// URL (or http:// to localhost, "
                "127.0.0.1 or [::1]) without a fragment");
  }
  if (options.scopes) {
    if (options.scopes->size() > max_scopes) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("too many scopes ({}, at most {})", options.scopes->size(),
                              max_scopes));
    }
    for (const auto& scope : *options.scopes) require_text(scope, "scope", max_scope_bytes);
  }
  VaultCore& core = require_open(core_);
  const ProviderSpec spec = core.catalog().get(provider);
  if (spec.auth_type != AuthType::oauth2 || !spec.authorize_url) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("provider {} has no OAuth authorization endpoint",
                            quote_for_message(provider)));
  }
  const std::vector<std::string>& scopes = options.scopes ? *options.scopes : spec.scopes;

  auto session = core.session();
  Transaction transaction(*session, TransactionMode::write);
  const auto client = load_oauth_client(*session, core, spec.key);
  if (!client) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("no OAuth client is configured for provider {} "
                            "(configure_oauth_client first)",
                            spec.key));
  }
  const Integration integration =
      pending_integration(*session, core, id_, spec, actor, options, scopes);

  const TimeMs now = core.now_ms();
  session->delete_expired_oauth_grants(now);  // housekeeping, in passing
  OAuthStart start;
  start.state = new_oauth_state();
  start.integration_id = integration.id;
  const SecretBytes verifier = new_code_verifier();
  OAuthGrantRecord grant;
  grant.state_hash = sha256(start.state);
  grant.tenant = id_;
  grant.integration_id = integration.id;
  grant.redirect_uri = std::string(redirect_uri);
  grant.created_at = now;
  grant.expires_at = now + grant_lifetime_ms;
  grant.sealed_verifier = core.keyring()
                              .sealer(*session, id_, KeyPurpose::credentials)
                              ->seal(verifier, verifier_context(grant));
  session->insert_oauth_grant(grant);
  transaction.commit();

  start.authorization_url = authorization_url(AuthorizationRequest{
      *spec.authorize_url, client->client_id, redirect_uri, scopes, start.state,
      code_challenge_s256(verifier)});
  return start;
}

Integration Tenant::complete_oauth(const Actor& actor, std::string_view state,
                                   std::string_view code, const TokenExchange& exchange) {
  require_change_permission(actor, "complete_oauth");
  require_text(state, "state", max_state_bytes);
  require_text(code, "code", max_code_bytes);
  if (!exchange) throw Error(ErrorCode::invalid_argument, "complete_oauth needs an exchange");
  VaultCore& core = require_open(core_);

  // 1. Take the grant (it is gone whatever happens next) and what the
  //    exchange needs.
  OAuthGrantRecord grant;
  SecretBytes verifier;
  std::optional<OAuthClient> client;
  ProviderSpec spec;
  {
    auto session = core.session();
    Transaction transaction(*session, TransactionMode::write);
    auto taken = session->take_oauth_grant(id_, sha256(state), core.now_ms());
    if (!taken) {
      throw Error(ErrorCode::invalid_argument,
                  "unknown, expired or already used OAuth state");
    }
    grant = std::move(*taken);
    const IntegrationRecord record = load_or_throw(*session, id_, grant.integration_id);
    spec = core.catalog().get(record.integration.provider, *session);
    verifier = core.keyring()
                   .existing_sealer(*session, id_, KeyPurpose::credentials)
                   ->open(grant.sealed_verifier, verifier_context(grant));
    client = load_oauth_client(*session, core, spec.key);
    if (record.integration.status != IntegrationStatus::pending_auth) {
      transaction.commit();  // the grant is used up all the same
      throw Error(ErrorCode::failed_precondition,
                  fmt::format("integration {} is {}, no longer pending_auth",
                              quote_for_message(grant.integration_id),
                              to_string(record.integration.status)));
    }
    transaction.commit();
  }

  // 2. The host trades the code for tokens; nothing is held open.
  static const std::optional<SecretBytes> no_secret;
  const std::optional<SecretBytes>& client_secret = client ? client->client_secret : no_secret;
  const TokenExchangeRequest request{code,
                                     verifier,
                                     grant.redirect_uri,
                                     client ? std::string_view(client->client_id) : "",
                                     client_secret,
                                     spec.token_url ? std::string_view(*spec.token_url) : ""};
  std::optional<TokenGrant> tokens;
  std::string failure;
  try {
    TokenGrant answer = exchange(request);
    validate_token_grant(answer);
    Credentials credentials = apply_token_grant({}, answer);
    validate_credentials(spec, credentials);
    tokens = std::move(answer);
  } catch (const std::exception& error) {
    // Built in one buffer, so no stray copy is left if what() quotes a
    // secret (as the tester's message is).
    static constexpr std::string_view prefix = "token exchange failed: ";
    const std::string_view what = error.what();
    std::string message;
    message.reserve(prefix.size() + what.size());
    message.append(prefix).append(what);
    failure = exchange_failure_message(std::move(message), request);
  } catch (...) {
    failure = "token exchange failed with an unknown exception";
  }

  // 3. Store the outcome, loaded afresh.
  if (!tokens) {
    change_integration(core, id_, grant.integration_id, actor,
                       [&](StoreSession&, IntegrationRecord& record) {
                         Integration& integration = record.integration;
                         if (integration.status == IntegrationStatus::pending_auth) {
                           integration.status = IntegrationStatus::error;
                         }
                         integration.last_error = failure;
                         integration.updated_at = core.now_ms();
                         return LogLine{action::status_error,
                                        fmt::format(R"({{"message":{},"oauth":true}})",
                                                    json_quote(failure))};
                       });
    throw Error(ErrorCode::upstream,
                fmt::format("OAuth flow of integration {} failed: {}",
                            quote_for_message(grant.integration_id), failure));
  }
  return change_integration(
             core, id_, grant.integration_id, actor,
             [&](StoreSession& session, IntegrationRecord& record) {
               Integration& integration = record.integration;
               if (integration.status != IntegrationStatus::pending_auth) {
                 throw Error(ErrorCode::failed_precondition,
                             fmt::format("integration {} became {} during the token exchange; "
                                         "the tokens were dropped",
                                         quote_for_message(integration.id),
                                         to_string(integration.status)));
               }
               const TimeMs now = core.now_ms();
               const Credentials credentials = apply_token_grant({}, *tokens);
               integration.status = IntegrationStatus::connected;
               integration.credential_mask = credential_mask(spec, credentials);
               integration.expires_at = grant_expiry(*tokens, now);
               integration.connected_by = actor.user_id;
               integration.connected_at = now;
               integration.last_error.reset();
               integration.updated_at = now;
               record.sealed_credentials =
                   seal_credentials(session, core.keyring(), integration, credentials);
               session.clear_refresh_failures(id_, integration.id);
               return LogLine{action::connected,
                              fmt::format(R"({{"provider":{},"name":{},"reconnected":false,"oauth":true}})",
                                          json_quote(integration.provider),
                                          json_quote(integration.name))};
             })
      .integration;
}

}  // namespace linkvault
