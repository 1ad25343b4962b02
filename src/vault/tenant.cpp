// The integration lifecycle of DESIGN.md §5, one Tenant method per operation.
// Each change runs in one write transaction: load, check, seal, write, append
// to the audit chain, commit. Host callbacks run with no transaction open.
#include "linkvault/tenant.hpp"

#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "core/uuid.hpp"
#include "linkvault/error.hpp"
#include "vault/audit_log.hpp"
#include "vault/credential_codec.hpp"
#include "vault/credential_rules.hpp"
#include "vault/input_rules.hpp"
#include "vault/redaction.hpp"
#include "vault/transaction.hpp"
#include "vault/vault_core.hpp"

#include <fmt/format.h>

namespace linkvault {

namespace {

constexpr std::string_view credentials_purpose = "credentials";
constexpr std::size_t max_name_bytes = 128;
constexpr std::size_t max_account_bytes = 320;
constexpr std::size_t max_scope_bytes = 256;
constexpr std::size_t max_scopes = 256;

[[noreturn]] void throw_not_found(std::string_view integration_id) {
  // The same words whether the id is unknown or another tenant's.
  throw Error(ErrorCode::not_found,
              fmt::format("integration {} not found", quote_for_message(integration_id)));
}

IntegrationRecord load_or_throw(StoreSession& session, std::string_view tenant,
                                std::string_view integration_id) {
  auto record = session.load_integration(tenant, integration_id);
  if (!record) throw_not_found(integration_id);
  return std::move(*record);
}

void require_not_disconnected(const Integration& integration, std::string_view operation) {
  if (integration.status == IntegrationStatus::disconnected) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("cannot {} integration '{}': it is disconnected", operation,
                            integration.id));
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
  require_text(options.name, "name", max_name_bytes);
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

std::vector<std::uint8_t> seal_credentials(StoreSession& session, Keyring& keyring,
                                           const Integration& integration,
                                           const Credentials& credentials) {
  const SecretBytes plaintext = encode_credentials(credentials);
  const auto sealer = keyring.sealer(session, integration.tenant, KeyPurpose::credentials);
  return sealer->seal(plaintext, SealContext{integration.tenant, integration.id,
                                             credentials_purpose});
}

Credentials open_credentials(StoreSession& session, Keyring& keyring,
                             const IntegrationRecord& record) {
  const Integration& integration = record.integration;
  // Callers have ruled out a disconnected integration. Only one waiting for
  // its OAuth grant (pending_auth) legitimately has no blob yet; in any other
  // state an empty or NULL one was written by someone other than us.
  if (record.sealed_credentials.empty() &&
      integration.status == IntegrationStatus::pending_auth) {
    throw Error(ErrorCode::failed_precondition,
                fmt::format("integration '{}' holds no credentials yet: it is pending_auth",
                            integration.id));
  }
  if (record.sealed_credentials.empty()) {
    throw Error(ErrorCode::integrity,
                fmt::format("integration '{}' has lost its sealed credentials", integration.id));
  }
  const auto sealer = keyring.existing_sealer(session, integration.tenant,
                                              KeyPurpose::credentials);
  const SecretBytes plaintext = sealer->open(
      record.sealed_credentials,
      SealContext{integration.tenant, integration.id, credentials_purpose});
  return decode_credentials(plaintext);
}

}  // namespace

Tenant::Tenant(std::shared_ptr<VaultCore> core, std::string id)
    : core_(std::move(core)), id_(std::move(id)) {}

Integration Tenant::connect(const Actor& actor, std::string_view provider,
                            const Credentials& credentials, const ConnectOptions& options) {
  require_change_permission(actor, "connect");
  require_text(provider, "provider", 64);
  const ProviderSpec spec = core_->catalog().get(provider);
  validate_credentials(spec, credentials);
  validate_connect_options(options);

  auto session = core_->session();
  Transaction transaction(*session, TransactionMode::write);
  auto existing = session->find_integration(id_, spec.key, options.name);
  if (existing && existing->integration.status != IntegrationStatus::disconnected) {
    throw Error(ErrorCode::already_exists,
                fmt::format("tenant '{}' already has a {} integration named '{}' ({})", id_,
                            spec.key, options.name, existing->integration.id));
  }
  if (const auto quota = session->quota(id_)) {
    const auto live = session->count_live_integrations(id_);
    if (live >= *quota) {
      throw Error(ErrorCode::quota_exceeded,
                  fmt::format("tenant '{}' has {} of {} integrations allowed", id_, live,
                              *quota));
    }
  }

  const TimeMs now = now_ms();
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
  if (reconnect) {
    session->update_integration(record);
  } else {
    session->insert_integration(record);
  }
  append_activity(*session, core_->keyring(), id_, integration.id, action::connected, actor,
                  fmt::format("{{\"provider\":{},\"name\":{},\"reconnected\":{}}}",
                              json_quote(spec.key), json_quote(integration.name), reconnect));
  transaction.commit();
  return integration;
}

Integration Tenant::get(std::string_view integration_id) const {
  auto session = core_->session();
  auto record = session->load_integration(id_, integration_id);
  if (!record) throw_not_found(integration_id);
  return std::move(record->integration);
}

std::optional<Integration> Tenant::find(std::string_view provider, std::string_view name) const {
  auto session = core_->session();
  auto record = session->find_integration(id_, provider, name);
  if (!record) return std::nullopt;
  return std::move(record->integration);
}

std::vector<Integration> Tenant::list(const ListFilter& filter) const {
  auto session = core_->session();
  return session->list_integrations(id_, filter);
}

Integration Tenant::update_credentials(const Actor& actor, std::string_view integration_id,
                                       const Credentials& credentials,
                                       std::optional<TimeMs> expires_at) {
  require_change_permission(actor, "update_credentials");
  require_valid_expiry(expires_at);
  auto session = core_->session();
  Transaction transaction(*session, TransactionMode::write);
  IntegrationRecord record = load_or_throw(*session, id_, integration_id);
  Integration& integration = record.integration;
  require_not_disconnected(integration, "update credentials of");
  const ProviderSpec spec = core_->catalog().get(integration.provider);
  validate_credentials(spec, credentials);

  integration.credential_mask = credential_mask(spec, credentials);
  if (expires_at) integration.expires_at = expires_at;
  if (integration.status == IntegrationStatus::pending_auth) {
    integration.status = IntegrationStatus::connected;
  }
  integration.updated_at = now_ms();
  record.sealed_credentials = seal_credentials(*session, core_->keyring(), integration,
                                               credentials);
  session->update_integration(record);
  append_activity(*session, core_->keyring(), id_, integration.id,
                  action::credentials_updated, actor,
                  fmt::format("{{\"fields\":{}}}", field_names_json(credentials)));
  transaction.commit();
  return integration;
}

Credentials Tenant::reveal_credentials(const Actor& actor, std::string_view integration_id) {
  require_change_permission(actor, "reveal_credentials");
  auto session = core_->session();
  Transaction transaction(*session, TransactionMode::write);
  IntegrationRecord record = load_or_throw(*session, id_, integration_id);
  require_not_disconnected(record.integration, "reveal credentials of");
  Credentials credentials = open_credentials(*session, core_->keyring(), record);
  record.integration.last_used_at = now_ms();
  session->update_integration(record);
  append_activity(*session, core_->keyring(), id_, record.integration.id,
                  action::credentials_revealed, actor,
                  fmt::format("{{\"fields\":{}}}", field_names_json(credentials)));
  transaction.commit();
  return credentials;
}

TestResult Tenant::test(const Actor& actor, std::string_view integration_id,
                        const Tester& tester) {
  require_change_permission(actor, "test");
  if (!tester) throw Error(ErrorCode::invalid_argument, "test needs a tester");
  auto session = core_->session();
  Credentials credentials;
  {
    Transaction read(*session, TransactionMode::read);
    const IntegrationRecord record = load_or_throw(*session, id_, integration_id);
    require_not_disconnected(record.integration, "test");
    credentials = open_credentials(*session, core_->keyring(), record);
    read.commit();
  }

  // The host's call to the provider: no transaction is open while it runs.
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
  // The message is stored and returned: the tester may have quoted a value.
  const std::string redacted = redact_credentials(result.message, credentials);
  wipe_string(result.message);
  result.message = clean_message(redacted);
  credentials.clear();

  Transaction transaction(*session, TransactionMode::write);
  // Reload: the integration may have changed while the tester ran.
  IntegrationRecord record = load_or_throw(*session, id_, integration_id);
  Integration& integration = record.integration;
  const TimeMs now = now_ms();
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
  session->update_integration(record);
  append_activity(*session, core_->keyring(), id_, integration.id,
                  result.success ? action::test_success : action::test_failed, actor,
                  fmt::format("{{\"message\":{}}}", json_quote(result.message)));
  transaction.commit();
  return result;
}

Integration Tenant::disconnect(const Actor& actor, std::string_view integration_id) {
  require_change_permission(actor, "disconnect");
  auto session = core_->session();
  Transaction transaction(*session, TransactionMode::write);
  IntegrationRecord record = load_or_throw(*session, id_, integration_id);
  Integration& integration = record.integration;
  require_not_disconnected(integration, "disconnect");
  const TimeMs now = now_ms();
  record.sealed_credentials.clear();  // wiped from the row; secure_delete zeroes the cell
  integration.credential_mask.clear();
  integration.status = IntegrationStatus::disconnected;
  integration.disconnected_at = now;
  integration.updated_at = now;
  session->update_integration(record);
  append_activity(*session, core_->keyring(), id_, integration.id, action::disconnected, actor,
                  fmt::format("{{\"provider\":{},\"name\":{}}}", json_quote(integration.provider),
                              json_quote(integration.name)));
  transaction.commit();
  return integration;
}

Integration Tenant::mark_error(const Actor& actor, std::string_view integration_id,
                               std::string_view message) {
  require_change_permission(actor, "mark_error");
  require_text(message, "error message", 4096);
  auto session = core_->session();
  Transaction transaction(*session, TransactionMode::write);
  IntegrationRecord record = load_or_throw(*session, id_, integration_id);
  Integration& integration = record.integration;
  require_not_disconnected(integration, "mark an error on");
  integration.status = IntegrationStatus::error;
  integration.last_error = std::string(message);
  integration.updated_at = now_ms();
  session->update_integration(record);
  append_activity(*session, core_->keyring(), id_, integration.id, action::status_error, actor,
                  fmt::format("{{\"message\":{}}}", json_quote(message)));
  transaction.commit();
  return integration;
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
  return session->quota(id_);
}

std::vector<ActivityEntry> Tenant::activity(const std::optional<std::string>& integration_id,
                                            const ActivityQuery& query) const {
  if (query.limit < 1 || query.limit > 1000) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("activity limit must be 1 to 1000, got {}", query.limit));
  }
  auto session = core_->session();
  Transaction read(*session, TransactionMode::read);
  if (integration_id && !session->load_integration(id_, *integration_id)) {
    throw_not_found(*integration_id);
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
