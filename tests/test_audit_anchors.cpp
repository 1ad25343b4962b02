// Rolling a vault back through its -wal, and the audit anchors that catch it
// (docs/SEMANTICS.md, "Rollback through the -wal, and audit anchors").
//
// How the attack is staged, deterministically: SQLite writes commits to the
// -wal and copies them into the main file only at a checkpoint (automatic at
// 1000 pages, far more than these few changes write, or when the last
// connection closes, which also deletes the -wal). So a -wal full of commits
// exists at rest only while the vault is open somewhere, or after a crash.
// The scene closes and reopens the vault once (the last close checkpoints the
// connect into the main file and leaves no -wal), makes its changes, then
// copies the file and its -wal while the fixture's Vault is still open and
// idle: exactly what a killed host leaves on disk. The attacks edit that
// copy's -wal without any key, and the copy is opened as the host would after
// a restart (no -shm, so SQLite recovers from the -wal).
#include "vault_fixture.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

constexpr const char* original_token = "xoxb-original-token-0001";
constexpr const char* rotated_token = "xoxb-rotated-token-00002";

std::uintmax_t size_or_zero(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : size;
}

void flip_byte(const std::string& path, std::uintmax_t offset) {
  std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
  REQUIRE(file);
  file.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  file.read(&byte, 1);
  REQUIRE(file);
  byte = static_cast<char>(byte ^ 0x01);
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(&byte, 1);
  REQUIRE(file);
}

enum class Attack {
  none,             // a faithful copy
  truncate_wal,     // cut the -wal back to its size after the first change
  corrupt_frame,    // flip a byte in the first frame header after that point
  corrupt_header,   // flip a byte in the -wal header: the whole -wal is ignored
};

// Connect (checkpointed), then in the -wal: mark_error (sequence 2), then
// update_credentials (3) and disconnect (4, wipes the credentials).
struct RollbackScene : VaultFixture {
  std::string integration_id;
  std::uintmax_t wal_after_first_change = 0;
  AuditAnchors anchors_after_first_change;  // acme at sequence 2
  AuditAnchors anchors_after_changes;       // acme at sequence 4
  std::string copy_path = dir + "/copy.vault";

  RollbackScene() {
    {
      auto acme = vault.tenant("acme");
      integration_id = connect_slack(acme, "default", original_token).id;
    }
    // The last connection to close checkpoints the WAL into the file.
    vault.close();
    vault = Vault::open(path, master);
    REQUIRE(size_or_zero(wal()) == 0);

    auto acme = vault.tenant("acme");
    acme.mark_error(admin, integration_id, "first change");
    wal_after_first_change = size_or_zero(wal());
    REQUIRE(wal_after_first_change > 32);  // a header and at least one frame
    anchors_after_first_change = vault.audit_heads();

    acme.update_credentials(admin, integration_id, creds({{"bot_token", rotated_token}}));
    acme.disconnect(admin, integration_id);
    anchors_after_changes = vault.audit_heads();
    REQUIRE(anchors_after_changes.at("acme").sequence == 4);
    // Nothing was checkpointed: every change since the reopen is in the -wal.
    REQUIRE(size_or_zero(wal()) > wal_after_first_change);
  }

  std::string wal() const { return path + "-wal"; }

  // The vault's files as a killed host leaves them, then `attack` on the
  // copy's -wal. Returns the copy, opened.
  Vault attacked_copy(Attack attack) {
    namespace fs = std::filesystem;
    const auto overwrite = fs::copy_options::overwrite_existing;
    fs::copy_file(path, copy_path, overwrite);
    fs::copy_file(wal(), copy_path + "-wal", overwrite);
    const std::string copy_wal = copy_path + "-wal";
    switch (attack) {
      case Attack::none:
        break;
      case Attack::truncate_wal:
        fs::resize_file(copy_wal, wal_after_first_change);
        break;
      case Attack::corrupt_frame:
        // Bytes 8..15 of a frame header repeat the -wal header's salt; a
        // frame whose salt does not match ends the log there.
        flip_byte(copy_wal, wal_after_first_change + 8);
        break;
      case Attack::corrupt_header:
        flip_byte(copy_wal, 24);  // the header's checksum
        break;
    }
    return Vault::open(copy_path, master, OpenOptions{.create = false});
  }
};

}  // namespace

TEST_CASE("audit_heads names each tenant's newest entry, and only tenants with entries") {
  VaultFixture f;
  CHECK(f.vault.audit_heads().empty());

  auto acme = f.vault.tenant("acme");
  auto globex = f.vault.tenant("globex");
  const auto slack = f.connect_slack(acme);
  acme.mark_error(admin, slack.id, "down");
  f.connect_slack(globex);
  acme.set_quota(admin, 3);
  f.vault.tenant("quota-only").set_quota(admin, 1);  // a tenants row, no chain

  const auto heads = f.vault.audit_heads();
  REQUIRE(heads.size() == 2);
  CHECK(heads.at("acme").sequence == 2);
  CHECK(heads.at("globex").sequence == 1);
  CHECK(heads.count("quota-only") == 0);
  CHECK(heads.at("acme").mac != heads.at("globex").mac);
  CHECK(heads.at("acme").mac != std::array<std::uint8_t, 32>{});
  CHECK(heads.at("acme").sequence == acme.activity(std::nullopt).front().sequence);
}

TEST_CASE("anchors verify ok on an untouched vault, now and as the chain grows" *
          doctest::test_suite("sqlcipher")) {
  RollbackScene f;
  CHECK(f.vault.verify_audit(f.anchors_after_changes).ok);
  CHECK(f.vault.verify_audit(f.anchors_after_first_change).ok);

  auto acme = f.vault.tenant("acme");
  f.connect_slack(acme, "second");
  const auto grown = f.vault.verify_audit(f.anchors_after_changes);
  CHECK(grown.ok);
  CHECK(grown.checked == 5);
  CHECK_FALSE(grown.first_bad.has_value());

  // A faithful copy of the files (what a crash leaves) keeps every commit.
  Vault copy = f.attacked_copy(Attack::none);
  CHECK(copy.verify_audit(f.anchors_after_changes).ok);
  CHECK(copy.tenant("acme").get(f.integration_id).status == IntegrationStatus::disconnected);
  copy.close();
}

TEST_CASE("a rollback through the -wal brings wiped credentials back and verify_audit cannot tell" *
          doctest::test_suite("sqlcipher")) {
  RollbackScene f;
  Attack attack = Attack::none;
  std::int64_t sequence_left = 0;
  SUBCASE("the -wal truncated") {
    attack = Attack::truncate_wal;
    sequence_left = 2;
  }
  SUBCASE("a frame header corrupted") {
    attack = Attack::corrupt_frame;
    sequence_left = 2;
  }
  SUBCASE("the -wal header corrupted") {
    attack = Attack::corrupt_header;
    sequence_left = 1;  // back to the last checkpoint: only the connect
  }
  CAPTURE(sequence_left);
  Vault copy = f.attacked_copy(attack);
  auto acme = copy.tenant("acme");

  // Committed changes are gone: the disconnect, and so its wipe, never
  // happened, and the credentials are the ones before the update.
  const Integration integration = acme.get(f.integration_id);
  CHECK(integration.status != IntegrationStatus::disconnected);
  const Credentials revealed = acme.reveal_credentials(admin, f.integration_id);
  CHECK(secret_view(revealed.at("bot_token")) == original_token);
  CHECK(acme.activity(std::nullopt).front().action == "credentials_revealed");
  CHECK(acme.activity(std::nullopt).front().sequence == sequence_left + 1);

  // The limit: the shorter chain is a perfectly good chain.
  const AuditReport unanchored = copy.verify_audit();
  CHECK(unanchored.ok);
  CHECK_FALSE(unanchored.first_bad.has_value());

  // The defence: the heads taken after the changes no longer fit.
  const AuditReport anchored = copy.verify_audit(f.anchors_after_changes);
  CHECK_FALSE(anchored.ok);
  // Sequence 4 does not exist (the reveal above made sequence_left + 1 only).
  CHECK(anchored.first_bad == "acme");
  copy.close();
}

TEST_CASE("a rollback followed by new changes is a fork that anchors catch" *
          doctest::test_suite("sqlcipher")) {
  RollbackScene f;
  Vault copy = f.attacked_copy(Attack::truncate_wal);
  auto acme = copy.tenant("acme");
  // Rewrite history up to the anchored length and beyond: sequences 3, 4, 5.
  acme.mark_error(admin, f.integration_id, "forged 1");
  acme.mark_error(admin, f.integration_id, "forged 2");
  acme.mark_error(admin, f.integration_id, "forged 3");
  const auto entries = acme.activity(std::nullopt);  // newest first
  REQUIRE(entries.front().sequence == 5);
  const std::string forged_fourth = entries[1].id;
  REQUIRE(entries[1].sequence == 4);

  CHECK(copy.verify_audit().ok);
  const AuditReport anchored = copy.verify_audit(f.anchors_after_changes);
  CHECK_FALSE(anchored.ok);
  CHECK(anchored.first_bad == forged_fourth);
  // The part of the history before the fork still matches its anchor.
  CHECK(copy.verify_audit(f.anchors_after_first_change).ok);
  copy.close();
}

TEST_CASE("verify_audit with anchors") {
  VaultFixture f;
  auto acme = f.vault.tenant("acme");
  auto globex = f.vault.tenant("globex");
  const auto slack = f.connect_slack(acme);
  acme.mark_error(admin, slack.id, "down");
  f.connect_slack(globex);
  const AuditAnchors heads = f.vault.audit_heads();
  const auto oldest_acme = acme.activity(std::nullopt).back();

  SUBCASE("no anchors is verify_audit()") {
    const auto report = f.vault.verify_audit(AuditAnchors{});
    CHECK(report.ok);
    CHECK(report.checked == 3);
  }
  SUBCASE("a tenant without an anchor is checked as before") {
    AuditAnchors only_globex{{"globex", heads.at("globex")}};
    CHECK(f.vault.verify_audit(only_globex).ok);
  }
  SUBCASE("an anchor beyond the chain names the tenant") {
    AuditAnchors ahead = heads;
    ahead["acme"].sequence = 3;
    const auto report = f.vault.verify_audit(ahead);
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad == "acme");
  }
  SUBCASE("an anchor with another MAC names the entry at its sequence") {
    AuditAnchors forked = heads;
    forked["acme"].sequence = 1;
    forked["acme"].mac[0] ^= 1;
    const auto report = f.vault.verify_audit(forked);
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad == oldest_acme.id);
  }
  SUBCASE("an anchored tenant that has no chain at all") {
    AuditAnchors missing = heads;
    missing["initech"] = heads.at("globex");
    const auto report = f.vault.verify_audit(missing);
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad == "initech");
  }
  SUBCASE("a purged tenant's anchor fails until the host drops it") {
    f.vault.purge_tenant(admin, "globex");
    AuditAnchors kept = heads;
    CHECK(f.vault.verify_audit(kept).first_bad == "globex");
    kept.erase("globex");
    CHECK(f.vault.verify_audit(kept).ok);
  }
  SUBCASE("a broken chain is reported as without anchors") {
    REQUIRE(f.raw_exec("acme", {"UPDATE activity SET user_id = 'mallory' WHERE id = ?1"},
                       {oldest_acme.id}) == 1);
    const auto report = f.vault.verify_audit(heads);
    CHECK_FALSE(report.ok);
    CHECK(report.first_bad == oldest_acme.id);
  }
}

TEST_CASE("verify_audit refuses malformed anchors and a closed vault") {
  VaultFixture f;
  auto acme = f.vault.tenant("acme");
  f.connect_slack(acme);
  const AuditAnchors heads = f.vault.audit_heads();

  AuditAnchors zero = heads;
  zero["acme"].sequence = 0;
  CHECK(code_of([&] { f.vault.verify_audit(zero); }) == ErrorCode::invalid_argument);
  AuditAnchors negative = heads;
  negative["acme"].sequence = -5;
  CHECK(code_of([&] { f.vault.verify_audit(negative); }) == ErrorCode::invalid_argument);
  AuditAnchors empty_id{{"", heads.at("acme")}};
  CHECK(code_of([&] { f.vault.verify_audit(empty_id); }) == ErrorCode::invalid_argument);
  AuditAnchors long_id{{std::string(129, 't'), heads.at("acme")}};
  CHECK(code_of([&] { f.vault.verify_audit(long_id); }) == ErrorCode::invalid_argument);
  AuditAnchors control{{"ac\nme", heads.at("acme")}};
  CHECK(code_of([&] { f.vault.verify_audit(control); }) == ErrorCode::invalid_argument);

  f.vault.close();
  CHECK(code_of([&] { f.vault.audit_heads(); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.vault.verify_audit(heads); }) == ErrorCode::failed_precondition);
}
