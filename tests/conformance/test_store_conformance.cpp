// The Store conformance suite: what every backend must guarantee, written
// against store/store.hpp and make_conformance_backend() only. Races run 8
// threads, each with its own Store (as 8 processes would) or its own session.
#include "backend.hpp"
#include "in_write.hpp"
#include "run_threads.hpp"

#include "crypto/audit_mac.hpp"
#include "linkvault/error.hpp"
#include "vault/audit_log.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace linkvault;
using namespace linkvault::conformance;

namespace {

SecretBytes fixed_key(std::uint8_t fill) { return SecretBytes(32, fill); }

ErrorCode code_of(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const Error& error) {
    return error.code();
  }
  return ErrorCode::ok;
}

// One chain entry built from the head the store hands over, MACed as the
// vault does.
ActivityRecord next_entry(const AuditHead& previous, std::string_view tenant,
                          const std::string& id, const SecretBytes& key) {
  ActivityRecord record;
  record.entry.id = id;
  record.entry.tenant = std::string(tenant);
  record.entry.action = "test_success";
  record.entry.user_id = "u-conformance";
  record.entry.user_name = "Conformance";
  record.entry.details = "{}";
  record.entry.created_at = 1'700'000'000'000;
  record.entry.sequence = previous.sequence + 1;
  record.key_version = 1;
  record.mac = audit_mac(key, previous.mac, canonical_activity_entry(record.entry, 1));
  return record;
}

IntegrationRecord integration(std::string_view tenant, const std::string& name,
                              IntegrationStatus status = IntegrationStatus::connected) {
  IntegrationRecord record;
  Integration& i = record.integration;
  i.id = std::string(tenant) + "/" + name;
  i.tenant = std::string(tenant);
  i.provider = "slack";
  i.name = name;
  i.status = status;
  i.credential_mask = "••••0000";
  i.connected_by = "u-conformance";
  i.created_at = 1'700'000'000'000;
  i.updated_at = 1'700'000'000'000;
  record.sealed_credentials = {1, 2, 3};
  return record;
}

// Each chain entry's MAC chains to the one before, from sequence 1 on with
// no gap; returns how many entries there are.
std::int64_t check_chain(StoreSession& session, std::string_view tenant, const SecretBytes& key) {
  AuditHead previous;
  std::int64_t count = 0;
  session.for_each_activity(tenant, [&](const ActivityRecord& record) {
    ++count;
    CHECK(record.entry.sequence == previous.sequence + 1);
    const auto expected = audit_mac(key, previous.mac,
                                    canonical_activity_entry(record.entry, record.key_version));
    CHECK(expected == record.mac);
    previous.sequence = record.entry.sequence;
    previous.mac = record.mac;
    return true;
  });
  const AuditHead head = session.audit_head(tenant);
  CHECK(head.sequence == previous.sequence);
  CHECK(head.mac == previous.mac);
  return count;
}

}  // namespace

TEST_CASE("conformance: chain appends from 8 threads never fork and never skip") {
  auto backend = make_conformance_backend();
  const SecretBytes key = fixed_key(0x42);
  constexpr int per_thread = 25;
  run_threads([&](int t) {
    auto store = backend->open(30'000);
    for (int n = 0; n < per_thread; ++n) {
      auto session = store->session();
      session->begin(TransactionMode::write);
      const std::string id = "entry-" + std::to_string(t) + "-" + std::to_string(n);
      session->append_to_chain("acme", [&](const AuditHead& previous) {
        return next_entry(previous, "acme", id, key);
      });
      session->commit();
    }
  });
  auto store = backend->open(5000);
  auto session = store->session();
  session->begin(TransactionMode::read);
  CHECK(check_chain(*session, "acme", key) == thread_count * per_thread);
  session->commit();
}

TEST_CASE("conformance: append_to_chain refuses a record that does not follow the head") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  auto session = store->session();
  session->begin(TransactionMode::write);
  const SecretBytes key = fixed_key(1);
  CHECK(code_of([&] {
          session->append_to_chain("acme", [&](const AuditHead& previous) {
            auto record = next_entry(previous, "acme", "e-1", key);
            record.entry.sequence += 1;  // skips one
            return record;
          });
        }) == ErrorCode::internal);
  session->rollback();
}

TEST_CASE("conformance: the quota is never exceeded by connects racing from 8 threads") {
  auto backend = make_conformance_backend();
  constexpr std::int64_t quota = 5;
  {
    auto store = backend->open(5000);
    auto session = store->session();
    session->begin(TransactionMode::write);
    session->set_quota("acme", quota);
    // A disconnected integration does not count against the quota.
    session->insert_integration_within_quota(
        integration("acme", "old", IntegrationStatus::disconnected));
    session->commit();
  }
  std::atomic<int> written{0};
  std::atomic<int> refused{0};
  run_threads([&](int t) {
    auto store = backend->open(30'000);
    for (int n = 0; n < 3; ++n) {
      auto session = store->session();
      session->begin(TransactionMode::write);
      const auto result = session->insert_integration_within_quota(
          integration("acme", "i-" + std::to_string(t) + "-" + std::to_string(n)));
      session->commit();
      if (result.outcome == QuotaWrite::Outcome::written) {
        ++written;
      } else {
        CHECK(result.outcome == QuotaWrite::Outcome::quota_exceeded);
        CHECK(result.live == quota);
        CHECK(result.max == quota);
        ++refused;
      }
    }
  });
  CHECK(written.load() == quota);
  CHECK(refused.load() == thread_count * 3 - quota);
  auto store = backend->open(5000);
  auto session = store->session();
  session->begin(TransactionMode::read);
  ListFilter live;
  live.status = IntegrationStatus::connected;
  CHECK(session->list_integrations("acme", live).size() == static_cast<std::size_t>(quota));
  session->commit();
}

TEST_CASE("conformance: quota-guarded writes report already_exists, and reconnect counts") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  auto session = store->session();
  session->begin(TransactionMode::write);
  session->set_quota("acme", 1);
  CHECK(session->insert_integration_within_quota(integration("acme", "a")).outcome ==
        QuotaWrite::Outcome::written);
  // The same (tenant, provider, name) again.
  CHECK(session->insert_integration_within_quota(integration("acme", "a")).outcome ==
        QuotaWrite::Outcome::already_exists);
  // Reconnecting a row that is live is already_exists; a disconnected one
  // over the quota is quota_exceeded.
  CHECK(session->reconnect_integration_within_quota(integration("acme", "a")).outcome ==
        QuotaWrite::Outcome::already_exists);
  session->set_quota("acme", std::nullopt);
  CHECK(session->insert_integration_within_quota(
            integration("acme", "b", IntegrationStatus::disconnected)).outcome ==
        QuotaWrite::Outcome::written);
  session->set_quota("acme", 1);
  const auto over = session->reconnect_integration_within_quota(integration("acme", "b"));
  CHECK(over.outcome == QuotaWrite::Outcome::quota_exceeded);
  CHECK(over.live == 1);
  session->set_quota("acme", 2);
  CHECK(session->reconnect_integration_within_quota(integration("acme", "b")).outcome ==
        QuotaWrite::Outcome::written);
  CHECK(session->load_integration("acme", "acme/b")->integration.status ==
        IntegrationStatus::connected);
  session->commit();
}

TEST_CASE("conformance: racing creations of one key version store exactly one") {
  auto backend = make_conformance_backend();
  std::mutex mutex;
  std::vector<KeyringStorage::KeyInsert> results;
  run_threads([&](int t) {
    auto store = backend->open(30'000);
    auto session = store->session();
    session->begin(TransactionMode::write);
    WrappedKey key;
    key.tenant = "acme";
    key.purpose = KeyPurpose::audit;
    key.version = 1;
    key.wrapped = std::vector<std::uint8_t>(60, static_cast<std::uint8_t>(t));
    auto result = session->insert_key_if_absent(key);
    // The transaction is still usable after losing the race.
    CHECK(session->load_keys("acme", KeyPurpose::audit).size() == 1);
    session->commit();
    std::lock_guard lock(mutex);
    results.push_back(std::move(result));
  });
  int created = 0;
  std::set<std::vector<std::uint8_t>> stored;
  for (const auto& result : results) {
    created += result.created ? 1 : 0;
    stored.insert(result.stored.wrapped);
  }
  CHECK(created == 1);
  CHECK(stored.size() == 1);  // every loser got the winner's row
}

TEST_CASE("conformance: racing registrations of one provider key store exactly one") {
  auto backend = make_conformance_backend();
  std::mutex mutex;
  std::set<std::string> returned;
  run_threads([&](int t) {
    auto store = backend->open(30'000);
    auto session = store->session();
    session->begin(TransactionMode::write);
    StoredProvider provider;
    provider.key = "acme_crm";
    provider.spec_json = "{\"writer\":" + std::to_string(t) + "}";
    provider.created_at = provider.updated_at = 1000 + t;
    const StoredProvider stored = session->providers().insert_provider_if_absent(provider);
    // The transaction is still usable after losing the race.
    CHECK(session->providers().list_providers().size() == 1);
    session->commit();
    std::lock_guard lock(mutex);
    returned.insert(stored.spec_json);
  });
  CHECK(returned.size() == 1);  // every loser got the winner's row
  auto store = backend->open(5000);
  auto session = store->session();
  const auto row = session->providers().load_provider("acme_crm");
  REQUIRE(row.has_value());
  CHECK(returned.count(row->spec_json) == 1);
}

TEST_CASE("conformance: keyrings racing to create a tenant's first key end with one version") {
  auto backend = make_conformance_backend();
  const SecretBytes wrapping = fixed_key(7);
  std::mutex mutex;
  std::set<std::vector<std::uint8_t>> keys_seen;
  run_threads([&](int) {
    auto store = backend->open(30'000);
    Keyring keyring(wrapping);  // one per thread, as one per process
    auto session = store->session();
    session->begin(TransactionMode::write);
    const DataKey key = keyring.primary_key(*session, "acme", KeyPurpose::credentials);
    session->commit();
    std::lock_guard lock(mutex);
    keys_seen.emplace(key.key.begin(), key.key.end());
  });
  CHECK(keys_seen.size() == 1);
  auto store = backend->open(5000);
  const auto stored = in_read(
      *store, [](StoreSession& s) { return s.load_keys("acme", KeyPurpose::credentials); });
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].version == 1);
  CHECK(stored[0].state == KeyState::primary);
}

TEST_CASE("conformance: a held write lock surfaces as BUSY within the busy timeout") {
  auto backend = make_conformance_backend();
  constexpr int timeout_ms = 200;
  auto holder_store = backend->open(5000);
  auto holder = holder_store->session();
  // Opened before the lock is taken: opening writes too (migrations).
  auto waiter_store = backend->open(timeout_ms);
  auto waiter = waiter_store->session();
  holder->begin(TransactionMode::write);
  holder->set_quota("acme", 1);  // a write: the lock is really taken

  // The same tenant's write: SQLite refuses the write transaction itself
  // (one writer per file), PostgreSQL the tenant row's lock.
  const auto start = std::chrono::steady_clock::now();
  CHECK(code_of([&] {
          waiter->begin(TransactionMode::write);
          waiter->set_quota("acme", 2);
        }) == ErrorCode::busy);
  const auto waited = std::chrono::steady_clock::now() - start;
  // Only an upper bound, ten times the option, so a loaded machine cannot
  // make this flake; without the bound the wait was up to ~30 s.
  CHECK(waited < std::chrono::milliseconds(10 * timeout_ms));
  waiter->rollback();  // PostgreSQL: the failed transaction (a no-op without one)

  holder->rollback();
  waiter->begin(TransactionMode::write);  // free again
  waiter->set_quota("acme", 2);
  waiter->rollback();
}

TEST_CASE("conformance: tampered rows are INTEGRITY or a failed chain check, never a crash") {
  auto backend = make_conformance_backend();
  const SecretBytes key = fixed_key(9);
  {
    auto store = backend->open(5000);
    auto session = store->session();
    session->begin(TransactionMode::write);
    session->insert_integration_within_quota(integration("acme", "status"));
    session->insert_integration_within_quota(integration("acme", "scopes"));
    for (int n = 0; n < 3; ++n) {
      session->append_to_chain("acme", [&](const AuditHead& previous) {
        return next_entry(previous, "acme", "a-" + std::to_string(n), key);
      });
      session->append_to_chain("globex", [&](const AuditHead& previous) {
        return next_entry(previous, "globex", "g-" + std::to_string(n), key);
      });
    }
    session->commit();
  }
  backend->tamper(Tamper::integration_status, "acme", "acme/status");
  backend->tamper(Tamper::integration_scopes, "acme", "acme/scopes");
  backend->tamper(Tamper::audit_head, "globex", "");
  backend->tamper(Tamper::activity_details, "acme", "2");

  auto store = backend->open(5000);
  // Each read in its own read transaction.
  const auto read = [&](const std::function<void(StoreSession&)>& body) {
    return code_of([&] {
      in_read(*store, [&](StoreSession& s) {
        body(s);
        return true;
      });
    });
  };
  CHECK(read([](StoreSession& s) { s.load_integration("acme", "acme/status"); }) ==
        ErrorCode::integrity);
  CHECK(read([](StoreSession& s) { s.load_integration("acme", "acme/scopes"); }) ==
        ErrorCode::integrity);
  CHECK(read([](StoreSession& s) { s.list_integrations("acme", {}); }) == ErrorCode::integrity);
  CHECK(read([](StoreSession& s) { s.audit_head("globex"); }) == ErrorCode::integrity);

  auto session = store->session();
  session->begin(TransactionMode::read);

  // An edited entry reads back as it is now, so its MAC no longer matches.
  std::vector<bool> matches;
  AuditHead previous;
  session->for_each_activity("acme", [&](const ActivityRecord& record) {
    matches.push_back(audit_mac(key, previous.mac,
                                canonical_activity_entry(record.entry, record.key_version)) ==
                      record.mac);
    previous.sequence = record.entry.sequence;
    previous.mac = record.mac;
    return true;
  });
  CHECK(matches == std::vector<bool>{true, false, true});
  session->commit();

  // A MAC of the wrong length reads as one that matches nothing.
  session.reset();
  backend->tamper(Tamper::activity_mac, "acme", "3");
  session = store->session();
  session->begin(TransactionMode::read);
  session->for_each_activity("acme", [&](const ActivityRecord& record) {
    if (record.entry.sequence == 3) CHECK(record.mac == std::array<std::uint8_t, 32>{});
    return true;
  });
  session->commit();
}
