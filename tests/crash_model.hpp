// The crash tests' model of a vault: what the acknowledged operations say the
// vault must now hold. Children copy it at fork to choose valid operations;
// the parent applies every acknowledgement to it and, after a kill, checks
// the reopened vault against it (tests/crash_checker.hpp).
#pragma once

#include "crash_harness.hpp"

#include "linkvault/linkvault.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace linkvault::crash {

// Every operation runs as its own actor, so its activity entry (user_id)
// names exactly one operation: that is how "exactly once" is counted.
inline std::string actor_id(int worker, std::int64_t seq) {
  return "w" + std::to_string(worker) + "-" + std::to_string(seq);
}
inline Actor actor_for(int worker, std::int64_t seq) {
  return Actor{actor_id(worker, seq), "crash worker", Role::admin};
}
// The parent's own reveals while checking; they are acknowledged writes too.
inline const Actor checker_actor{"checker", "crash checker", Role::system};

// Tests pass or fail by seq alone, so an unacknowledged test's outcome is known.
inline bool test_succeeds(std::int64_t seq) { return seq % 3 != 0; }

inline constexpr std::string_view provider = "slack";
inline constexpr std::string_view token_field = "bot_token";

struct ModelIntegration {
  std::string id;
  std::string tenant;
  std::string name;
  IntegrationStatus status = IntegrationStatus::connected;
  std::string token;  // "" once disconnected
  std::optional<std::string> last_error;
  bool used = false;       // last_used_at must be set
  bool contended = false;  // several processes write it: last_error is one of `errors`
  std::set<std::string> errors;
};

// The activity entry one acknowledged operation must have left.
struct ExpectedEntry {
  std::string action;
  std::string integration_id;
  std::string details_contain;
};

struct Model {
  std::vector<std::string> tenants;                    // every tenant the test writes
  std::map<std::string, ModelIntegration> integrations;  // by id
  std::map<std::string, std::optional<std::int64_t>> quotas;
  // tenant -> actor id -> the one entry that operation wrote.
  std::map<std::string, std::map<std::string, ExpectedEntry>> activity;
  std::map<std::string, std::int64_t> checker_entries;  // tenant -> the parent's reveals
  std::map<std::string, std::vector<std::string>> purged;  // tenant -> ids purged
  std::map<std::string, int> purges;                        // tenant -> purges applied

  std::vector<const ModelIntegration*> of_tenant(const std::string& tenant) const {
    std::vector<const ModelIntegration*> out;
    for (const auto& entry : integrations) {
      if (entry.second.tenant == tenant) out.push_back(&entry.second);
    }
    return out;
  }

  std::int64_t activity_count(const std::string& tenant) const {
    const auto found = activity.find(tenant);
    const std::int64_t ops = found == activity.end() ? 0 : static_cast<std::int64_t>(found->second.size());
    const auto checker = checker_entries.find(tenant);
    return ops + (checker == checker_entries.end() ? 0 : checker->second);
  }
};

inline std::optional<std::int64_t> quota_of(const Record& record) {
  if (record.number < 0) return std::nullopt;
  return record.number;
}

// Applies one operation that happened (acknowledged, or found committed after
// a kill) to the model. `acknowledged`: the record carries the operation's
// results (revealed value, purge counts), which are checked against the model;
// the problems found are returned.
inline std::vector<std::string> apply(Model& model, const Record& op, bool acknowledged) {
  std::vector<std::string> problems;
  const std::string tenant = text_of(op.tenant);
  const std::string id = text_of(op.integration);
  const std::string value = text_of(op.value);
  const std::string actor = actor_id(op.worker, op.seq);
  const std::string where = std::string(to_string(op.op)) + " " + actor + " on " + tenant +
                            "/" + id;
  auto& log = model.activity[tenant];
  const auto expect = [&](std::string_view action, std::string details) {
    log[actor] = ExpectedEntry{std::string(action), id, std::move(details)};
  };
  const auto find = [&]() -> ModelIntegration* {
    const auto found = model.integrations.find(id);
    if (found == model.integrations.end()) {
      problems.push_back(where + ": the model has no such integration");
      return nullptr;
    }
    return &found->second;
  };

  switch (op.op) {
    case OpKind::none:
    case OpKind::open:
      break;
    case OpKind::connect: {
      ModelIntegration integration;
      integration.id = id;
      integration.tenant = tenant;
      integration.name = text_of(op.name);
      integration.token = value;
      if (model.integrations.count(id) != 0) problems.push_back(where + ": id reused");
      model.integrations[id] = integration;
      expect(action::connected, "\"reconnected\":false");
      break;
    }
    case OpKind::reconnect:
      if (auto* integration = find()) {
        if (integration->status != IntegrationStatus::disconnected) {
          problems.push_back(where + ": reconnected an integration that was not disconnected");
        }
        integration->status = IntegrationStatus::connected;
        integration->token = value;
        integration->last_error.reset();
      }
      expect(action::connected, "\"reconnected\":true");
      break;
    case OpKind::update:
      if (auto* integration = find()) integration->token = value;
      expect(action::credentials_updated, "bot_token");
      break;
    case OpKind::reveal:
      if (auto* integration = find()) {
        if (acknowledged && value != integration->token) {
          problems.push_back(where + ": revealed '" + value + "' but the last acknowledged value is '" +
                             integration->token + "'");
        }
        integration->used = true;
      }
      expect(action::credentials_revealed, "bot_token");
      break;
    case OpKind::test: {
      const bool success = op.number != 0;
      if (auto* integration = find()) {
        if (acknowledged && op.number2 == 0) {
          problems.push_back(where + ": the tester was not given the last acknowledged value '" +
                             integration->token + "'");
        }
        integration->used = true;
        if (success) {
          if (integration->status == IntegrationStatus::error) {
            integration->status = IntegrationStatus::connected;
          }
          integration->last_error.reset();
        } else {
          integration->status = IntegrationStatus::error;
          integration->last_error = value;
        }
      }
      expect(success ? action::test_success : action::test_failed, value);
      break;
    }
    case OpKind::disconnect:
      if (auto* integration = find()) {
        integration->status = IntegrationStatus::disconnected;
        integration->token.clear();
      }
      expect(action::disconnected, "\"name\":");
      break;
    case OpKind::mark_error:
      if (auto* integration = find()) {
        integration->status = IntegrationStatus::error;
        integration->last_error = value;
        integration->errors.insert(value);
      }
      expect(action::status_error, value);
      break;
    case OpKind::set_quota:
      model.quotas[tenant] = quota_of(op);
      break;
    case OpKind::purge: {
      std::int64_t rows = 0;
      for (auto it = model.integrations.begin(); it != model.integrations.end();) {
        if (it->second.tenant == tenant) {
          model.purged[tenant].push_back(it->first);
          it = model.integrations.erase(it);
          ++rows;
        } else {
          ++it;
        }
      }
      const std::int64_t entries = model.activity_count(tenant);
      if (acknowledged && (op.number != rows || op.number2 != entries)) {
        problems.push_back(where + ": purge reported " + std::to_string(op.number) +
                           " integrations and " + std::to_string(op.number2) +
                           " activity entries; the acknowledged operations made " +
                           std::to_string(rows) + " and " + std::to_string(entries));
      }
      model.activity[tenant].clear();
      model.checker_entries[tenant] = 0;
      model.quotas[tenant].reset();
      ++model.purges[tenant];
      break;
    }
  }
  return problems;
}

}  // namespace linkvault::crash
