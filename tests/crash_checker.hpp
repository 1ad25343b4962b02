// The crash tests' parent side: after a kill, decide whether the one
// operation in flight (intent sent, no acknowledgement) committed, then prove
// the reopened vault holds exactly what the model says: every acknowledged
// operation present once, nothing extra, nothing twice. Returns problems as
// sentences rather than asserting, so each test reports them with context.
#pragma once

#include "crash_model.hpp"

#include "linkvault/linkvault.hpp"
#include "store/sqlcipher_store.hpp"
#include "store/sqlite.hpp"
#include "vault/vault_access.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace linkvault::crash {

using Problems = std::vector<std::string>;

inline void append(Problems& to, const Problems& more) {
  to.insert(to.end(), more.begin(), more.end());
}

// A child's records split into acknowledged operations, the one in flight
// when it died, and the error it reported (if any).
struct ChildReport {
  std::vector<Record> acks;      // in order, without the open
  std::optional<Record> in_flight;
  std::optional<Record> error;
  bool opened = false;
  std::int64_t last_seq = 0;  // the highest seq it announced
};

inline ChildReport read_report(const std::vector<Record>& records) {
  ChildReport report;
  std::optional<Record> pending;
  for (const Record& record : records) {
    if (record.kind == RecordKind::intent) {
      pending = record;
      report.last_seq = std::max(report.last_seq, record.seq);
    } else if (record.kind == RecordKind::ack) {
      pending.reset();
      if (record.op == OpKind::open) {
        report.opened = true;
      } else {
        report.acks.push_back(record);
      }
    } else {
      report.error = record;
      pending.reset();
    }
  }
  report.in_flight = pending;
  return report;
}

// The keyring as stored, read through a keyed raw connection.
struct KeyRow {
  std::string tenant;
  std::int64_t purpose = 0;
  std::int64_t version = 0;
  std::int64_t state = 0;
  bool wrapped = false;  // the wrapped key bytes are still there
};

inline std::vector<KeyRow> key_rows(Vault& vault) {
  auto& store = dynamic_cast<SqlCipherStore&>(VaultAccess::core(vault)->store());
  auto connection = store.open_connection();
  sql::Statement statement(connection->handle(),
                           "SELECT tenant, purpose, version, state, "
                           "wrapped IS NOT NULL AND length(wrapped) > 0 FROM keyring");
  std::vector<KeyRow> rows;
  while (statement.step()) {
    rows.push_back(KeyRow{statement.column_text(0), statement.column_int(1),
                          statement.column_int(2), statement.column_int(3),
                          statement.column_int(4) != 0});
  }
  return rows;
}

inline std::vector<ActivityEntry> all_activity(const Tenant& tenant) {
  std::vector<ActivityEntry> all;
  ActivityQuery query{1000, std::nullopt};
  for (;;) {
    auto page = tenant.activity(std::nullopt, query);
    all.insert(all.end(), page.begin(), page.end());
    if (page.size() < 1000) break;
    query.before = page.back().id;
  }
  return all;
}

inline std::string name_of(IntegrationStatus status) { return to_string(status); }

inline ErrorCode error_of(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const Error& error) {
    return error.code();
  }
  return ErrorCode::ok;
}

// Decides whether the operation in flight at the kill committed, and if so
// applies it to the model. An operation that writes activity committed iff
// its actor's entry exists; a connect iff its name exists; a quota iff it
// reads back; a purge iff the tenant's rows are gone (all of them: a partial
// purge is a problem).
// `intent` gets the id a committed connect was given.
inline Problems resolve_in_flight(Vault& vault, Model& model, Record& intent, bool& committed) {
  Problems problems;
  committed = false;
  const std::string tenant_id = text_of(intent.tenant);
  const std::string actor = actor_id(intent.worker, intent.seq);
  const std::string where = std::string("in-flight ") + to_string(intent.op) + " " + actor;
  auto tenant = vault.tenant(tenant_id.empty() ? std::string("unused") : tenant_id);
  switch (intent.op) {
    case OpKind::none:
    case OpKind::open:
      return problems;
    case OpKind::connect: {
      const auto found = tenant.find(provider, text_of(intent.name));
      committed = found.has_value();
      if (found) set_text(intent.integration, found->id);
      break;
    }
    case OpKind::reconnect:
    case OpKind::update:
    case OpKind::reveal:
    case OpKind::test:
    case OpKind::disconnect:
    case OpKind::mark_error: {
      int entries = 0;
      for (const auto& entry : all_activity(tenant)) entries += entry.user_id == actor ? 1 : 0;
      if (entries > 1) problems.push_back(where + ": " + std::to_string(entries) + " activity entries");
      committed = entries > 0;
      break;
    }
    case OpKind::set_quota:
      committed = tenant.quota() == quota_of(intent);
      break;
    case OpKind::purge: {
      // Each thing the purge removes says whether it ran; all must agree.
      std::vector<std::pair<std::string, bool>> evidence;  // (what, says it ran)
      std::set<std::string> present;
      for (const auto& integration : tenant.list()) present.insert(integration.id);
      std::size_t known = 0;
      std::size_t survived = 0;
      for (const auto* integration : model.of_tenant(tenant_id)) {
        ++known;
        survived += present.count(integration->id);
      }
      if (known > 0) {
        if (survived != 0 && survived != known) {
          problems.push_back(where + ": partial purge, " + std::to_string(survived) + " of " +
                             std::to_string(known) + " integrations survived");
        }
        evidence.emplace_back("integrations", survived == 0);
      }
      if (model.activity_count(tenant_id) > 0) {
        evidence.emplace_back("activity", all_activity(tenant).empty());
      }
      if (model.quotas[tenant_id]) evidence.emplace_back("quota", !tenant.quota());
      bool live_keys = false;
      for (const auto& key : key_rows(vault)) {
        live_keys = live_keys || (key.tenant == tenant_id &&
                                  key.state != static_cast<std::int64_t>(KeyState::destroyed));
      }
      if (live_keys) evidence.emplace_back("live keys", false);
      // Nothing to remove: running it or not leaves the same vault.
      committed = evidence.empty() || evidence.front().second;
      for (const auto& item : evidence) {
        if (item.second != committed) {
          problems.push_back(where + ": partial purge (" + evidence.front().first + ": " +
                             (committed ? "gone" : "kept") + ", " + item.first + ": " +
                             (item.second ? "gone" : "kept") + ")");
        }
      }
      break;
    }
  }
  if (committed) append(problems, apply(model, intent, false));
  return problems;
}

struct CheckOptions {
  std::set<std::string> reveal;  // ids whose value to reveal (the checker's reveal writes)
  bool reveal_all = false;
  std::set<std::string> purged_now;  // tenants purged since `keys_before` was read
  std::vector<KeyRow> keys_before;
};

// Compares the vault with the model: integrations (set, fields, values),
// quotas, purged ids, every tenant's activity (each expected entry exactly
// once, nothing else), the audit chains and the keyring.
inline Problems check_vault(Vault& vault, Model& model, const CheckOptions& options) {
  Problems problems;
  std::int64_t entries_total = 0;
  for (const std::string& tenant_id : model.tenants) {
    auto tenant = vault.tenant(tenant_id);
    const std::string in = " (tenant " + tenant_id + ")";

    // Activity first: the checker's own reveals below add to it.
    const auto log = all_activity(tenant);
    entries_total += static_cast<std::int64_t>(log.size());
    std::map<std::string, int> seen;
    std::int64_t checker_seen = 0;
    const auto& expected = model.activity[tenant_id];
    for (const auto& entry : log) {
      if (entry.user_id == checker_actor.user_id) {
        ++checker_seen;
        continue;
      }
      if (++seen[entry.user_id] > 1) {
        problems.push_back("operation " + entry.user_id + " has more than one activity entry" + in +
                           ": done twice");
      }
      const auto found = expected.find(entry.user_id);
      if (found == expected.end()) {
        problems.push_back("activity entry " + std::to_string(entry.sequence) + " (" +
                           entry.action + " by " + entry.user_id +
                           ") belongs to no acknowledged or committed operation" + in);
        continue;
      }
      const ExpectedEntry& want = found->second;
      if (entry.action != want.action ||
          entry.integration_id.value_or("") != want.integration_id ||
          entry.details.find(want.details_contain) == std::string::npos) {
        problems.push_back("activity entry of " + entry.user_id + " is " + entry.action + " on " +
                           entry.integration_id.value_or("-") + " " + entry.details +
                           "; expected " + want.action + " on " + want.integration_id +
                           " containing " + want.details_contain + in);
      }
    }
    for (const auto& want : expected) {
      if (seen.count(want.first) == 0) {
        problems.push_back("acknowledged " + want.second.action + " by " + want.first + " on " +
                           want.second.integration_id + " has no activity entry" + in + ": lost");
      }
    }
    if (checker_seen != model.checker_entries[tenant_id]) {
      problems.push_back("the checker's own reveals left " + std::to_string(checker_seen) +
                         " entries, expected " + std::to_string(model.checker_entries[tenant_id]) +
                         in);
    }

    // Integrations: exactly the model's set, unique (provider, name).
    const auto listed = tenant.list();
    std::set<std::string> listed_ids;
    std::set<std::string> names;
    for (const auto& integration : listed) {
      listed_ids.insert(integration.id);
      if (!names.insert(integration.provider + "/" + integration.name).second) {
        problems.push_back("two integrations named " + integration.provider + "/" +
                           integration.name + in);
      }
      const auto found = model.integrations.find(integration.id);
      if (found == model.integrations.end() || found->second.tenant != tenant_id) {
        problems.push_back("integration " + integration.id + " (" + integration.name +
                           ") was never acknowledged" + in);
        continue;
      }
      ModelIntegration& want = found->second;
      const std::string what = "integration " + want.id + " (" + want.name + ")" + in;
      if (integration.name != want.name) problems.push_back(what + ": name " + integration.name);
      if (want.contended) {
        if (integration.last_error && want.errors.count(*integration.last_error) == 0) {
          problems.push_back(what + ": last_error '" + *integration.last_error +
                             "' is no acknowledged or committed message");
        }
      } else {
        if (integration.status != want.status) {
          problems.push_back(what + ": status " + name_of(integration.status) + ", expected " +
                             name_of(want.status));
        }
        if (integration.last_error != want.last_error) {
          problems.push_back(what + ": last_error '" + integration.last_error.value_or("<none>") +
                             "', expected '" + want.last_error.value_or("<none>") + "'");
        }
      }
      if (want.used && !integration.last_used_at) {
        problems.push_back(what + ": revealed or tested, but last_used_at is empty");
      }
      if (want.status == IntegrationStatus::disconnected) {
        const auto code = error_of([&] { tenant.reveal_credentials(checker_actor, want.id); });
        if (code != ErrorCode::failed_precondition) {
          problems.push_back(what + ": disconnected, but reveal gave " +
                             std::string(error_code_name(code)));
        }
      } else if (options.reveal_all || options.reveal.count(want.id) != 0) {
        try {
          const auto revealed = tenant.reveal_credentials(checker_actor, want.id);
          ++model.checker_entries[tenant_id];
          ++entries_total;
          want.used = true;
          const auto value = revealed.find(token_field);
          const std::string got =
              value == revealed.end() ? "<missing>" : std::string(secret_view(value->second));
          if (got != want.token) {
            problems.push_back(what + ": reveals '" + got + "', the last acknowledged value is '" +
                               want.token + "'");
          }
        } catch (const Error& error) {
          problems.push_back(what + ": reveal failed: " + error.what());
        }
      }
    }
    for (const auto* want : model.of_tenant(tenant_id)) {
      if (listed_ids.count(want->id) == 0) {
        problems.push_back("acknowledged integration " + want->id + " (" + want->name +
                           ") is missing" + in + ": lost");
      }
    }
    for (const std::string& id : model.purged[tenant_id]) {
      const auto get = error_of([&] { tenant.get(id); });
      const auto reveal = error_of([&] { tenant.reveal_credentials(checker_actor, id); });
      if (get != ErrorCode::not_found || reveal != ErrorCode::not_found) {
        problems.push_back("purged integration " + id + in + ": get gave " +
                           error_code_name(get) + ", reveal gave " + error_code_name(reveal));
      }
    }
    if (tenant.quota() != model.quotas[tenant_id]) {
      const auto shown = [](std::optional<std::int64_t> q) {
        return q ? std::to_string(*q) : std::string("none");
      };
      problems.push_back("quota is " + shown(tenant.quota()) + ", last acknowledged " +
                         shown(model.quotas[tenant_id]) + in);
    }
  }

  const auto audit = vault.verify_audit();
  if (!audit.ok) problems.push_back("verify_audit failed at " + audit.first_bad.value_or("?"));
  if (audit.checked != entries_total) {
    problems.push_back("verify_audit checked " + std::to_string(audit.checked) +
                       " entries, the tenants list " + std::to_string(entries_total));
  }

  // Keyring: a destroyed key keeps no bytes and is never followed by an
  // older live one; a purge destroyed every key the tenant had before it.
  const auto keys = key_rows(vault);
  std::map<std::pair<std::string, std::int64_t>, std::int64_t> newest_destroyed;
  for (const auto& key : keys) {
    if (key.state == static_cast<std::int64_t>(KeyState::destroyed)) {
      if (key.wrapped) {
        problems.push_back("destroyed key " + key.tenant + " v" + std::to_string(key.version) +
                           " still holds its wrapped bytes");
      }
      auto& newest = newest_destroyed[{key.tenant, key.purpose}];
      newest = std::max(newest, key.version);
    }
  }
  for (const auto& key : keys) {
    if (key.state == static_cast<std::int64_t>(KeyState::destroyed)) continue;
    const auto found = newest_destroyed.find({key.tenant, key.purpose});
    if (found != newest_destroyed.end() && key.version < found->second) {
      problems.push_back("live key " + key.tenant + " v" + std::to_string(key.version) +
                         " is older than destroyed v" + std::to_string(found->second));
    }
  }
  for (const auto& before : options.keys_before) {
    if (options.purged_now.count(before.tenant) == 0) continue;
    for (const auto& key : keys) {
      if (key.tenant == before.tenant && key.purpose == before.purpose &&
          key.version == before.version &&
          (key.state != static_cast<std::int64_t>(KeyState::destroyed) || key.wrapped)) {
        problems.push_back("tenant " + key.tenant + " was purged but its key v" +
                           std::to_string(key.version) + " (purpose " +
                           std::to_string(key.purpose) + ") is not destroyed");
      }
    }
  }
  return problems;
}

}  // namespace linkvault::crash
