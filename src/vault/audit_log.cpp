#include "vault/audit_log.hpp"

#include "core/uuid.hpp"
#include "crypto/audit_mac.hpp"
#include "linkvault/error.hpp"

#include <map>

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

ActivityEntry append_activity(StoreSession& session, Keyring& keyring,
                              std::string_view tenant,
                              const std::optional<std::string>& integration_id,
                              std::string_view action, const Actor& actor,
                              std::string details_json) {
  const DataKey key = keyring.primary_key(session, tenant, KeyPurpose::audit);
  const AuditHead head = session.audit_head(tenant);

  ActivityRecord record;
  ActivityEntry& entry = record.entry;
  entry.id = new_uuid_v7();
  entry.tenant = std::string(tenant);
  entry.integration_id = integration_id;
  entry.action = std::string(action);
  entry.user_id = actor.user_id;
  entry.user_name = actor.user_name;
  entry.details = std::move(details_json);
  entry.created_at = now_ms();
  entry.sequence = head.sequence + 1;
  record.key_version = key.version;
  record.mac = audit_mac(key.key, head.mac, canonical_activity_entry(entry, key.version));
  session.append_activity(record);
  return entry;
}

AuditReport verify_audit_chains(StoreSession& session, Keyring& keyring) {
  AuditReport report;
  for (const std::string& tenant : session.audit_tenants()) {
    std::map<std::uint32_t, SecretBytes> keys;
    AuditHead previous;  // sequence 0, zero mac: the start of every chain
    std::optional<std::string> last_id;
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
      previous.sequence = record.entry.sequence;
      previous.mac = record.mac;
      last_id = record.entry.id;
      return true;
    });
    if (!broken) {
      // The head must point at the last entry: a deleted newest entry (or an
      // appended one) shows up here. A chain whose entries are all gone
      // reports the tenant's name, as it has no entry id left.
      const AuditHead head = session.audit_head(tenant);
      if (head.sequence != previous.sequence || head.mac != previous.mac) {
        broken = true;
        report.first_bad = last_id ? *last_id : tenant;
      }
    }
    if (broken) {
      report.ok = false;
      return report;
    }
  }
  return report;
}

}  // namespace linkvault
