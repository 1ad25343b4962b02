#include "oauth/token_refresh.hpp"

#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "linkvault/error.hpp"
#include "linkvault/tenant.hpp"
#include "oauth/lease_renewer.hpp"
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

#include <algorithm>
#include <chrono>
#include <thread>

namespace linkvault {

namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// After a transient failure no refresher call for this long (unless forced),
// so a provider that is down is not hammered by every caller.
constexpr TimeMs failure_cooldown_ms = 30'000;
// The transient failure in a row that puts the integration in error.
constexpr std::int64_t transient_failure_budget = 5;
constexpr std::chrono::seconds max_margin = std::chrono::hours(24 * 365);
// How often a caller waiting on another process's lease looks again.
constexpr milliseconds first_poll{5};
constexpr milliseconds longest_poll{50};

// What a look at the integration decided.
enum class Next { use, refresh, wait };

struct Look {
  Next next = Next::use;
  Credentials credentials;  // use: to return; refresh: to give the refresher
  std::int64_t refresh_count = 0;
};

// What the host's refresher gave: a checked grant, or a failure.
struct RefreshOutcome {
  std::optional<TokenGrant> grant;
  bool permanent = false;
  std::string message;  // redacted
};

class TokenRefresh {
 public:
  TokenRefresh(VaultCore& core, std::string_view tenant, std::string_view integration_id,
               const Actor& actor, const RefreshOptions& options)
      : core_(core),
        tenant_(tenant),
        integration_id_(integration_id),
        actor_(actor),
        options_(options) {}

  Credentials run(const Refresher& refresher) {
    Look first = look(std::nullopt, nullptr);
    if (first.next == Next::use) return std::move(first.credentials);

    const auto deadline = SteadyClock::now() + options_.max_wait;
    auto turn = core_.refresh_locks().try_lock_for(fmt::format("{}\n{}", tenant_, integration_id_),
                                                   options_.max_wait);
    if (!turn) throw_waited_too_long();
    const std::string token = new_oauth_state();  // 256 random bits: the fence
    milliseconds poll = first_poll;
    Look taken;
    for (;;) {
      taken = look(first.refresh_count, &token);
      if (taken.next == Next::use) return std::move(taken.credentials);
      if (taken.next == Next::refresh) break;
      // Another process holds the lease: look again until it finishes or
      // its lease lapses.
      const auto now = SteadyClock::now();
      if (now >= deadline) throw_waited_too_long();
      std::this_thread::sleep_for(
          std::min(poll, std::chrono::duration_cast<milliseconds>(deadline - now)));
      poll = std::min(poll * 2, longest_poll);
    }

    RefreshOutcome outcome;
    {
      const LeaseRenewer renewer(core_, tenant_, integration_id_, token, options_.lease);
      outcome = call_refresher(refresher, taken.credentials);
    }
    return finish(token, std::move(outcome));
  }

 private:
  // One write transaction: checks the integration, and either returns its
  // credentials (fresh, or refreshed by someone since `observed_count`;
  // last_used_at set), or says a refresh is needed — taking the lease when
  // `token` is given, or reporting that someone else holds it.
  Look look(std::optional<std::int64_t> observed_count, const std::string* token) {
    auto session = core_.session();
    Transaction transaction(*session, TransactionMode::write);
    IntegrationRecord record = load_or_throw(*session, tenant_, integration_id_);
    Integration& integration = record.integration;
    require_refreshable_status(integration);
    const TimeMs now = core_.now_ms();
    const bool refreshed_meanwhile =
        observed_count && integration.refresh_count != *observed_count;
    const bool fresh = !integration.expires_at ||
                       *integration.expires_at > now + options_.margin.count() * 1000;
    Look result;
    result.refresh_count = integration.refresh_count;
    if (refreshed_meanwhile || (fresh && !options_.force)) {
      result.next = Next::use;
      result.credentials = open_credentials(*session, core_.keyring(), record);
      integration.last_used_at = now;
      session->update_integration(record);
      transaction.commit();
      return result;
    }
    provider_ = integration.provider;
    if (core_.catalog().get(provider_, *session).auth_type != AuthType::oauth2) {
      throw Error(ErrorCode::failed_precondition,
                  fmt::format("integration {} cannot be refreshed: provider {} is not oauth2",
                              quote_for_message(integration.id), integration.provider));
    }
    const RefreshState state = session->load_refresh_state(tenant_, integration.id);
    if (!options_.force && state.cooldown_until > now) {
      throw Error(ErrorCode::upstream,
                  fmt::format("integration {} is cooling down after a failed token refresh until "
                              "{} (force to retry now); last error: {}",
                              quote_for_message(integration.id),
                              format_rfc3339(state.cooldown_until),
                              integration.last_error.value_or("none")));
    }
    if (token == nullptr) {
      result.next = Next::refresh;  // decided; the lease comes in the caller's turn
      return result;
    }
    if (!session->take_refresh_lease(tenant_, integration.id, *token, now,
                                     now + options_.lease.count())) {
      result.next = Next::wait;
      return result;
    }
    result.next = Next::refresh;
    result.credentials = open_credentials(*session, core_.keyring(), record);
    transaction.commit();
    return result;
  }

  void require_refreshable_status(const Integration& integration) const {
    switch (integration.status) {
      case IntegrationStatus::connected:
        return;
      case IntegrationStatus::error:
        if (options_.force) return;
        refuse(integration,
               "it is in error (refresh with force, test it, or update its credentials)");
      case IntegrationStatus::pending_auth:
        refuse(integration, "it is pending_auth (complete its OAuth flow first)");
      case IntegrationStatus::disconnected:
        refuse(integration, "it is disconnected");
    }
  }

  [[noreturn]] static void refuse(const Integration& integration, std::string_view why) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("cannot get valid credentials of integration {}: {}",
                            quote_for_message(integration.id), why));
  }

  RefreshOutcome call_refresher(const Refresher& refresher, const Credentials& given) {
    RefreshOutcome outcome;
    std::string message;
    try {
      TokenGrant grant = refresher(given);
      try {
        validate_token_grant(grant);
        // The merged credentials must still satisfy the provider's fields.
        validate_credentials(core_.catalog().get(provider_), apply_token_grant(given, grant));
        outcome.grant = std::move(grant);
      } catch (const Error& error) {
        message = fmt::format("the refresher's answer was rejected: {}", error.what());
      }
    } catch (const PermanentRefreshError& error) {
      outcome.permanent = true;
      message.append("refresher failed for good: ").append(error.what());
    } catch (const std::exception& error) {
      message.append("refresher failed: ").append(error.what());
    } catch (...) {
      message = "refresher failed with an unknown exception";
    }
    if (!outcome.grant) {
      // The refresher may have quoted the tokens it was given.
      outcome.message = clean_message(redact_credentials(message, given));
    }
    wipe_string(message);
    return outcome;
  }

  Credentials finish(const std::string& token, RefreshOutcome outcome) {
    auto session = core_.session();
    Transaction transaction(*session, TransactionMode::write);
    IntegrationRecord record = load_or_throw(*session, tenant_, integration_id_);
    Integration& integration = record.integration;
    const RefreshState state = session->load_refresh_state(tenant_, integration.id);
    if (state.lease_token != token) {
      throw Error(ErrorCode::busy,
                  fmt::format("the refresh lease of integration {} lapsed and another caller "
                              "took it over; this refresh's result was dropped",
                              quote_for_message(integration.id)));
    }
    const TimeMs now = core_.now_ms();
    if (integration.status != IntegrationStatus::connected &&
        integration.status != IntegrationStatus::error) {
      session->finish_refresh(tenant_, integration.id, token, state.failures, state.cooldown_until);
      transaction.commit();
      throw Error(ErrorCode::failed_precondition,
                  fmt::format("integration {} became {} while its token was refreshed; the new "
                              "tokens were dropped",
                              quote_for_message(integration.id), to_string(integration.status)));
    }
    if (outcome.grant) {
      const TokenGrant& grant = *outcome.grant;
      const ProviderSpec spec = core_.catalog().get(integration.provider, *session);
      // Applied to the credentials stored now, not those given to the
      // refresher: an update made meanwhile to other fields is kept.
      Credentials credentials =
          apply_token_grant(open_credentials(*session, core_.keyring(), record), grant);
      integration.expires_at = grant_expiry(grant, now);
      integration.refresh_count += 1;
      integration.last_refreshed_at = now;
      integration.last_used_at = now;
      integration.last_error.reset();
      integration.status = IntegrationStatus::connected;
      integration.credential_mask = credential_mask(spec, credentials);
      integration.updated_at = now;
      record.sealed_credentials =
          seal_credentials(*session, core_.keyring(), integration, credentials);
      session->update_integration(record);
      session->finish_refresh(tenant_, integration.id, token, 0, 0);
      append_activity(
          *session, core_.keyring(), core_.clock(), tenant_, integration.id,
          action::token_refreshed, actor_,
          fmt::format(R"({{"refresh_count":{},"expires_at":{},"refresh_token_rotated":{},"forced":{}}})",
                      integration.refresh_count,
                      integration.expires_at ? json_quote(format_rfc3339(*integration.expires_at))
                                             : std::string("null"),
                      grant.refresh_token.has_value(), options_.force));
      transaction.commit();
      return credentials;
    }

    const std::int64_t failures = state.failures + 1;
    const bool give_up = outcome.permanent || failures >= transient_failure_budget;
    const TimeMs cooldown_until = outcome.permanent ? 0 : now + failure_cooldown_ms;
    if (give_up) integration.status = IntegrationStatus::error;
    integration.last_error = outcome.message;
    integration.updated_at = now;
    session->update_integration(record);
    session->finish_refresh(tenant_, integration.id, token, failures, cooldown_until);
    append_activity(*session, core_.keyring(), core_.clock(), tenant_, integration.id,
                    action::token_refresh_failed, actor_,
                    fmt::format(R"({{"permanent":{},"failures":{},"status":"{}","message":{}}})",
                                outcome.permanent, failures, to_string(integration.status),
                                json_quote(outcome.message)));
    transaction.commit();
    throw Error(ErrorCode::upstream,
                fmt::format("token refresh of integration {} failed{}: {}",
                            quote_for_message(integration.id),
                            give_up ? " (the integration is now in error)" : "", outcome.message));
  }

  [[noreturn]] void throw_waited_too_long() const {
    throw Error(ErrorCode::busy,
                fmt::format("integration {}'s token is being refreshed by another caller; "
                            "waited {} ms",
                            quote_for_message(integration_id_), options_.max_wait.count()));
  }

  VaultCore& core_;
  const std::string tenant_;
  const std::string integration_id_;
  const Actor& actor_;
  const RefreshOptions& options_;
  std::string provider_;  // the integration's, read by look()
};

}  // namespace

void validate_refresh_options(const RefreshOptions& options) {
  if (options.margin.count() < 0 || options.margin > max_margin) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("margin must be 0 to {} seconds, got {}", max_margin.count(),
                            options.margin.count()));
  }
  if (options.lease < std::chrono::seconds(1) || options.lease > std::chrono::hours(1)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("lease must be 1 s to 1 h, got {} ms", options.lease.count()));
  }
  if (options.max_wait.count() < 0 || options.max_wait > std::chrono::hours(24)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("max_wait must be 0 to 24 h, got {} ms", options.max_wait.count()));
  }
}

Credentials valid_credentials(VaultCore& core, std::string_view tenant,
                              std::string_view integration_id, const Actor& actor,
                              const Refresher& refresher, const RefreshOptions& options) {
  return TokenRefresh(core, tenant, integration_id, actor, options).run(refresher);
}

Credentials Tenant::valid_credentials(const Actor& actor, std::string_view integration_id,
                                      const Refresher& refresher, const RefreshOptions& options) {
  require_change_permission(actor, "valid_credentials");
  if (!refresher) throw Error(ErrorCode::invalid_argument, "valid_credentials needs a refresher");
  validate_refresh_options(options);
  return linkvault::valid_credentials(require_open(core_), id_, integration_id, actor, refresher,
                                      options);
}

std::vector<Integration> Tenant::expiring(std::chrono::seconds within) const {
  if (within.count() < 0 || within > max_margin) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("within must be 0 to {} seconds, got {}", max_margin.count(),
                            within.count()));
  }
  VaultCore& core = require_open(core_);
  auto session = core.session();
  Transaction transaction(*session, TransactionMode::read);
  auto found = session->expiring_integrations(id_, core.now_ms() + within.count() * 1000);
  transaction.commit();
  return found;
}

}  // namespace linkvault
