// Roles (every operation × role) and tenancy (every operation with another
// tenant's id is NOT_FOUND and changes nothing).
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

// Every operation of DESIGN.md §5, run against integration `id` of `tenant`.
struct Operation {
  const char* name;
  bool changes;  // needs admin or system
  std::function<void(Vault&, Tenant&, const Actor&, const std::string& id)> run;
};

std::vector<Operation> operations() {
  const auto ok_tester = [](const Credentials&) { return TestResult{true, "ok"}; };
  return {
      {"connect", true, [](Vault&, Tenant& t, const Actor& a, const std::string&) {
         t.connect(a, "tave", creds({{"api_key", "tave-key-000000001"}}));
       }},
      {"update_credentials", true, [](Vault&, Tenant& t, const Actor& a, const std::string& id) {
         t.update_credentials(a, id, creds({{"bot_token", "xoxb-updated-00001"}}));
       }},
      {"reveal_credentials", true, [](Vault&, Tenant& t, const Actor& a, const std::string& id) {
         t.reveal_credentials(a, id);
       }},
      {"test", true, [ok_tester](Vault&, Tenant& t, const Actor& a, const std::string& id) {
         t.test(a, id, ok_tester);
       }},
      {"disconnect", true, [](Vault&, Tenant& t, const Actor& a, const std::string& id) {
         t.disconnect(a, id);
       }},
      {"mark_error", true, [](Vault&, Tenant& t, const Actor& a, const std::string& id) {
         t.mark_error(a, id, "broken");
       }},
      {"set_quota", true, [](Vault&, Tenant& t, const Actor& a, const std::string&) {
         t.set_quota(a, 10);
       }},
      {"purge_tenant", true, [](Vault& v, Tenant& t, const Actor& a, const std::string&) {
         v.purge_tenant(a, t.id());
       }},
      {"get", false, [](Vault&, Tenant& t, const Actor&, const std::string& id) { t.get(id); }},
      {"find", false, [](Vault&, Tenant& t, const Actor&, const std::string&) { t.find("slack"); }},
      {"list", false, [](Vault&, Tenant& t, const Actor&, const std::string&) { t.list(); }},
      {"activity", false, [](Vault&, Tenant& t, const Actor&, const std::string& id) {
         t.activity(id);
       }},
      {"providers", false, [](Vault& v, Tenant&, const Actor&, const std::string&) { v.providers(); }},
      {"verify_audit", false, [](Vault& v, Tenant&, const Actor&, const std::string&) {
         v.verify_audit();
       }},
  };
}

// A fingerprint of everything a tenant holds, to show nothing changed.
std::string snapshot(Tenant& tenant) {
  std::string out;
  for (const auto& i : tenant.list()) {
    out += i.id + to_string(i.status) + i.credential_mask + i.last_error.value_or("") +
           std::to_string(i.updated_at) + ";";
  }
  for (const auto& e : tenant.activity(std::nullopt, ActivityQuery{1000, std::nullopt})) {
    out += e.id + ";";
  }
  out += std::to_string(tenant.quota().value_or(-1));
  return out;
}

}  // namespace

TEST_CASE("roles: reads are open to all, changes need admin or system") {
  for (const auto& operation : operations()) {
    for (const Actor* actor : {&admin, &member, &system_actor}) {
      CAPTURE(operation.name);
      CAPTURE(to_string(actor->role));
      VaultFixture f;
      auto tenant = f.vault.tenant("acme");
      const auto i = f.connect_slack(tenant);
      const std::string before = snapshot(tenant);
      const ErrorCode code = code_of([&] { operation.run(f.vault, tenant, *actor, i.id); });
      if (operation.changes && actor->role == Role::member) {
        CHECK(code == ErrorCode::permission_denied);
        CHECK(snapshot(tenant) == before);
      } else {
        CHECK(code == ErrorCode::ok);
      }
    }
  }
}

TEST_CASE("roles: an actor without a user id is INVALID_ARGUMENT") {
  VaultFixture f;
  auto tenant = f.vault.tenant("acme");
  const Actor nobody{"", "Nobody", Role::admin};
  CHECK(code_of([&] { tenant.connect(nobody, "tave", creds({{"api_key", "k"}})); }) ==
        ErrorCode::invalid_argument);
}

TEST_CASE("tenancy: another tenant's id is NOT_FOUND for every operation, and nothing changes") {
  VaultFixture f;
  auto owner = f.vault.tenant("owner");
  auto intruder = f.vault.tenant("intruder");
  const auto i = f.connect_slack(owner);
  const auto own = f.connect_slack(intruder);  // the intruder has data of its own
  const std::string owner_before = snapshot(owner);
  const std::string intruder_before = snapshot(intruder);
  const auto ok_tester = [](const Credentials&) { return TestResult{true, "ok"}; };

  const std::vector<std::pair<const char*, std::function<void()>>> attempts = {
      {"get", [&] { intruder.get(i.id); }},
      {"update_credentials", [&] { intruder.update_credentials(admin, i.id, creds({{"bot_token", "x"}})); }},
      {"reveal_credentials", [&] { intruder.reveal_credentials(admin, i.id); }},
      {"test", [&] { intruder.test(admin, i.id, ok_tester); }},
      {"disconnect", [&] { intruder.disconnect(admin, i.id); }},
      {"mark_error", [&] { intruder.mark_error(admin, i.id, "x"); }},
      {"activity", [&] { intruder.activity(i.id); }},
      {"activity before", [&] {
         intruder.activity(std::nullopt, ActivityQuery{10, owner.activity(i.id)[0].id});
       }},
  };
  for (const auto& named : attempts) {
    const auto& name = named.first;  // not a binding: clang 14 cannot capture one
    CAPTURE(name);
    CHECK(code_of(named.second) == ErrorCode::not_found);
  }
  CHECK_FALSE(intruder.find("slack", "default")->id == i.id);
  for (const auto& seen : intruder.list()) CHECK(seen.id == own.id);
  CHECK(snapshot(owner) == owner_before);
  CHECK(snapshot(intruder) == intruder_before);
}
