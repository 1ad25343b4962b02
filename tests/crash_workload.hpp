// The crash tests' child side: open a vault and run random valid operations
// over every write path, reporting each with an intent record before it and
// an acknowledgement after it returns (tests/crash_harness.hpp).
#pragma once

#include "crash_harness.hpp"
#include "crash_model.hpp"

#include "linkvault/linkvault.hpp"

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace linkvault::crash {

// What one worker may do.
struct WorkloadPlan {
  int worker = 0;
  std::vector<std::string> tenants;    // tenants this worker owns
  std::vector<std::string> purgeable;  // of those, the ones it may purge
  // One integration several workers mark_error on (a contended chain).
  std::optional<std::pair<std::string, std::string>> shared;  // tenant, id
  std::int64_t first_seq = 1;
  std::int64_t max_ops = -1;  // -1: until killed or asked to stop
  std::size_t max_per_tenant = 32;  // new connects stop there (reconnects go on)
  int purge_weight = 0;
};

// For Child::spawn: the (code, message) an exception in a child reports.
inline std::pair<int, std::string> describe_exception(std::exception_ptr exception) {
  try {
    std::rethrow_exception(exception);
  } catch (const Error& error) {
    return {static_cast<int>(error.code()),
            std::string(error_code_name(error.code())) + ": " + error.what()};
  } catch (const std::exception& error) {
    return {-1, std::string("std::exception: ") + error.what()};
  } catch (...) {
    return {-1, "unknown exception"};
  }
}

inline Credentials token_credentials(std::string_view token) {
  Credentials credentials;
  credentials.emplace(std::string(token_field), make_secret(token));
  return credentials;
}

inline ConnectOptions named(std::string name) {
  ConnectOptions options;
  options.name = std::move(name);
  return options;
}

class Workload {
 public:
  Workload(WorkloadPlan plan, Model model, std::uint64_t seed)
      : plan_(std::move(plan)), model_(std::move(model)), random_(seed), seq_(plan_.first_seq) {}

  // Picks the next valid operation and describes it as an intent record.
  Record next() {
    Record record;
    record.kind = RecordKind::intent;
    record.worker = static_cast<std::int16_t>(plan_.worker);
    record.seq = seq_++;
    const std::string tenant = plan_.tenants[pick(plan_.tenants.size())];
    set_text(record.tenant, tenant);
    const std::string tag = actor_id(plan_.worker, record.seq);

    std::vector<const ModelIntegration*> live;
    std::vector<const ModelIntegration*> gone;
    for (const auto* integration : model_.of_tenant(tenant)) {
      (integration->status == IntegrationStatus::disconnected ? gone : live).push_back(integration);
    }
    const bool room = live.size() + gone.size() < plan_.max_per_tenant;
    const bool purgeable = std::find(plan_.purgeable.begin(), plan_.purgeable.end(), tenant) !=
                           plan_.purgeable.end();
    // Weights per kind; an operation that would be refused gets none.
    const std::vector<std::pair<OpKind, int>> weights = {
        {OpKind::connect, room ? 3 : 0},
        {OpKind::reconnect, gone.empty() ? 0 : 2},
        {OpKind::update, live.empty() ? 0 : 4},
        {OpKind::reveal, live.empty() ? 0 : 3},
        {OpKind::test, live.empty() ? 0 : 3},
        {OpKind::disconnect, live.empty() ? 0 : 2},
        {OpKind::mark_error, live.empty() && !plan_.shared ? 0 : 3},
        {OpKind::set_quota, 1},
        {OpKind::purge, purgeable ? plan_.purge_weight : 0},
    };
    int total = 0;
    for (const auto& weight : weights) total += weight.second;
    int roll = static_cast<int>(pick(static_cast<std::size_t>(total)));
    for (const auto& weight : weights) {
      if (roll < weight.second) {
        record.op = weight.first;
        break;
      }
      roll -= weight.second;
    }

    const auto choose = [&](const std::vector<const ModelIntegration*>& from) {
      const ModelIntegration* chosen = from[pick(from.size())];
      set_text(record.integration, chosen->id);
      set_text(record.name, chosen->name);
    };
    switch (record.op) {
      case OpKind::connect:
        set_text(record.name, "n-" + tag);
        set_text(record.value, "xoxb-connect-" + tag);
        break;
      case OpKind::reconnect:
        choose(gone);
        set_text(record.value, "xoxb-reconnect-" + tag);
        break;
      case OpKind::update:
        choose(live);
        set_text(record.value, "xoxb-update-" + tag);
        break;
      case OpKind::reveal:
      case OpKind::disconnect:
        choose(live);
        break;
      case OpKind::test:
        choose(live);
        record.number = test_succeeds(record.seq) ? 1 : 0;
        set_text(record.value, "tested-" + tag);
        break;
      case OpKind::mark_error:
        // Half of them on the shared integration, when there is one.
        if (plan_.shared && (live.empty() || pick(2) == 0)) {
          set_text(record.tenant, plan_.shared->first);
          set_text(record.integration, plan_.shared->second);
        } else {
          choose(live);
        }
        set_text(record.value, "error-" + tag);
        break;
      case OpKind::set_quota:
        // Never low enough to refuse a connect: durability, not quotas.
        record.number = record.seq % 4 == 0 ? -1 : 100000 + record.seq;
        break;
      case OpKind::purge:
      case OpKind::none:
      case OpKind::open:
        break;
    }
    return record;
  }

  // Runs the operation; returns its acknowledgement.
  Record perform(Vault& vault, const Record& intent) {
    Record ack = intent;
    ack.kind = RecordKind::ack;
    const Actor actor = actor_for(intent.worker, intent.seq);
    const std::string id = text_of(intent.integration);
    const std::string value = text_of(intent.value);
    auto tenant = vault.tenant(text_of(intent.tenant));
    switch (intent.op) {
      case OpKind::connect: {
        ConnectOptions options;
        options.name = text_of(intent.name);
        const auto made = tenant.connect(actor, provider, token_credentials(value), options);
        set_text(ack.integration, made.id);
        break;
      }
      case OpKind::reconnect: {
        ConnectOptions options;
        options.name = text_of(intent.name);
        const auto made = tenant.connect(actor, provider, token_credentials(value), options);
        set_text(ack.integration, made.id);
        break;
      }
      case OpKind::update:
        tenant.update_credentials(actor, id, token_credentials(value));
        break;
      case OpKind::reveal: {
        const auto revealed = tenant.reveal_credentials(actor, id);
        set_text(ack.value, secret_view(revealed.at(std::string(token_field))));
        break;
      }
      case OpKind::test: {
        const std::string expected = model_.integrations.at(id).token;
        bool saw_expected = false;
        const bool success = intent.number != 0;
        const auto result = tenant.test(actor, id, [&](const Credentials& credentials) {
          const auto found = credentials.find(token_field);
          saw_expected = found != credentials.end() && secret_view(found->second) == expected;
          return TestResult{success, value};
        });
        ack.number = result.success ? 1 : 0;
        ack.number2 = saw_expected ? 1 : 0;
        break;
      }
      case OpKind::disconnect:
        tenant.disconnect(actor, id);
        break;
      case OpKind::mark_error:
        tenant.mark_error(actor, id, value);
        break;
      case OpKind::set_quota:
        tenant.set_quota(actor, quota_of(intent));
        break;
      case OpKind::purge: {
        const auto report = vault.purge_tenant(actor, text_of(intent.tenant));
        ack.number = report.integrations;
        ack.number2 = report.activity;
        break;
      }
      case OpKind::none:
      case OpKind::open:
        break;
    }
    return ack;
  }

  void applied(const Record& ack) { apply(model_, ack, true); }
  std::int64_t next_seq() const noexcept { return seq_; }

 private:
  std::size_t pick(std::size_t bound) {
    return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_);
  }

  WorkloadPlan plan_;
  Model model_;
  std::mt19937_64 random_;
  std::int64_t seq_;
};

// A child's whole life: report and open the vault, then run operations until
// killed, asked to stop, or max_ops are done.
inline void run_workload(ChildContext& context, const std::string& path,
                         const MasterSecret& master, const WorkloadPlan& plan,
                         const Model& model, std::uint64_t seed) {
  Record open;
  open.kind = RecordKind::intent;
  open.op = OpKind::open;
  open.worker = static_cast<std::int16_t>(plan.worker);
  open.seq = 0;
  context.send(open);
  Vault vault = Vault::open(path, master);
  open.kind = RecordKind::ack;
  context.send(open);

  Workload workload(plan, model, seed);
  for (std::int64_t done = 0; plan.max_ops < 0 || done < plan.max_ops; ++done) {
    if (context.stop_requested()) break;
    const Record intent = workload.next();
    context.send(intent);
    const Record ack = workload.perform(vault, intent);
    workload.applied(ack);
    context.send(ack);
  }
}

}  // namespace linkvault::crash
