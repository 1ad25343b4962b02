// The crash tests' checker can fail: it reports a lost operation, one done
// twice, one nobody acknowledged, a missing integration, a stale value and a
// partial purge. (Without this, a checker that sees nothing would pass every
// crash test.)
#include "crash_checker.hpp"
#include "crash_workload.hpp"
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

// The checker of the SQLCipher crash tests (it reads the keyring through a
// raw SQLCipher connection): not run on PostgreSQL.
TEST_SUITE_BEGIN("sqlcipher");

using namespace linkvault;
using namespace linkvault::crash;
using linkvault::testing::VaultFixture;

namespace {

Record op_record(OpKind op, std::int64_t seq, const std::string& tenant,
                 const std::string& integration = "", const std::string& value = "") {
  Record record;
  record.kind = RecordKind::ack;
  record.op = op;
  record.seq = seq;
  set_text(record.tenant, tenant);
  set_text(record.integration, integration);
  set_text(record.value, value);
  return record;
}

bool mentions(const Problems& problems, std::string_view words) {
  for (const auto& problem : problems) {
    if (problem.find(words) != std::string::npos) return true;
  }
  return false;
}

// A vault with one acknowledged connect, and the model that says so.
struct Checked {
  VaultFixture f;
  Model model;
  Tenant acme = f.vault.tenant("acme");
  std::string id;

  Checked() {
    model.tenants = {"acme"};
    id = acme.connect(actor_for(0, 1), provider, token_credentials("xoxb-first-value"),
                      named("n1"))
             .id;
    Record connect = op_record(OpKind::connect, 1, "acme", id, "xoxb-first-value");
    set_text(connect.name, "n1");
    REQUIRE(apply(model, connect, true).empty());
  }

  Problems check() {
    CheckOptions options;
    options.reveal_all = true;
    return check_vault(f.vault, model, options);
  }
};

}  // namespace

TEST_CASE("crash checker: a vault matching its acknowledgements has no problems") {
  Checked c;
  c.acme.mark_error(actor_for(0, 2), c.id, "boom");
  REQUIRE(apply(c.model, op_record(OpKind::mark_error, 2, "acme", c.id, "boom"), true).empty());
  const auto problems = c.check();
  CHECK(problems.empty());
  CHECK(c.model.checker_entries["acme"] == 1);  // its own reveal, counted next time
  CHECK(c.check().empty());
}

TEST_CASE("crash checker: an acknowledged update that is not there is lost") {
  Checked c;
  REQUIRE(apply(c.model, op_record(OpKind::update, 2, "acme", c.id, "xoxb-second-value"), true)
              .empty());
  const auto problems = c.check();
  CHECK(mentions(problems, "has no activity entry"));
  CHECK(mentions(problems, "reveals 'xoxb-first-value', the last acknowledged value is 'xoxb-second-value'"));
}

TEST_CASE("crash checker: an operation with two activity entries was done twice") {
  Checked c;
  c.acme.mark_error(actor_for(0, 2), c.id, "boom");
  c.acme.mark_error(actor_for(0, 2), c.id, "boom");
  REQUIRE(apply(c.model, op_record(OpKind::mark_error, 2, "acme", c.id, "boom"), true).empty());
  CHECK(mentions(c.check(), "done twice"));
}

TEST_CASE("crash checker: a write nobody acknowledged is reported") {
  Checked c;
  c.acme.disconnect(actor_for(0, 2), c.id);
  const auto problems = c.check();
  CHECK(mentions(problems, "belongs to no acknowledged or committed operation"));
  CHECK(mentions(problems, "status disconnected, expected connected"));
}

TEST_CASE("crash checker: an acknowledged connect that is missing is lost, a quota that differs is reported") {
  Checked c;
  Record ghost = op_record(OpKind::connect, 2, "acme", "no-such-id", "xoxb-ghost-value");
  set_text(ghost.name, "ghost");
  REQUIRE(apply(c.model, ghost, true).empty());
  Record quota = op_record(OpKind::set_quota, 3, "acme");
  quota.number = 7;
  REQUIRE(apply(c.model, quota, true).empty());
  const auto problems = c.check();
  CHECK(mentions(problems, "acknowledged integration no-such-id (ghost) is missing"));
  CHECK(mentions(problems, "quota is none, last acknowledged 7"));
}

TEST_CASE("crash checker: a revealed value other than the acknowledged one is reported") {
  Checked c;
  Record reveal = op_record(OpKind::reveal, 2, "acme", c.id, "xoxb-other-value");
  CHECK(mentions(apply(c.model, reveal, true), "revealed 'xoxb-other-value'"));
}

TEST_CASE("crash checker: a purge that removed only some rows is partial") {
  Checked c;
  const auto second = c.acme.connect(actor_for(0, 2), provider, token_credentials("xoxb-second-value"),
                                     named("n2"));
  Record connect = op_record(OpKind::connect, 2, "acme", second.id, "xoxb-second-value");
  set_text(connect.name, "n2");
  REQUIRE(apply(c.model, connect, true).empty());
  auto raw = c.f.raw();
  sql::Statement remove(raw->handle(), "DELETE FROM integrations WHERE id = ?1");
  remove.bind(1, second.id).run();

  Record purge = op_record(OpKind::purge, 3, "acme");
  purge.kind = RecordKind::intent;
  bool committed = true;
  CHECK(mentions(resolve_in_flight(c.f.vault, c.model, purge, committed), "partial purge"));
  CHECK_FALSE(committed);
}

TEST_CASE("crash checker: the in-flight operation counts as committed exactly when its entry exists") {
  Checked c;
  Record update = op_record(OpKind::update, 2, "acme", c.id, "xoxb-second-value");
  update.kind = RecordKind::intent;
  bool committed = true;
  CHECK(resolve_in_flight(c.f.vault, c.model, update, committed).empty());
  CHECK_FALSE(committed);
  CHECK(c.check().empty());

  c.acme.update_credentials(actor_for(0, 3), c.id, token_credentials("xoxb-third-value"));
  Record landed = op_record(OpKind::update, 3, "acme", c.id, "xoxb-third-value");
  landed.kind = RecordKind::intent;
  CHECK(resolve_in_flight(c.f.vault, c.model, landed, committed).empty());
  CHECK(committed);
  CHECK(c.check().empty());
}

TEST_CASE("crash checker: an in-flight purge of a tenant holding only a quota is judged by the quota") {
  VaultFixture f;
  Model model;
  model.tenants = {"quiet"};
  auto quiet = f.vault.tenant("quiet");
  quiet.set_quota(actor_for(0, 1), 100001);
  Record quota = op_record(OpKind::set_quota, 1, "quiet");
  quota.number = 100001;
  REQUIRE(apply(model, quota, true).empty());

  Record purge = op_record(OpKind::purge, 2, "quiet");
  purge.kind = RecordKind::intent;
  bool committed = true;
  CHECK(resolve_in_flight(f.vault, model, purge, committed).empty());
  CHECK_FALSE(committed);
  CHECK(check_vault(f.vault, model, CheckOptions{}).empty());

  f.vault.purge_tenant(actor_for(0, 2), "quiet");
  CHECK(resolve_in_flight(f.vault, model, purge, committed).empty());
  CHECK(committed);
  CHECK(check_vault(f.vault, model, CheckOptions{}).empty());
}

TEST_SUITE_END();
