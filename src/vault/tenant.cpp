// The integration lifecycle of DESIGN.md §5, one Tenant method per operation.
// Each change runs in one write transaction: load, check, seal, write, append
// to the audit chain, commit (vault/operation.hpp). Host callbacks run with no
// transaction open and no pooled connection held.
#include "linkvault/tenant.hpp"

#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "core/uuid.hpp"
#include "linkvault/error.hpp"
#include "linkvault/limits.hpp"
#include "vault/audit_log.hpp"
#include "vault/credential_rules.hpp"
#include "vault/credential_vault.hpp"
#include "vault/input_rules.hpp"
#include "vault/job_changes.hpp"
#include "vault/operation.hpp"
#include "vault/redaction.hpp"
#include "vault/transaction.hpp"
#include "vault/vault_core.hpp"

#include <fmt/format.h>

namespace linkvault {

namespace {

void require_not_disconnected(const Integration& integration, std::string_view operation) {
  if (integration.status == IntegrationStatus::disconnected) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("cannot {} integration {}: it is disconnected", operation,
                            quote_for_message(integration.id)));
  }
}

// Times must print as RFC 3339 and parse back: 1970-01-01 to 9999-12-31.
void require_valid_expiry(std::optional<TimeMs> expires_at) {
  constexpr TimeMs last_representable = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
  if (expires_at && (*expires_at < 0 || *expires_at > last_representable)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("expires_at {} ms is outside 1970-01-01 to 9999-12-31", *expires_at));
  }
}

void validate_connect_options(const ConnectOptions& options) {
  require_valid_expiry(options.expires_at);
  require_text(options.name, "name", max_integration_name_bytes);
  if (options.account) require_text(*options.account, "account", max_account_bytes);
  if (options.scopes.size() > max_scopes) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("too many scopes ({}, at most {})", options.scopes.size(),
                            max_scopes));
  }
  for (const auto& scope : options.scopes) require_text(scope, "scope", max_scope_bytes);
  if (options.sync_config) validate_sync_config(*options.sync_config);
}

std::string field_names_json(const Credentials& credentials) {
  std::string out = "[";
  bool first = true;
  for (const auto& [name, value] : credentials) {
    if (!first) out.push_back(',');
    first = false;
    append_json_quoted(out, name);
  }
  out.push_back(']');
  return out;
}

}  // namespace

Tenant::Tenant(std::shared_ptr<VaultCore> core, std::string id)
    : core_(std::move(core)), id_(std::move(id)) {}

Integration Tenant::connect(const Actor& actor, std::string_view provider,
                            const Credentials& credentials, const ConnectOptions& options) {
  require_change_permission(actor, "connect");
  require_text(provider, "provider", max_identifier_bytes);
  const ProviderSpec spec = core_->catalog().get(provider);
  validate_credentials(spec, credentials);
  validate_connect_options(options);

  auto session = core_->session();
  Transaction transaction(*session, TransactionMode::write);
  auto existing = session->find_integration(id_, spec.key, options.name);
  const auto throw_taken = [&](const std::string& existing_id) {
    throw Error(ErrorCode::already_exists,
                fmt::format("tenant {} already has a {} integration named {} ({})",
                            quote_for_message(id_), spec.key, quote_for_message(options.name), existing_id));
  };
  if (existing && existing->integration.status != IntegrationStatus::disconnected) {
    throw_taken(existing->integration.id);
  }

  const TimeMs now = core_->now_ms();
  IntegrationRecord record;
  Integration& integration = record.integration;
  const bool reconnect = existing.has_value();
  if (reconnect) {
    // Reconnect in place: same id and history, fresh credentials and state.
    record = std::move(*existing);
    integration.disconnected_at.reset();
    integration.last_refreshed_at.reset();
    integration.refresh_count = 0;
  } else {
    integration.id = new_uuid_v7();
    integration.tenant = id_;
    integration.provider = spec.key;
    integration.name = options.name;
    integration.created_at = now;
  }
  integration.account = options.account;
  integration.status = IntegrationStatus::connected;
  integration.credential_mask = credential_mask(spec, credentials);
  integration.scopes = options.scopes;
  integration.expires_at = options.expires_at;
  integration.connected_by = actor.user_id;
  integration.connected_at = now;
  integration.last_error.reset();
  integration.sync_config = options.sync_config;
  integration.updated_at = now;
  record.sealed_credentials = seal_credentials(*session, core_->keyring(), integration,
                                               credentials);
  // The store counts and writes in one atomic step (store.hpp).
  const QuotaWrite written = reconnect ? session->reconnect_integration_within_quota(record)
                                       : session->insert_integration_within_quota(record);
  switch (written.outcome) {
    case QuotaWrite::Outcome::written:
      // New credentials start with a clean refresh failure budget.
      if (reconnect) session->clear_refresh_failures(id_, integration.id);
      break;
    case QuotaWrite::Outcome::quota_exceeded:
      throw Error(ErrorCode::quota_exceeded,
                  fmt::format("tenant {} has {} of {} integrations allowed", quote_for_message(id_),
                              written.live, written.max.value_or(0)));
    case QuotaWrite::Outcome::already_exists: {
      // Another writer got there between our look and the store's write.
      const auto taken = session->find_integration(id_, spec.key, options.name);
      throw_taken(taken ? taken->integration.id : std::string("unknown id"));
    }
  }
  append_activity(*session, core_->keyring(), core_->clock(), id_, integration.id,
                  action::connected, actor,
                  fmt::format("{{\"provider\":{},\"name\":{},\"reconnected\":{}}}",
                              json_quote(spec.key), json_quote(integration.name), reconnect));
  transaction.commit();
  return integration;
}

Integration Tenant::get(std::string_view integration_id) const {
  auto session = core_->session();
  Transaction read(*session, TransactionMode::read);
  return load_or_throw(*session, id_, integration_id).integration;
}

std::optional<Integration> Tenant::find(std::string_view provider, std::string_view name) const {
  auto session = core_->session();
  Transaction read(*session, TransactionMode::read);
  auto record = session->find_integration(id_, provider, name);
  if (!record) return std::nullopt;
  return std::move(record->integration);
}

std::vector<Integration> Tenant::list(const ListFilter& filter) const {
  auto session = core_->session();
  Transaction read(*session, TransactionMode::read);
  return session->list_integrations(id_, filter);
}

Integration Tenant::update_credentials(const Actor& actor, std::string_view integration_id,
                                       const Credentials& credentials,
                                       std::optional<TimeMs> expires_at) {
  require_change_permission(actor, "update_credentials");
  require_valid_expiry(expires_at);
  return change_integration(
             *core_, id_, integration_id, actor,
             [&](StoreSession& session, IntegrationRecord& record) {
               Integration& integration = record.integration;
               require_not_disconnected(integration, "update credentials of");
               const ProviderSpec spec = core_->catalog().get(integration.provider, session);
               validate_credentials(spec, credentials);
               integration.credential_mask = credential_mask(spec, credentials);
               if (expires_at) integration.expires_at = expires_at;
               if (integration.status == IntegrationStatus::pending_auth) {
                 integration.status = IntegrationStatus::connected;
               }
               integration.updated_at = core_->now_ms();
               record.sealed_credentials =
                   seal_credentials(session, core_->keyring(), integration, credentials);
               session.clear_refresh_failures(id_, integration.id);
               return LogLine{action::credentials_updated,
                              fmt::format("{{\"fields\":{}}}", field_names_json(credentials))};
             })
      .integration;
}

Credentials Tenant::reveal_credentials(const Actor& actor, std::string_view integration_id) {
  require_change_permission(actor, "reveal_credentials");
  Credentials credentials;
  change_integration(*core_, id_, integration_id, actor,
                     [&](StoreSession& session, IntegrationRecord& record) {
                       require_not_disconnected(record.integration, "reveal credentials of");
                       credentials = open_credentials(session, core_->keyring(), record);
                       record.integration.last_used_at = core_->now_ms();
                       return LogLine{action::credentials_revealed,
                                      fmt::format("{{\"fields\":{}}}",
                                                  field_names_json(credentials))};
                     });
  return credentials;
}

namespace {

// Runs the host's tester; a throw is a failed test. The message is stored and
// returned, and the tester may have quoted a credential value: redacted here.
TestResult run_tester(const Tester& tester, Credentials credentials) {
  TestResult result;
  try {
    result = tester(credentials);
  } catch (const std::exception& error) {
    // Built in one buffer, so no stray copy is left if what() quotes a value.
    static constexpr std::string_view prefix = "tester failed: ";
    const std::string_view what = error.what();
    result = TestResult{false, {}};
    result.message.reserve(prefix.size() + what.size());
    result.message.append(prefix).append(what);
  } catch (...) {
    result = TestResult{false, "tester failed with an unknown exception"};
  }
  const std::string redacted = redact_credentials(result.message, credentials);
  wipe_string(result.message);
  result.message = clean_message(redacted);
  credentials.clear();
  return result;
}

}  // namespace

TestResult Tenant::test(const Actor& actor, std::string_view integration_id,
                        const Tester& tester) {
  require_change_permission(actor, "test");
  if (!tester) throw Error(ErrorCode::invalid_argument, "test needs a tester");
  return read_call_write(
      *core_,
      [&](StoreSession& session) {
        const IntegrationRecord record = load_or_throw(session, id_, integration_id);
        require_not_disconnected(record.integration, "test");
        return open_credentials(session, core_->keyring(), record);
      },
      [&](Credentials credentials) { return run_tester(tester, std::move(credentials)); },
      [&](TestResult result) {
        // Loaded afresh: the integration may have changed while the tester ran.
        change_integration(*core_, id_, integration_id, actor,
                           [&](StoreSession&, IntegrationRecord& record) {
                             Integration& integration = record.integration;
                             const TimeMs now = core_->now_ms();
                             integration.last_used_at = now;
                             integration.updated_at = now;
                             if (integration.status != IntegrationStatus::disconnected) {
                               if (result.success) {
                                 if (integration.status == IntegrationStatus::error) {
                                   integration.status = IntegrationStatus::connected;
                                 }
                                 integration.last_error.reset();
                               } else {
                                 integration.status = IntegrationStatus::error;
                                 integration.last_error = result.message;
                               }
                             }
                             return LogLine{result.success ? action::test_success
                                                           : action::test_failed,
                                            fmt::format("{{\"message\":{}}}",
                                                        json_quote(result.message))};
                           });
        return result;
      });
}

Integration Tenant::disconnect(const Actor& actor, std::string_view integration_id) {
  require_change_permission(actor, "disconnect");
  return change_integration(
             *core_, id_, integration_id, actor,
             [&](StoreSession& session, IntegrationRecord& record) {
               Integration& integration = record.integration;
               require_not_disconnected(integration, "disconnect");
               // Logged before `disconnected`, in the same transaction.
               cancel_jobs_of_disconnected(session, *core_, integration, actor);
               const TimeMs now = core_->now_ms();
               // Wiped from the row; secure_delete zeroes the cell.
               record.sealed_credentials.clear();
               integration.credential_mask.clear();
               integration.status = IntegrationStatus::disconnected;
               integration.disconnected_at = now;
               integration.updated_at = now;
               return LogLine{action::disconnected,
                              fmt::format("{{\"provider\":{},\"name\":{}}}",
                                          json_quote(integration.provider),
                                          json_quote(integration.name))};
             })
      .integration;
}

Integration Tenant::mark_error(const Actor& actor, std::string_view integration_id,
                               std::string_view message) {
  require_change_permission(actor, "mark_error");
  require_text(message, "error message", max_message_bytes);
  return change_integration(
             *core_, id_, integration_id, actor,
             [&](StoreSession&, IntegrationRecord& record) {
               Integration& integration = record.integration;
               require_not_disconnected(integration, "mark an error on");
               integration.status = IntegrationStatus::error;
               integration.last_error = std::string(message);
               integration.updated_at = core_->now_ms();
               return LogLine{action::status_error,
                              fmt::format("{{\"message\":{}}}", json_quote(message))};
             })
      .integration;
}

void Tenant::set_quota(const Actor& actor, std::optional<std::int64_t> max_integrations) {
  require_change_permission(actor, "set_quota");
  if (max_integrations && *max_integrations < 0) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("quota must be 0 or more, got {}", *max_integrations));
  }
  auto session = core_->session();
  Transaction transaction(*session, TransactionMode::write);
  session->set_quota(id_, max_integrations);
  transaction.commit();
}

std::optional<std::int64_t> Tenant::quota() const {
  auto session = core_->session();
  Transaction read(*session, TransactionMode::read);
  return session->quota(id_);
}

std::vector<ActivityEntry> Tenant::activity(const std::optional<std::string>& integration_id,
                                            const ActivityQuery& query) const {
  if (query.limit < 1 || query.limit > max_activity_limit) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("activity limit must be 1 to {}, got {}", max_activity_limit, query.limit));
  }
  auto session = core_->session();
  Transaction read(*session, TransactionMode::read);
  if (integration_id && !session->load_integration(id_, *integration_id)) {
    throw_integration_not_found(*integration_id);
  }
  std::optional<std::int64_t> before_sequence;
  if (query.before) {
    before_sequence = session->activity_sequence(id_, *query.before);
    if (!before_sequence) {
      throw Error(ErrorCode::not_found,
                  fmt::format("activity entry {} not found",
                              quote_for_message(*query.before)));
    }
  }
  auto entries = session->list_activity(id_, integration_id, query.limit, before_sequence);
  read.commit();
  return entries;
}

}  // namespace linkvault
