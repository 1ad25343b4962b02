#include "vault/audit_log.hpp"

#include "core/uuid.hpp"
#include "crypto/audit_mac.hpp"
#include "linkvault/error.hpp"

#include <map>
#include <set>

namespace linkvault {

namespace {

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

void put_i64(std::vector<std::uint8_t>& out, std::int64_t value) {
  const auto bits = static_cast<std::uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(bits >> shift));
  }
}

void put_text(std::vector<std::uint8_t>& out, std::string_view text) {
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

}  // namespace

std::vector<std::uint8_t> canonical_activity_entry(const ActivityEntry& entry,
                                                   std::uint32_t key_version) {
  std::vector<std::uint8_t> out;
  out.reserve(128 + entry.details.size());
  put_text(out, "linkvault/v1/activity");
  put_text(out, entry.tenant);
  put_i64(out, entry.sequence);
  put_text(out, entry.id);
  out.push_back(entry.integration_id ? 1 : 0);
  put_text(out, entry.integration_id.value_or(""));
  put_text(out, entry.action);
  put_text(out, entry.user_id);
  put_text(out, entry.user_name);
  put_text(out, entry.details);
  put_i64(out, entry.created_at);
  put_u32(out, key_version);
  return out;
}

ActivityEntry append_activity(StoreSession& session, Keyring& keyring, const Clock& clock,
                              std::string_view tenant,
                              const std::optional<std::string>& integration_id,
                              std::string_view action, const Actor& actor,
                              std::string details_json) {
  const DataKey key = keyring.primary_key(session, tenant, KeyPurpose::audit);
  ActivityRecord record;
  ActivityEntry& entry = record.entry;
  entry.id = new_uuid_v7();
  entry.tenant = std::string(tenant);
  entry.integration_id = integration_id;
  entry.action = std::string(action);
  entry.user_id = actor.user_id;
  entry.user_name = actor.user_name;
  entry.details = std::move(details_json);
  entry.created_at = clock.now_ms();
  record.key_version = key.version;
  // The store hands over its head and writes the result in one atomic step.
  return session.append_to_chain(tenant, [&](const AuditHead& previous) {
    ActivityRecord next = record;
    next.entry.sequence = previous.sequence + 1;
    next.mac = audit_mac(key.key, previous.mac,
                         canonical_activity_entry(next.entry, key.version));
    return next;
  }).entry;
}

namespace {

// Walks one tenant's chain (and checks its anchor, if any). Returns false,
// with report.first_bad set, at the first failure.
bool verify_tenant_chain(StoreSession& session, Keyring& keyring, const std::string& tenant,
                         const AuditAnchor* anchor, AuditReport& report) {
  std::map<std::uint32_t, SecretBytes> keys;
  AuditHead previous;  // sequence 0, zero mac: the start of every chain
  std::optional<std::string> last_id;
  std::optional<std::string> anchored_id;  // the entry at the anchor's sequence
  bool anchored_mac_matches = false;
  bool broken = false;
  session.for_each_activity(tenant, [&](const ActivityRecord& record) {
    ++report.checked;
    bool good = record.entry.sequence == previous.sequence + 1;
    if (good) {
      auto found = keys.find(record.key_version);
      if (found == keys.end()) {
        try {
          found = keys.emplace(record.key_version,
                               keyring.key(session, tenant, KeyPurpose::audit,
                                           record.key_version)).first;
        } catch (const Error& error) {
          if (error.code() != ErrorCode::integrity) throw;
          good = false;  // an unknown or destroyed audit key version
        }
      }
      if (good) {
        const auto expected = audit_mac(found->second, previous.mac,
                                        canonical_activity_entry(record.entry,
                                                                 record.key_version));
        good = constant_time_equal(expected, record.mac);
      }
    }
    if (!good) {
      broken = true;
      report.first_bad = record.entry.id;
      return false;
    }
    if (anchor != nullptr && record.entry.sequence == anchor->sequence) {
      anchored_id = record.entry.id;
      anchored_mac_matches = constant_time_equal(record.mac, anchor->mac);
    }
    previous.sequence = record.entry.sequence;
    previous.mac = record.mac;
    last_id = record.entry.id;
    return true;
  });
  if (broken) return false;
  // The head must point at the last entry: a deleted newest entry (or an
  // appended one) shows up here. A chain whose entries are all gone reports
  // the tenant's name, as it has no entry id left.
  const AuditHead head = session.audit_head(tenant);
  if (head.sequence != previous.sequence || head.mac != previous.mac) {
    report.first_bad = last_id ? *last_id : tenant;
    return false;
  }
  if (anchor != nullptr) {
    // Shorter than the anchor: rolled back (or the tenant is gone), and the
    // entry the anchor names no longer exists.
    if (!anchored_id) {
      report.first_bad = tenant;
      return false;
    }
    // Same length or longer, but another entry at the anchored place: the
    // history was rewritten after a rollback (a fork).
    if (!anchored_mac_matches) {
      report.first_bad = anchored_id;
      return false;
    }
  }
  return true;
}

}  // namespace

AuditReport verify_audit_chains(StoreSession& session, Keyring& keyring,
                                const AuditAnchors& anchors) {
  AuditReport report;
  // Tenants in byte order, those with a chain and those only anchored alike,
  // so first_bad does not depend on which of the two a tenant is.
  std::set<std::string> tenants;
  for (std::string& tenant : session.audit_tenants()) tenants.insert(std::move(tenant));
  for (const auto& anchored : anchors) tenants.insert(anchored.first);
  for (const std::string& tenant : tenants) {
    const auto anchor = anchors.find(tenant);
    if (!verify_tenant_chain(session, keyring, tenant,
                             anchor == anchors.end() ? nullptr : &anchor->second, report)) {
      report.ok = false;
      return report;
    }
  }
  return report;
}

AuditAnchors read_audit_heads(StoreSession& session) {
  AuditAnchors heads;
  for (const std::string& tenant : session.audit_tenants()) {
    const AuditHead head = session.audit_head(tenant);
    if (head.sequence < 1) continue;  // entries without a head: nothing to anchor
    heads.emplace(tenant, AuditAnchor{head.sequence, head.mac});
  }
  return heads;
}

}  // namespace linkvault
