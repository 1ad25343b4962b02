// The RecordStore part of the Store conformance suite: what every backend
// must guarantee for field mappings and remembered records
// (store/record_store.hpp), written against the seam and
// make_conformance_backend() only. The race runs 8 threads, each with its
// own Store, as 8 processes would.
#include "backend.hpp"
#include "in_write.hpp"
#include "run_threads.hpp"

#include "linkvault/error.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

using namespace linkvault;
using namespace linkvault::conformance;

namespace {

constexpr TimeMs t0 = 1'700'000'000'000;
const std::string integration = "acme/crm";

RecordHash hash_of(std::uint8_t fill) {
  RecordHash hash{};
  hash.fill(fill);
  hash[0] = 0xA5;  // not all one byte: a reader that truncates or shifts would differ
  return hash;
}

SeenRecord seen(std::string external_id, std::optional<RecordHash> hash) {
  return SeenRecord{std::move(external_id), hash};
}

std::vector<std::optional<RememberedRecord>> remembered(
    Store& store, std::string_view tenant, std::string_view integration_id,
    const std::vector<std::string_view>& ids) {
  return in_read(store, [&](StoreSession& s) {
    return s.records().remembered_records(tenant, integration_id, ids);
  });
}

std::optional<RememberedRecord> remembered_one(Store& store, std::string_view tenant,
                                               std::string_view integration_id,
                                               std::string_view id) {
  return remembered(store, tenant, integration_id, {id}).at(0);
}

void remember(Store& store, std::string_view tenant, std::string_view integration_id,
              const std::vector<SeenRecord>& rows, const std::optional<std::string>& job,
              TimeMs at) {
  in_write(store, [&](StoreSession& s) {
    s.records().remember_records(tenant, integration_id, rows, job, at);
  });
}

std::vector<std::string> forget(Store& store, std::string_view tenant,
                                std::string_view integration_id, std::string_view job,
                                TimeMs seen_before) {
  return in_write(store, [&](StoreSession& s) {
    return s.records().forget_unseen_records(tenant, integration_id, job, seen_before);
  });
}

std::optional<std::string> mappings_of(Store& store, std::string_view tenant,
                                       std::string_view integration_id) {
  return in_read(store, [&](StoreSession& s) {
    return s.records().load_field_mappings(tenant, integration_id);
  });
}

void save_mappings(Store& store, std::string_view tenant, std::string_view integration_id,
                   const std::optional<std::string>& rules, TimeMs at) {
  in_write(store, [&](StoreSession& s) {
    s.records().save_field_mappings(tenant, integration_id, rules, "u-admin", at);
  });
}

const std::string rules_a =
    R"([{"target":"email","source":"/email","transform":["trim","lower"],"required":true}])";
const std::string rules_b = R"([{"target":"name","source":"/full name","default":"ünknown"}])";

}  // namespace

// ---- field mappings --------------------------------------------------------

TEST_CASE("conformance: an integration without its own field mappings has none") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  CHECK_FALSE(mappings_of(*store, "acme", integration).has_value());
}

TEST_CASE("conformance: save_field_mappings stores, replaces and deletes the rules as written") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  save_mappings(*store, "acme", integration, rules_a, t0);
  CHECK(mappings_of(*store, "acme", integration) == rules_a);

  SUBCASE("the last writer wins") {
    save_mappings(*store, "acme", integration, rules_b, t0 + 1);
    CHECK(mappings_of(*store, "acme", integration) == rules_b);
  }
  SUBCASE("nullopt deletes them, and deleting twice is no error") {
    save_mappings(*store, "acme", integration, std::nullopt, t0 + 1);
    CHECK_FALSE(mappings_of(*store, "acme", integration).has_value());
    save_mappings(*store, "acme", integration, std::nullopt, t0 + 2);
    CHECK_FALSE(mappings_of(*store, "acme", integration).has_value());
  }
  SUBCASE("they are per (tenant, integration)") {
    save_mappings(*store, "acme", "acme/other", rules_b, t0 + 1);
    save_mappings(*store, "globex", integration, rules_b, t0 + 1);
    CHECK(mappings_of(*store, "acme", integration) == rules_a);
    CHECK(mappings_of(*store, "acme", "acme/other") == rules_b);
    CHECK(mappings_of(*store, "globex", integration) == rules_b);
    save_mappings(*store, "globex", integration, std::nullopt, t0 + 2);
    CHECK(mappings_of(*store, "acme", integration) == rules_a);
  }
}

TEST_CASE("conformance: RecordStore writes need a write transaction") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  auto session = store->session();
  session->begin(TransactionMode::read);
  RecordStore& records = session->records();
  CHECK_THROWS_AS(records.save_field_mappings("acme", integration, rules_a, "u", t0), Error);
  session->rollback();
  session->begin(TransactionMode::read);
  CHECK_THROWS_AS(records.remember_records("acme", integration, {seen("1", hash_of(1))},
                                           std::nullopt, t0),
                  Error);
  session->rollback();
  session->begin(TransactionMode::read);
  CHECK_THROWS_AS(records.mark_records_stale("acme", integration), Error);
  session->rollback();
  session->begin(TransactionMode::read);
  CHECK_THROWS_AS(records.forget_unseen_records("acme", integration, "job", t0), Error);
  session->rollback();
  CHECK_FALSE(mappings_of(*store, "acme", integration).has_value());
  CHECK_FALSE(remembered_one(*store, "acme", integration, "1").has_value());
}

// ---- remembering -----------------------------------------------------------

TEST_CASE("conformance: remembered_records answers each id in order, nullopt for unknown ones") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  remember(*store, "acme", integration, {seen("a", hash_of(1)), seen("b", hash_of(2))},
           std::nullopt, t0);

  const auto answers = remembered(*store, "acme", integration, {"b", "zz", "a", "b", "A"});
  REQUIRE(answers.size() == 5);
  REQUIRE(answers[0].has_value());
  CHECK(answers[0]->hash == hash_of(2));
  CHECK_FALSE(answers[0]->stale);
  CHECK_FALSE(answers[1].has_value());
  REQUIRE(answers[2].has_value());
  CHECK(answers[2]->hash == hash_of(1));
  REQUIRE(answers[3].has_value());  // an id asked twice is answered twice
  CHECK(answers[3]->hash == hash_of(2));
  CHECK_FALSE(answers[4].has_value());  // ids are compared as bytes, case and all

  CHECK(remembered(*store, "acme", integration, {}).empty());
  CHECK_FALSE(remembered_one(*store, "acme", "acme/other", "a").has_value());
}

TEST_CASE("conformance: remember_records with a hash inserts or replaces it") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  remember(*store, "acme", integration, {seen("1", hash_of(1))}, "job-1", t0);
  CHECK(remembered_one(*store, "acme", integration, "1")->hash == hash_of(1));
  remember(*store, "acme", integration, {seen("1", hash_of(7)), seen("2", hash_of(2))}, "job-2",
           t0 + 5);
  CHECK(remembered_one(*store, "acme", integration, "1")->hash == hash_of(7));
  CHECK(remembered_one(*store, "acme", integration, "2")->hash == hash_of(2));
  // The replacement also moved the seen marks: job-2 saw both at t0 + 5.
  CHECK(forget(*store, "acme", integration, "job-2", t0 + 100).empty());
  CHECK(forget(*store, "acme", integration, "job-3", t0 + 5).empty());
  CHECK(forget(*store, "acme", integration, "job-3", t0 + 6) ==
        std::vector<std::string>{"1", "2"});
}

TEST_CASE("conformance: remember_records without a hash only marks an existing row seen") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  remember(*store, "acme", integration, {seen("known", hash_of(3))}, "job-1", t0);
  remember(*store, "acme", integration, {seen("known", std::nullopt), seen("new", std::nullopt)},
           "job-2", t0 + 10);

  // The known row keeps its hash; the failed unknown one has no row at all.
  CHECK(remembered_one(*store, "acme", integration, "known")->hash == hash_of(3));
  CHECK_FALSE(remembered_one(*store, "acme", integration, "new").has_value());
  // The known row's seen marks moved: job-2 at t0 + 10.
  CHECK(forget(*store, "acme", integration, "job-2", t0 + 100).empty());
  CHECK(forget(*store, "acme", integration, "job-1", t0 + 10).empty());
  CHECK(forget(*store, "acme", integration, "job-1", t0 + 11) ==
        std::vector<std::string>{"known"});
}

TEST_CASE("conformance: external ids are stored and returned exactly as written") {
  // Characters an array literal, a LIKE or a collation could mistreat.
  const std::vector<std::string> ids = {"a,b",   "\"quoted\"", "back\\slash", "{brace}",
                                        "NULL",  " spaced ",   "ünïcødé",     "日本",
                                        "'tick'", "$1",        "x\ty"};
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  std::vector<SeenRecord> rows;
  std::vector<std::string_view> views;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    rows.push_back(seen(ids[i], hash_of(static_cast<std::uint8_t>(i))));
    views.emplace_back(ids[i]);
  }
  remember(*store, "acme", integration, rows, "job-1", t0);
  const auto answers = remembered(*store, "acme", integration, views);
  REQUIRE(answers.size() == ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CAPTURE(i);
    REQUIRE(answers[i].has_value());
    CHECK(answers[i]->hash == hash_of(static_cast<std::uint8_t>(i)));
  }
  // Marking seen without a hash finds them the same way.
  std::vector<SeenRecord> failed;
  for (const std::string& id : ids) failed.push_back(seen(id, std::nullopt));
  remember(*store, "acme", integration, failed, "job-2", t0 + 1);
  CHECK(forget(*store, "acme", integration, "job-2", t0 + 100).empty());

  std::vector<std::string> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  CHECK(forget(*store, "acme", integration, "job-3", t0 + 100) == sorted);
}

// ---- stale -----------------------------------------------------------------

TEST_CASE("conformance: mark_records_stale marks every row of the integration, once") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  remember(*store, "acme", integration, {seen("1", hash_of(1)), seen("2", hash_of(2))}, "job-1",
           t0);
  remember(*store, "acme", "acme/other", {seen("1", hash_of(1))}, "job-1", t0);

  CHECK(in_write(*store, [&](StoreSession& s) {
          return s.records().mark_records_stale("acme", integration);
        }) == 2);
  for (const auto& answer : remembered(*store, "acme", integration, {"1", "2"})) {
    REQUIRE(answer.has_value());
    CHECK(answer->stale);
    CHECK(answer->hash == RecordHash{});  // zeros when stale
  }
  const auto other = remembered_one(*store, "acme", "acme/other", "1");
  REQUIRE(other.has_value());
  CHECK_FALSE(other->stale);
  CHECK(other->hash == hash_of(1));

  SUBCASE("rows already stale are not changed again") {
    CHECK(in_write(*store, [&](StoreSession& s) {
            return s.records().mark_records_stale("acme", integration);
          }) == 0);
  }
  SUBCASE("remembering with a hash un-stales the row") {
    remember(*store, "acme", integration, {seen("1", hash_of(9))}, "job-2", t0 + 1);
    const auto answer = remembered_one(*store, "acme", integration, "1");
    REQUIRE(answer.has_value());
    CHECK_FALSE(answer->stale);
    CHECK(answer->hash == hash_of(9));
    CHECK(remembered_one(*store, "acme", integration, "2")->stale);
    CHECK(in_write(*store, [&](StoreSession& s) {
            return s.records().mark_records_stale("acme", integration);
          }) == 1);
  }
  SUBCASE("marking seen without a hash leaves it stale") {
    remember(*store, "acme", integration, {seen("1", std::nullopt)}, "job-2", t0 + 1);
    const auto answer = remembered_one(*store, "acme", integration, "1");
    REQUIRE(answer.has_value());
    CHECK(answer->stale);
    CHECK(answer->hash == RecordHash{});
  }
  SUBCASE("an integration without rows changes nothing") {
    CHECK(in_write(*store, [&](StoreSession& s) {
            return s.records().mark_records_stale("acme", "acme/empty");
          }) == 0);
  }
}

// ---- forgetting ------------------------------------------------------------

TEST_CASE("conformance: forget_unseen_records keeps what the job or a later commit saw") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  const TimeMs started = t0 + 1000;  // the finishing job's started_at
  remember(*store, "acme", integration,
           {seen("seen-by-job", hash_of(1)), seen("seen-by-job-early", hash_of(2))}, "full",
           t0);  // the job's own commits: kept whenever they ran
  remember(*store, "acme", integration, {seen("later-other-job", hash_of(3))}, "incremental",
           started);  // seen_at == seen_before: kept
  remember(*store, "acme", integration, {seen("later-no-job", hash_of(4))}, std::nullopt,
           started + 5);
  remember(*store, "acme", integration,
           {seen("b-old", hash_of(5)), seen("B-old", hash_of(6)), seen("a-old", hash_of(7)),
            seen("é-old", hash_of(8)), seen("10", hash_of(9)), seen("9", hash_of(10))},
           "previous-full", t0 - 50);
  remember(*store, "acme", integration, {seen("old-no-job", hash_of(11))}, std::nullopt,
           started - 1);
  remember(*store, "acme", "acme/other", {seen("a-old", hash_of(12))}, "previous-full", t0 - 50);

  // Ascending byte order: digits, then upper case, then lower case, then
  // UTF-8 lead bytes (0xC3 for é).
  CHECK(forget(*store, "acme", integration, "full", started) ==
        std::vector<std::string>{"10", "9", "B-old", "a-old", "b-old", "old-no-job", "é-old"});
  const auto kept = remembered(*store, "acme", integration,
                               {"seen-by-job", "seen-by-job-early", "later-other-job",
                                "later-no-job", "a-old", "old-no-job"});
  CHECK(kept[0].has_value());
  CHECK(kept[1].has_value());
  CHECK(kept[2].has_value());
  CHECK(kept[3].has_value());
  CHECK_FALSE(kept[4].has_value());
  CHECK_FALSE(kept[5].has_value());
  // Another integration's rows are not the job's to forget.
  CHECK(remembered_one(*store, "acme", "acme/other", "a-old").has_value());
  // Calling it again forgets nothing more.
  CHECK(forget(*store, "acme", integration, "full", started).empty());
}

TEST_CASE("conformance: forget_unseen_records forgets stale rows like any other") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  remember(*store, "acme", integration, {seen("1", hash_of(1)), seen("2", hash_of(2))}, "old",
           t0);
  in_write(*store, [&](StoreSession& s) { s.records().mark_records_stale("acme", integration); });
  remember(*store, "acme", integration, {seen("2", std::nullopt)}, "full", t0 + 10);
  CHECK(forget(*store, "acme", integration, "full", t0 + 5) == std::vector<std::string>{"1"});
  CHECK(remembered_one(*store, "acme", integration, "2")->stale);
}

// ---- tenants ---------------------------------------------------------------

TEST_CASE("conformance: another tenant's field mappings and records are invisible and untouched") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  // The same integration id and external ids under two tenants.
  save_mappings(*store, "globex", integration, rules_b, t0);
  remember(*store, "globex", integration, {seen("1", hash_of(1)), seen("2", hash_of(2))}, "job",
           t0);

  CHECK_FALSE(mappings_of(*store, "acme", integration).has_value());
  for (const auto& answer : remembered(*store, "acme", integration, {"1", "2"})) {
    CHECK_FALSE(answer.has_value());
  }

  save_mappings(*store, "acme", integration, rules_a, t0 + 1);
  remember(*store, "acme", integration, {seen("1", hash_of(5)), seen("2", std::nullopt)},
           "acme-job", t0 + 1);
  CHECK(in_write(*store, [&](StoreSession& s) {
          return s.records().mark_records_stale("acme", integration);
        }) == 1);
  CHECK(forget(*store, "acme", integration, "acme-job", t0 + 100).empty());
  CHECK(forget(*store, "acme", integration, "other", t0 + 100) == std::vector<std::string>{"1"});
  save_mappings(*store, "acme", integration, std::nullopt, t0 + 2);

  CHECK(mappings_of(*store, "globex", integration) == rules_b);
  const auto globex = remembered(*store, "globex", integration, {"1", "2"});
  REQUIRE(globex[0].has_value());
  CHECK(globex[0]->hash == hash_of(1));
  CHECK_FALSE(globex[0]->stale);
  REQUIRE(globex[1].has_value());
  CHECK(globex[1]->hash == hash_of(2));
  // globex's seen marks are its own: still "job" at t0.
  CHECK(forget(*store, "globex", integration, "job", t0 + 100).empty());
  CHECK(forget(*store, "globex", integration, "other", t0 + 1) ==
        std::vector<std::string>{"1", "2"});
}

TEST_CASE("conformance: delete_tenant_rows deletes the tenant's field mappings and records") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  for (const std::string tenant : {"acme", "globex"}) {
    save_mappings(*store, tenant, integration, rules_a, t0);
    remember(*store, tenant, integration, {seen("1", hash_of(1))}, "job", t0);
  }
  in_write(*store, [&](StoreSession& s) { s.delete_tenant_rows("acme"); });

  CHECK_FALSE(mappings_of(*store, "acme", integration).has_value());
  CHECK_FALSE(remembered_one(*store, "acme", integration, "1").has_value());
  // Gone, not merely hidden: nothing is left to forget or to mark stale.
  CHECK(forget(*store, "acme", integration, "other", t0 + 100).empty());
  CHECK(in_write(*store, [&](StoreSession& s) {
          return s.records().mark_records_stale("acme", integration);
        }) == 0);
  CHECK(mappings_of(*store, "globex", integration) == rules_a);
  CHECK(remembered_one(*store, "globex", integration, "1").has_value());
}

// ---- races -----------------------------------------------------------------

TEST_CASE("conformance: forget_unseen_records racing commits loses no row seen after seen_before") {
  // 7 stores each commit batches of new records twice: first as an old
  // job's (seen before seen_before: forgettable), then as a later commit's
  // (after seen_before; even batches with a new hash, odd ones failed: seen
  // only). An 8th store forgets unseen rows over and over meanwhile. A row
  // the later commit saw is either forgotten before it (then re-inserted if
  // it had a hash, or gone if it failed) or kept; none is deleted after it.
  constexpr int batches = 10;
  constexpr int batch = 5;
  constexpr TimeMs seen_before = t0 + 1000;
  const auto id_of = [](int thread, int n, int i) {
    return "t" + std::to_string(thread) + "-" + std::to_string(100 + n) + "-" +
           std::to_string(i);
  };

  auto backend = make_conformance_backend();
  auto setup = backend->open(5000);
  std::atomic<int> committers_left{thread_count - 1};
  std::mutex mutex;
  std::vector<std::string> forgotten;
  run_threads([&](int t) {
    auto store = backend->open(30'000);
    if (t == 0) {
      bool last = false;
      while (!last) {
        last = committers_left.load() == 0;  // one more pass after the last commit
        const auto ids = forget(*store, "acme", integration, "finisher", seen_before);
        std::lock_guard lock(mutex);
        forgotten.insert(forgotten.end(), ids.begin(), ids.end());
      }
      return;
    }
    for (int n = 0; n < batches; ++n) {
      std::vector<SeenRecord> old_commit;
      std::vector<SeenRecord> new_commit;
      for (int i = 0; i < batch; ++i) {
        old_commit.push_back(seen(id_of(t, n, i), hash_of(1)));
        new_commit.push_back(seen(id_of(t, n, i),
                                  n % 2 == 0 ? std::optional<RecordHash>(hash_of(2))
                                             : std::nullopt));
      }
      remember(*store, "acme", integration, old_commit, "old", t0);
      remember(*store, "acme", integration, new_commit, "incremental", seen_before + 500);
    }
    --committers_left;
  });

  // No row was forgotten twice: a row re-inserted was seen after seen_before.
  const std::set<std::string> forgotten_set(forgotten.begin(), forgotten.end());
  CHECK(forgotten_set.size() == forgotten.size());
  // Nothing unseen is left.
  CHECK(forget(*setup, "acme", integration, "finisher", seen_before).empty());

  for (int t = 1; t < thread_count; ++t) {
    for (int n = 0; n < batches; ++n) {
      std::vector<std::string> ids;
      for (int i = 0; i < batch; ++i) ids.push_back(id_of(t, n, i));
      const std::vector<std::string_view> views(ids.begin(), ids.end());
      const auto answers = remembered(*setup, "acme", integration, views);
      for (int i = 0; i < batch; ++i) {
        CAPTURE(ids[i]);
        if (n % 2 == 0) {
          // Committed with a hash: present with it, forgotten first or not.
          REQUIRE(answers[i].has_value());
          CHECK(answers[i]->hash == hash_of(2));
        } else {
          // Failed: kept (seen first) exactly when it was not forgotten.
          CHECK(answers[i].has_value() == (forgotten_set.count(ids[i]) == 0));
          if (answers[i]) CHECK(answers[i]->hash == hash_of(1));
        }
      }
    }
  }
}
