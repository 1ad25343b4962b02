#include "linkvault/vault.hpp"

#include "core/message_text.hpp"
#include "linkvault/error.hpp"
#include "linkvault/limits.hpp"
#include "store/open_store.hpp"
#include "vault/audit_log.hpp"
#include "vault/input_rules.hpp"
#include "vault/transaction.hpp"
#include "vault/vault_core.hpp"

#include <fmt/format.h>

namespace linkvault {

Vault::Vault(std::shared_ptr<VaultCore> core) : core_(std::move(core)) {}
Vault::Vault(Vault&&) noexcept = default;
Vault& Vault::operator=(Vault&&) noexcept = default;
Vault::~Vault() = default;

namespace {

// Recorded in a new vault's meta table (docs/FORMAT.md).
std::string kdf_profile(const MasterSecret& secret) {
  if (!secret.is_passphrase()) return "raw-key;hkdf-sha256";
  const auto& params = secret.argon2_params();
  return fmt::format("argon2id;m={};t={};p={};hkdf-sha256", params.memory_kib,
                     params.iterations, params.parallelism);
}

}  // namespace

Vault Vault::open(const std::string& location, const MasterSecret& secret,
                  const OpenOptions& options) {
  if (location.empty()) throw Error(ErrorCode::invalid_argument, "vault path must not be empty");
  if (options.busy_timeout_ms < 0) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("busy_timeout_ms must be 0 or more, got {}",
                            options.busy_timeout_ms));
  }
  StoreOptions store_options;
  store_options.create = options.create;
  store_options.busy_timeout_ms = options.busy_timeout_ms;
  store_options.kdf_profile = kdf_profile(secret);
  // The backend keeps the vault's salt; both keys are derived here, and the
  // backend gets only the database key.
  SecretBytes wrapping_key;
  auto store = open_store(location, store_options, [&](const FileSalt& salt) {
    VaultKeys keys = secret.derive_vault_keys(salt);
    wrapping_key = std::move(keys.wrapping_key);
    return std::move(keys.database_key);
  });
  return Vault(std::make_shared<VaultCore>(std::move(store), std::move(wrapping_key),
                                           location, options.clock));
}

Tenant Vault::tenant(std::string_view tenant_id) const {
  require_open(core_);
  require_text(tenant_id, "tenant id", max_tenant_id_bytes);
  return Tenant(core_, std::string(tenant_id));
}

std::vector<ProviderSpec> Vault::providers() const {
  return require_open(core_).catalog().providers();
}

ProviderSpec Vault::register_provider(std::string_view spec_json, bool replace) {
  return require_open(core_).catalog().add(spec_json, replace);
}

AuditReport Vault::verify_audit() const {
  VaultCore& core = require_open(core_);
  auto session = core.session();
  Transaction read(*session, TransactionMode::read);
  AuditReport report = verify_audit_chains(*session, core.keyring());
  read.commit();
  return report;
}

std::map<std::string, AuditAnchor> Vault::audit_heads() const {
  VaultCore& core = require_open(core_);
  auto session = core.session();
  Transaction read(*session, TransactionMode::read);
  AuditAnchors heads = read_audit_heads(*session);
  read.commit();
  return heads;
}

AuditReport Vault::verify_audit(const std::map<std::string, AuditAnchor>& anchors) const {
  VaultCore& core = require_open(core_);
  for (const auto& anchored : anchors) {
    require_text(anchored.first, "audit anchor tenant id", max_tenant_id_bytes);
    if (anchored.second.sequence < 1) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("audit anchor of tenant {} has sequence {}; sequences "
                              "start at 1", quote_for_message(anchored.first), anchored.second.sequence));
    }
  }
  auto session = core.session();
  Transaction read(*session, TransactionMode::read);
  AuditReport report = verify_audit_chains(*session, core.keyring(), anchors);
  read.commit();
  return report;
}

PurgeReport Vault::purge_tenant(const Actor& actor, std::string_view tenant_id) {
  VaultCore& core = require_open(core_);
  require_change_permission(actor, "purge_tenant");
  require_text(tenant_id, "tenant id", max_tenant_id_bytes);
  PurgeReport report;
  auto session = core.session();
  {
    Transaction transaction(*session, TransactionMode::write);
    const TenantRowCounts rows = session->delete_tenant_rows(tenant_id);
    report.integrations = rows.integrations;
    report.activity = rows.activity;
    report.jobs = rows.jobs;
    for (const KeyPurpose purpose :
         {KeyPurpose::credentials, KeyPurpose::audit, KeyPurpose::records}) {
      for (const WrappedKey& key : session->load_keys(tenant_id, purpose)) {
        if (key.state != KeyState::destroyed) ++report.keys;
      }
      core.keyring().destroy(*session, tenant_id, purpose);
    }
    // In this same transaction: old page images still hold the wrapped keys,
    // so a crash before they are shredded leaves the work recorded.
    session->mark_shred_pending();
    transaction.commit();
  }
  // If readers pin the old images now, the store finishes this later
  // (docs/SEMANTICS.md, "Keys and purging"); the purge itself is done.
  session->finish_shredding();
  return report;
}

void Vault::close() {
  if (core_) {
    core_->close();
  }
}

}  // namespace linkvault
