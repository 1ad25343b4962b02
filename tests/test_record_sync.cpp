// The record path of issue 12 / docs/SEMANTICS.md "Records", end to end
// through the public API: field mappings (who may set them, provider
// defaults), map → commit → change detection, failures, batches inside a
// sync job (the lease decides whose commit lands), field_mapping_update,
// finish_full_sync, purge, and per-tenant hashes. One behaviour per case, on
// a vault whose clock moves only when a test moves it; the same cases run on
// PostgreSQL (LINKVAULT_TEST_BACKEND=postgresql). Crashes:
// test_record_crash.cpp.
#include "vault_fixture.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

constexpr std::chrono::milliseconds lease_30s{30'000};

// Two rules: a trimmed name, a required lower-cased e-mail.
constexpr const char* contact_rules = R"([
  {"target": "name", "source": "/name", "transform": ["trim"]},
  {"target": "email", "source": "/email", "transform": ["trim", "lower"], "required": true}
])";

// A host-registered CRM with its own record kind and default rules.
constexpr const char* crm_spec = R"({"key":"acme_crm","name":"Acme CRM","auth_type":"api_key",
  "credential_fields":[{"name":"token","label":"Token","type":"secret","required":true}],
  "record_kind":"clients",
  "field_mappings":[{"target":"full_name","source":"/name","transform":["trim"]},
                    {"target":"email","source":"/contact/email","transform":["lower"],"required":true}]})";

std::string contact(std::string_view id, std::string_view name, std::string_view email) {
  return std::string(R"({"id":")") + std::string(id) + R"(","name":")" + std::string(name) +
         R"(","email":")" + std::string(email) + R"("})";
}

std::string array_of(const std::vector<std::string>& records) {
  std::string out = "[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0) out += ",";
    out += records[i];
  }
  return out + "]";
}

std::vector<std::string> ids_of(const RecordBatch& batch) {
  std::vector<std::string> out;
  for (const auto& record : batch.changed()) out.push_back(record.external_id);
  return out;
}

std::int64_t total_of(const RecordCounts& counts) {
  return counts.created + counts.updated + counts.unchanged + counts.failed;
}

// A key of a job's summary JSON object: its integer, or -1 when absent.
std::int64_t summary_int(const SyncJob& job, const char* key) {
  REQUIRE(job.summary.has_value());
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(*job.summary).get(root) == simdjson::SUCCESS);
  std::int64_t value = -1;
  if (root[key].get(value) != simdjson::SUCCESS) return -1;
  return value;
}

// How many objects the summary's "errors" array holds (-1: none).
std::int64_t summary_errors(const SyncJob& job) {
  REQUIRE(job.summary.has_value());
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(*job.summary).get(root) == simdjson::SUCCESS);
  simdjson::dom::array errors;
  if (root["errors"].get(errors) != simdjson::SUCCESS) return -1;
  return static_cast<std::int64_t>(errors.size());
}

struct RecordFixture : VaultFixture {
  Tenant tenant = vault.tenant("acme");
  Integration slack = connect_slack(tenant);
  std::vector<FieldMapping> rules = parse_field_mappings_json(contact_rules);

  RecordFixture() { tenant.set_field_mappings(admin, slack.id, rules); }

  RecordBatch map(const std::string& payload, const MapOptions& options = {}) {
    return tenant.map_records(slack.id, payload, options);
  }
  // Maps and commits; returns the batch.
  RecordBatch sync(const std::string& payload, const MapOptions& options = {}) {
    RecordBatch batch = map(payload, options);
    tenant.commit_records(batch);
    return batch;
  }
  SyncJob enqueue(JobType type = JobType::full_import) {
    return tenant.enqueue_sync(admin, slack.id, type);
  }
  SyncJob claim(const char* worker, std::chrono::milliseconds lease = lease_30s) {
    ClaimOptions options;
    options.lease = lease;
    auto job = vault.claim_job(worker, options);
    REQUIRE(job.has_value());
    return *job;
  }
  static MapOptions in_job(const SyncJob& job, const char* worker) {
    MapOptions options;
    options.job_id = job.id;
    options.worker_id = worker;
    return options;
  }
  // Runs a full_import to completion in which `worker` sees `payload`.
  SyncJob full_import(const std::string& payload, const char* worker = "importer") {
    const SyncJob job = enqueue(JobType::full_import);
    REQUIRE(claim(worker).id == job.id);
    sync(payload, in_job(job, worker));
    return vault.complete_job(job.id, worker);
  }
};

}  // namespace

TEST_SUITE("records: vault mappings") {

TEST_CASE("set_field_mappings stores the rules and field_mappings reads them back") {
  RecordFixture f;
  CHECK(to_json(f.tenant.field_mappings(f.slack.id)) == to_json(f.rules));
  // system may set them too; the last write wins.
  const auto one = parse_field_mappings_json(R"([{"target":"who","source":"/name"}])");
  f.tenant.set_field_mappings(system_actor, f.slack.id, one);
  CHECK(to_json(f.tenant.field_mappings(f.slack.id)) == to_json(one));
  const RecordBatch batch = f.map(array_of({contact("c1", "Ann", "a@x")}));
  REQUIRE(batch.changed().size() == 1);
  CHECK(batch.changed()[0].record == R"({"who":"Ann"})");
}

TEST_CASE("a member may not set field mappings: PERMISSION_DENIED, nothing changes") {
  RecordFixture f;
  const auto other = parse_field_mappings_json(R"([{"target":"x","source":"/x"}])");
  CHECK(code_of([&] { f.tenant.set_field_mappings(member, f.slack.id, other); }) ==
        ErrorCode::permission_denied);
  CHECK(code_of([&] { f.tenant.set_field_mappings(member, f.slack.id, {}); }) ==
        ErrorCode::permission_denied);
  CHECK(to_json(f.tenant.field_mappings(f.slack.id)) == to_json(f.rules));
}

TEST_CASE("another tenant's integration is NOT_FOUND for every record call") {
  RecordFixture f;
  auto globex = f.vault.tenant("globex");
  const std::string payload = array_of({contact("c1", "Ann", "a@x")});
  CHECK(code_of([&] { globex.set_field_mappings(admin, f.slack.id, f.rules); }) ==
        ErrorCode::not_found);
  CHECK(code_of([&] { globex.field_mappings(f.slack.id); }) == ErrorCode::not_found);
  CHECK(code_of([&] { globex.map_records(f.slack.id, payload); }) == ErrorCode::not_found);
  CHECK(code_of([&] { f.tenant.map_records("no-such-integration", payload); }) ==
        ErrorCode::not_found);
  // A batch of acme committed through globex's handle is refused, and
  // nothing is remembered.
  const RecordBatch batch = f.map(payload);
  CHECK(code_of([&] { globex.commit_records(batch); }) != ErrorCode::ok);
  CHECK(f.map(payload).counts().created == 1);
  CHECK(to_json(f.tenant.field_mappings(f.slack.id)) == to_json(f.rules));
}

TEST_CASE("bad rules are INVALID_ARGUMENT naming the rule, and keep the stored ones") {
  RecordFixture f;
  std::vector<FieldMapping> duplicate = f.rules;
  duplicate.push_back(duplicate[0]);
  try {
    f.tenant.set_field_mappings(admin, f.slack.id, duplicate);
    FAIL("no error");
  } catch (const Error& error) {
    CHECK(error.code() == ErrorCode::invalid_argument);
    CHECK(std::string(error.what()).find("name") != std::string::npos);
  }
  FieldMapping bad_pointer;
  bad_pointer.target = "x";
  bad_pointer.source = "no-slash";
  CHECK(code_of([&] { f.tenant.set_field_mappings(admin, f.slack.id, {bad_pointer}); }) ==
        ErrorCode::invalid_argument);
  FieldMapping both;
  both.target = "x";
  both.source = "/x";
  both.required = true;
  both.default_json = "1";
  CHECK(code_of([&] { f.tenant.set_field_mappings(admin, f.slack.id, {both}); }) ==
        ErrorCode::invalid_argument);
  CHECK(to_json(f.tenant.field_mappings(f.slack.id)) == to_json(f.rules));
}

TEST_CASE("no mappings at all: map_records is FAILED_PRECONDITION; [] goes back to none") {
  RecordFixture f;
  // slack's catalog entry has no default rules.
  f.tenant.set_field_mappings(admin, f.slack.id, {});
  CHECK(f.tenant.field_mappings(f.slack.id).empty());
  CHECK(code_of([&] { f.map(array_of({contact("c1", "Ann", "a@x")})); }) ==
        ErrorCode::failed_precondition);
  const Integration fresh = f.connect_slack(f.tenant, "fresh");
  CHECK(f.tenant.field_mappings(fresh.id).empty());
  CHECK(code_of([&] { f.tenant.map_records(fresh.id, "[]"); }) ==
        ErrorCode::failed_precondition);
}

TEST_CASE("a registered provider's record_kind and field_mappings are the defaults until set") {
  RecordFixture f;
  const ProviderSpec spec = f.vault.register_provider(crm_spec);
  CHECK(spec.record_kind == "clients");
  REQUIRE(spec.field_mappings.size() == 2);
  const Integration crm =
      f.tenant.connect(admin, "acme_crm", creds({{"token", "tok-0123456789"}}));
  CHECK(to_json(f.tenant.field_mappings(crm.id)) == to_json(spec.field_mappings));
  const std::string payload = R"([{"id":7,"name":"  Cy ","contact":{"email":"CY@X.ORG"}}])";
  RecordBatch batch = f.tenant.map_records(crm.id, payload);
  REQUIRE(batch.changed().size() == 1);
  CHECK(batch.changed()[0].external_id == "7");
  CHECK(batch.changed()[0].record == R"({"full_name":"Cy","email":"cy@x.org"})");

  // Own rules replace the defaults; [] brings them back.
  f.tenant.set_field_mappings(admin, crm.id, f.rules);
  CHECK(to_json(f.tenant.field_mappings(crm.id)) == to_json(f.rules));
  f.tenant.set_field_mappings(admin, crm.id, {});
  CHECK(to_json(f.tenant.field_mappings(crm.id)) == to_json(spec.field_mappings));
  batch = f.tenant.map_records(crm.id, payload);
  REQUIRE(batch.changed().size() == 1);
  CHECK(batch.changed()[0].record == R"({"full_name":"Cy","email":"cy@x.org"})");
}

TEST_CASE("the built-in CRMs carry client defaults") {
  RecordFixture f;
  const Integration tave = f.tenant.connect(admin, "tave", creds({{"api_key", "tave-key-000000001"}}));
  const auto defaults = f.tenant.field_mappings(tave.id);
  REQUIRE_FALSE(defaults.empty());
  const bool has_email =
      std::any_of(defaults.begin(), defaults.end(),
                  [](const FieldMapping& rule) { return rule.target == "email" && rule.required; });
  CHECK(has_email);
  const RecordBatch batch = f.tenant.map_records(
      tave.id,
      R"([{"id":"t-1","FirstName":" Dee ","LastName":"Lo","Email":" DEE@X.COM ",)"
      R"("MobilePhone":"+1 (555) 010-2000","EventDate":"2026-06-20T15:00:00Z","Venue":" Barn ",)"
      R"("Notes":null,"CustomFields":{"b":1,"a":[true]}}])");
  CHECK(batch.counts().failed == 0);
  REQUIRE(batch.changed().size() == 1);
  CHECK(batch.changed()[0].record ==
        R"({"first_name":"Dee","last_name":"Lo","email":"dee@x.com","phone":"+15550102000",)"
        R"("event_date":"2026-06-20","venue":"Barn","notes":null,"custom_fields":{"b":1,"a":[true]}})");
}

}  // TEST_SUITE

TEST_SUITE("records: vault change detection") {

TEST_CASE("map reports created; commit; the same payload is unchanged; a changed field is updated") {
  RecordFixture f;
  const std::string first =
      R"([{"id":"c1","name":" Ann ","email":"ANN@X.COM"},{"id":2,"name":"Bob","email":"bob@x.com"}])";
  RecordBatch batch = f.map(first);
  CHECK(batch.tenant() == "acme");
  CHECK(batch.integration_id() == f.slack.id);
  CHECK(batch.counts().created == 2);
  CHECK(batch.counts().updated == 0);
  CHECK(batch.counts().unchanged == 0);
  CHECK(batch.counts().failed == 0);
  REQUIRE(batch.changed().size() == 2);
  CHECK(batch.changed()[0].external_id == "c1");
  CHECK(batch.changed()[0].action == RecordAction::created);
  CHECK(batch.changed()[0].record == R"({"name":"Ann","email":"ann@x.com"})");
  CHECK(batch.changed()[1].external_id == "2");  // an integer id, as its decimal text
  CHECK(batch.changed()[1].record == R"({"name":"Bob","email":"bob@x.com"})");
  f.tenant.commit_records(batch);

  batch = f.map(first);
  CHECK(batch.counts().unchanged == 2);
  CHECK(batch.counts().created == 0);
  CHECK(batch.changed().empty());

  // Only the mapped record counts: other spacing, case and extra source
  // fields map to the same record.
  batch = f.map(R"([{"id":"c1","name":"Ann","email":" ann@x.com","extra":1}])");
  CHECK(batch.counts().unchanged == 1);
  CHECK(batch.changed().empty());

  batch = f.map(array_of({contact("2", "Bobby", "bob@x.com"), contact("c1", "Ann", "ann@x.com"),
                          contact("c3", "Cy", "cy@x.com")}));
  CHECK(batch.counts().updated == 1);
  CHECK(batch.counts().unchanged == 1);
  CHECK(batch.counts().created == 1);
  REQUIRE(batch.changed().size() == 2);
  CHECK(batch.changed()[0].external_id == "2");
  CHECK(batch.changed()[0].action == RecordAction::updated);
  CHECK(batch.changed()[0].record == R"({"name":"Bobby","email":"bob@x.com"})");
  CHECK(batch.changed()[1].external_id == "c3");
  CHECK(batch.changed()[1].action == RecordAction::created);
  f.tenant.commit_records(batch);
  f.tenant.commit_records(batch);  // twice is harmless
  batch = f.map(array_of({contact("2", "Bobby", "bob@x.com"), contact("c3", "Cy", "cy@x.com")}));
  CHECK(batch.counts().unchanged == 2);
}

TEST_CASE("an uncommitted batch changes nothing: the same records are reported again") {
  RecordFixture f;
  const std::string payload = array_of({contact("c1", "Ann", "a@x"), contact("c2", "Bo", "b@x")});
  const RecordBatch lost = f.map(payload);
  CHECK(lost.counts().created == 2);
  const RecordBatch again = f.map(payload);
  CHECK(again.counts().created == 2);
  CHECK(ids_of(again) == std::vector<std::string>{"c1", "c2"});
  f.tenant.commit_records(again);
  CHECK(f.map(payload).counts().unchanged == 2);
}

TEST_CASE("records_at and id_at pick the array and the id; bad payloads are INVALID_ARGUMENT") {
  RecordFixture f;
  MapOptions options;
  options.records_at = "/data/items";
  options.id_at = "/meta/key";
  const RecordBatch batch = f.map(
      R"({"data":{"items":[{"meta":{"key":"k-1"},"name":"Ann","email":"a@x"}]}})", options);
  REQUIRE(batch.changed().size() == 1);
  CHECK(batch.changed()[0].external_id == "k-1");
  for (const char* bad : {"", "[", "{\"a\":}", "[1,]", "{}", "\"x\"", "[\xff]"}) {
    CHECK_MESSAGE(code_of([&] { f.map(bad); }) == ErrorCode::invalid_argument, bad);
  }
  MapOptions not_array;
  not_array.records_at = "/data";
  CHECK(code_of([&] { f.map(R"({"data":{"items":[]}})", not_array); }) ==
        ErrorCode::invalid_argument);
  CHECK(f.map("[]").changed().empty());
}

TEST_CASE("failed records are counted, the first 100 errors kept, and the batch goes on") {
  RecordFixture f;
  std::vector<std::string> records;
  for (int i = 0; i < 150; ++i) {
    // No e-mail: the required field is missing.
    records.push_back(R"({"id":"bad-)" + std::to_string(i) + R"(","name":"Secret Name 4711"})");
    if (i % 30 == 0) records.push_back(contact("good-" + std::to_string(i), "G", "g@x"));
  }
  records.push_back(R"({"name":"no id","email":"n@x"})");
  records.push_back(R"({"id":{"nested":true},"name":"bad id","email":"n@x"})");
  records.push_back(contact("good-0", "dup", "d@x"));  // a second good-0
  const RecordBatch batch = f.map(array_of(records));
  CHECK(batch.counts().created == 5);
  CHECK(batch.counts().failed == 153);
  REQUIRE(batch.errors().size() == max_reported_record_errors);
  const RecordError& first = batch.errors()[0];
  CHECK(first.index == 0);
  CHECK(first.external_id == "bad-0");
  CHECK(first.field == "email");
  CHECK(first.message.find("4711") == std::string::npos);
  CHECK(first.message.find("Secret") == std::string::npos);
  for (std::size_t i = 1; i < batch.errors().size(); ++i) {
    CHECK(batch.errors()[i].index > batch.errors()[i - 1].index);
  }
  CHECK(batch.changed().size() == 5);

  // The id failures are past the first 100: map them alone.
  const RecordBatch ids = f.map(array_of({records[records.size() - 3], records[records.size() - 2],
                                          contact("good-0", "G", "g@x"),
                                          contact("good-0", "dup", "d@x")}));
  CHECK(ids.counts().failed == 3);
  CHECK(ids.counts().created == 1);
  REQUIRE(ids.errors().size() == 3);
  CHECK(ids.errors()[0].index == 0);
  CHECK_FALSE(ids.errors()[0].external_id.has_value());
  CHECK(ids.errors()[0].field == "/id");
  CHECK(ids.errors()[1].index == 1);
  CHECK(ids.errors()[1].field == "/id");
  CHECK(ids.errors()[2].index == 3);
  CHECK(ids.errors()[2].message.find("duplicate") != std::string::npos);
}

TEST_CASE("a record that fails keeps its remembered hash: it is only marked seen") {
  RecordFixture f;
  f.sync(array_of({contact("c1", "Ann", "a@x")}));
  // Now it fails (e-mail gone): counted, reported, nothing changed.
  const RecordBatch failing = f.sync(R"([{"id":"c1","name":"Ann"}])");
  CHECK(failing.counts().failed == 1);
  // The old content is still what is remembered.
  CHECK(f.map(array_of({contact("c1", "Ann", "a@x")})).counts().unchanged == 1);
  // A record never committed that fails is not remembered by the commit.
  f.sync(R"([{"id":"c9","name":"Nine"}])");
  CHECK(f.map(array_of({contact("c9", "Nine", "n@x")})).counts().created == 1);
}

TEST_CASE("claiming a field_mapping_update job makes every remembered record updated") {
  RecordFixture f;
  const Integration other = f.connect_slack(f.tenant, "other");
  f.tenant.set_field_mappings(admin, other.id, f.rules);
  const std::string payload = array_of({contact("c1", "Ann", "a@x"), contact("c2", "Bo", "b@x")});
  f.sync(payload);
  f.tenant.commit_records(f.tenant.map_records(other.id, payload));
  CHECK(f.map(payload).counts().unchanged == 2);

  const SyncJob job = f.enqueue(JobType::field_mapping_update);
  // Queued, not claimed: nothing is stale yet.
  CHECK(f.map(payload).counts().unchanged == 2);
  f.claim("remapper");
  RecordBatch batch = f.map(payload, RecordFixture::in_job(job, "remapper"));
  CHECK(batch.counts().updated == 2);
  CHECK(batch.counts().unchanged == 0);
  CHECK(ids_of(batch) == std::vector<std::string>{"c1", "c2"});
  for (const auto& record : batch.changed()) CHECK(record.action == RecordAction::updated);
  // A map without the job reports them updated as well (stale until committed).
  CHECK(f.map(payload).counts().updated == 2);
  // The other integration is not touched.
  CHECK(f.tenant.map_records(other.id, payload).counts().unchanged == 2);

  f.tenant.commit_records(batch);
  CHECK(f.map(payload).counts().unchanged == 2);
  f.vault.complete_job(job.id, "remapper");
  CHECK(f.map(payload).counts().unchanged == 2);
}

}  // TEST_SUITE

TEST_SUITE("records: vault jobs") {

TEST_CASE("a job's batch moves records_processed and the summary counts; complete_job keeps them") {
  RecordFixture f;
  f.sync(array_of({contact("old", "Old", "o@x")}));
  const SyncJob job = f.enqueue();
  f.claim("worker-1");
  const MapOptions options = RecordFixture::in_job(job, "worker-1");
  RecordBatch batch = f.map(array_of({contact("old", "Old", "o@x"), contact("n1", "N", "n@x"),
                                      R"({"id":"bad","name":"x"})"}),
                            options);
  CHECK(batch.job_id() == job.id);
  CHECK(batch.worker_id() == "worker-1");
  // Mapping alone moves nothing.
  CHECK(f.tenant.get_job(job.id).records_processed == 0);
  f.tenant.commit_records(batch);
  SyncJob stored = f.tenant.get_job(job.id);
  CHECK(stored.records_processed == 3);
  CHECK(summary_int(stored, "created") == 1);
  CHECK(summary_int(stored, "unchanged") == 1);
  CHECK(summary_int(stored, "failed") == 1);
  CHECK(summary_int(stored, "updated") == 0);
  CHECK(summary_errors(stored) == 1);

  batch = f.map(array_of({contact("n1", "N2", "n@x"), contact("n2", "M", "m@x")}), options);
  f.tenant.commit_records(batch);
  stored = f.tenant.get_job(job.id);
  CHECK(stored.records_processed == 5);
  CHECK(summary_int(stored, "created") == 2);
  CHECK(summary_int(stored, "updated") == 1);
  CHECK(summary_int(stored, "unchanged") == 1);
  CHECK(summary_int(stored, "failed") == 1);

  // The host's keys are merged in; the vault's record keys win.
  const SyncJob done = f.vault.complete_job(job.id, "worker-1", SyncOutcome::success,
                                            R"({"pages":2,"created":999})");
  CHECK(done.records_processed == 5);
  CHECK(summary_int(done, "pages") == 2);
  CHECK(summary_int(done, "created") == 2);
  CHECK(summary_int(done, "updated") == 1);
  CHECK(summary_int(done, "failed") == 1);
  CHECK(summary_errors(done) == 1);
  CHECK(f.tenant.get_job(job.id).summary == done.summary);
}

TEST_CASE("a job's summary keeps only the first 100 errors over all its commits") {
  RecordFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-1");
  for (int page = 0; page < 3; ++page) {
    std::vector<std::string> records;
    for (int i = 0; i < 40; ++i) {
      records.push_back(R"({"id":"p)" + std::to_string(page) + "-" + std::to_string(i) +
                        R"(","name":"x"})");
    }
    f.sync(array_of(records), RecordFixture::in_job(job, "worker-1"));
  }
  const SyncJob stored = f.tenant.get_job(job.id);
  CHECK(stored.records_processed == 120);
  CHECK(summary_int(stored, "failed") == 120);
  CHECK(summary_errors(stored) == 100);
}

TEST_CASE("a job with no committed batch keeps exactly the host's summary") {
  RecordFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-1");
  CHECK(f.vault.complete_job(job.id, "worker-1", SyncOutcome::success, R"({"pages":0})").summary ==
        R"({"pages":0})");
}

TEST_CASE("map_records with a job refuses strangers, other jobs and jobs not running") {
  RecordFixture f;
  const std::string payload = array_of({contact("c1", "Ann", "a@x")});
  const Integration second = f.connect_slack(f.tenant, "second");
  f.tenant.set_field_mappings(admin, second.id, f.rules);
  const SyncJob job = f.enqueue();
  SUBCASE("job_id and worker_id go together") {
    MapOptions half;
    half.job_id = job.id;
    CHECK(code_of([&] { f.map(payload, half); }) == ErrorCode::invalid_argument);
    MapOptions other_half;
    other_half.worker_id = "worker-1";
    CHECK(code_of([&] { f.map(payload, other_half); }) == ErrorCode::invalid_argument);
  }
  SUBCASE("a pending job is FAILED_PRECONDITION") {
    CHECK(code_of([&] { f.map(payload, RecordFixture::in_job(job, "worker-1")); }) ==
          ErrorCode::failed_precondition);
  }
  SUBCASE("running") {
    f.claim("worker-1");
    CHECK(code_of([&] { f.map(payload, RecordFixture::in_job(job, "worker-2")); }) ==
          ErrorCode::conflict);
    SyncJob unknown = job;
    unknown.id = "no-such-job";
    CHECK(code_of([&] { f.map(payload, RecordFixture::in_job(unknown, "worker-1")); }) ==
          ErrorCode::not_found);
    // The job of another integration (SEMANTICS.md: INVALID_ARGUMENT).
    CHECK(code_of([&] {
            f.tenant.map_records(second.id, payload, RecordFixture::in_job(job, "worker-1"));
          }) == ErrorCode::invalid_argument);
    // Another tenant's job is not found.
    auto globex = f.vault.tenant("globex");
    const Integration theirs = f.connect_slack(globex);
    globex.set_field_mappings(admin, theirs.id, f.rules);
    CHECK(code_of([&] {
            globex.map_records(theirs.id, payload, RecordFixture::in_job(job, "worker-1"));
          }) == ErrorCode::not_found);
    // Once completed, it is FAILED_PRECONDITION, and a batch mapped before
    // the end cannot be committed into it.
    const RecordBatch late = f.map(payload, RecordFixture::in_job(job, "worker-1"));
    f.vault.complete_job(job.id, "worker-1");
    CHECK(code_of([&] { f.map(payload, RecordFixture::in_job(job, "worker-1")); }) ==
          ErrorCode::failed_precondition);
    CHECK(code_of([&] { f.tenant.commit_records(late); }) != ErrorCode::ok);
    CHECK(f.tenant.get_job(job.id).records_processed == 0);
  }
  // Nothing of it was remembered.
  CHECK(f.map(payload).counts().created == 1);
}

TEST_CASE("a job reclaimed after its lease expired: the old holder's commit is CONFLICT and writes nothing") {
  RecordFixture f;
  const std::string page_a = array_of({contact("a1", "A", "a@x"), contact("a2", "B", "b@x")});
  const std::string page_b = array_of({contact("b1", "C", "c@x")});
  const SyncJob job = f.enqueue();
  f.claim("worker-a", std::chrono::milliseconds(1000));
  const RecordBatch stale_batch = f.map(page_a, RecordFixture::in_job(job, "worker-a"));
  f.clock->advance(1001);
  CHECK(f.vault.recover_expired_jobs() == 1);
  CHECK(f.claim("worker-b").id == job.id);

  CHECK(code_of([&] { f.tenant.commit_records(stale_batch); }) == ErrorCode::conflict);
  CHECK(code_of([&] { f.map(page_a, RecordFixture::in_job(job, "worker-a")); }) ==
        ErrorCode::conflict);
  SyncJob stored = f.tenant.get_job(job.id);
  CHECK(stored.records_processed == 0);
  CHECK(f.map(page_a).counts().created == 2);  // not remembered

  const RecordBatch fresh = f.sync(page_b, RecordFixture::in_job(job, "worker-b"));
  CHECK(fresh.counts().created == 1);
  stored = f.tenant.get_job(job.id);
  CHECK(stored.records_processed == 1);
  CHECK(summary_int(stored, "created") == 1);
  CHECK(f.map(page_b).counts().unchanged == 1);
  CHECK(code_of([&] { f.tenant.commit_records(stale_batch); }) == ErrorCode::conflict);
  CHECK(f.map(page_a).counts().created == 2);
}

TEST_CASE("the same worker claiming its job again cannot commit a batch of the old lease") {
  RecordFixture f;
  const std::string payload = array_of({contact("a1", "A", "a@x")});
  const SyncJob job = f.enqueue();
  f.claim("worker-a", std::chrono::milliseconds(1000));
  const RecordBatch old_lease = f.map(payload, RecordFixture::in_job(job, "worker-a"));
  f.clock->advance(1001);
  CHECK(f.claim("worker-a").attempt == 2);  // the claim recovers it first
  CHECK(code_of([&] { f.tenant.commit_records(old_lease); }) == ErrorCode::conflict);
  CHECK(f.tenant.get_job(job.id).records_processed == 0);
  f.sync(payload, RecordFixture::in_job(job, "worker-a"));
  CHECK(f.tenant.get_job(job.id).records_processed == 1);
}

TEST_CASE("a holder past its lease, not yet recovered, may still commit") {
  RecordFixture f;
  const SyncJob job = f.enqueue();
  f.claim("worker-a", std::chrono::milliseconds(1000));
  const RecordBatch batch =
      f.map(array_of({contact("a1", "A", "a@x")}), RecordFixture::in_job(job, "worker-a"));
  f.clock->advance(5000);
  f.tenant.commit_records(batch);
  CHECK(f.tenant.get_job(job.id).records_processed == 1);
}

}  // TEST_SUITE

TEST_SUITE("records: vault full sync") {

TEST_CASE("finish_full_sync forgets what the import did not see, ascending, once") {
  RecordFixture f;
  f.sync(array_of({contact("keep", "K", "k@x"), contact("b-gone", "G", "g@x"),
                   contact("a-gone", "G", "g@x"), contact("B-gone", "G", "g@x")}));
  f.clock->advance(1000);
  const SyncJob done = f.full_import(array_of({contact("keep", "K", "k@x"), contact("new", "N", "n@x")}));
  REQUIRE(done.status == JobStatus::completed);
  const auto deleted = f.tenant.finish_full_sync(f.slack.id, done.id);
  CHECK(deleted == std::vector<std::string>{"B-gone", "a-gone", "b-gone"});  // byte order
  const SyncJob after = f.tenant.get_job(done.id);
  CHECK(summary_int(after, "deleted") == 3);
  CHECK(summary_int(after, "created") == 1);
  CHECK(summary_int(after, "unchanged") == 1);

  CHECK(f.tenant.finish_full_sync(f.slack.id, done.id).empty());
  CHECK(summary_int(f.tenant.get_job(done.id), "deleted") == 3);
  // Forgotten: they come back as created; the seen ones stay.
  const RecordBatch batch = f.map(array_of({contact("a-gone", "G", "g@x"), contact("keep", "K", "k@x"),
                                            contact("new", "N", "n@x")}));
  CHECK(batch.counts().created == 1);
  CHECK(batch.counts().unchanged == 2);
}

TEST_CASE("finish_full_sync keeps records a failed mapping only marked seen") {
  RecordFixture f;
  f.sync(array_of({contact("c1", "Ann", "a@x")}));
  f.clock->advance(1000);
  const SyncJob done = f.full_import(R"([{"id":"c1","name":"Ann"}])");  // fails to map
  CHECK(f.tenant.finish_full_sync(f.slack.id, done.id).empty());
  CHECK(f.map(array_of({contact("c1", "Ann", "a@x")})).counts().unchanged == 1);
}

TEST_CASE("finish_full_sync keeps records committed after the import started") {
  RecordFixture f;
  f.sync(array_of({contact("before", "B", "b@x")}));
  f.clock->advance(1000);
  const SyncJob job = f.enqueue(JobType::full_import);
  f.claim("importer");
  // Committed at the very moment the import started (no job): kept.
  f.sync(array_of({contact("at-start", "S", "s@x")}));
  f.clock->advance(10);
  f.sync(array_of({contact("host-side", "H", "h@x")}));
  f.sync(array_of({contact("seen", "S", "s@x")}), RecordFixture::in_job(job, "importer"));
  f.clock->advance(10);
  f.vault.complete_job(job.id, "importer");
  f.clock->advance(10);
  f.sync(array_of({contact("after-end", "E", "e@x")}));
  CHECK(f.tenant.finish_full_sync(f.slack.id, job.id) == std::vector<std::string>{"before"});
  const RecordBatch batch =
      f.map(array_of({contact("at-start", "S", "s@x"), contact("host-side", "H", "h@x"),
                      contact("seen", "S", "s@x"), contact("after-end", "E", "e@x")}));
  CHECK(batch.counts().unchanged == 4);
}

TEST_CASE("finish_full_sync needs a full_import of this integration that completed with success") {
  RecordFixture f;
  f.sync(array_of({contact("c1", "Ann", "a@x")}));
  f.clock->advance(1000);
  const std::string empty = "[]";
  SUBCASE("running") {
    const SyncJob job = f.enqueue(JobType::full_import);
    f.claim("importer");
    CHECK(code_of([&] { f.tenant.finish_full_sync(f.slack.id, job.id); }) ==
          ErrorCode::failed_precondition);
  }
  SUBCASE("pending") {
    const SyncJob job = f.enqueue(JobType::full_import);
    CHECK(code_of([&] { f.tenant.finish_full_sync(f.slack.id, job.id); }) ==
          ErrorCode::failed_precondition);
  }
  SUBCASE("partial") {
    const SyncJob job = f.enqueue(JobType::full_import);
    f.claim("importer");
    f.vault.complete_job(job.id, "importer", SyncOutcome::partial);
    CHECK(code_of([&] { f.tenant.finish_full_sync(f.slack.id, job.id); }) ==
          ErrorCode::failed_precondition);
  }
  SUBCASE("failed") {
    const SyncJob job = f.enqueue(JobType::full_import);
    f.claim("importer");
    f.vault.fail_job(job.id, "importer", "down", false);
    CHECK(code_of([&] { f.tenant.finish_full_sync(f.slack.id, job.id); }) ==
          ErrorCode::failed_precondition);
  }
  SUBCASE("cancelled") {
    const SyncJob job = f.enqueue(JobType::full_import);
    f.tenant.cancel_job(admin, job.id);
    CHECK(code_of([&] { f.tenant.finish_full_sync(f.slack.id, job.id); }) ==
          ErrorCode::failed_precondition);
  }
  SUBCASE("an incremental sync proves nothing about deletions") {
    const SyncJob job = f.enqueue(JobType::incremental_sync);
    f.claim("syncer");
    f.vault.complete_job(job.id, "syncer");
    CHECK(code_of([&] { f.tenant.finish_full_sync(f.slack.id, job.id); }) ==
          ErrorCode::failed_precondition);
  }
  SUBCASE("another integration's or tenant's job, or none") {
    const Integration second = f.connect_slack(f.tenant, "second");
    const SyncJob job = f.tenant.enqueue_sync(admin, second.id, JobType::full_import);
    f.claim("importer");
    f.vault.complete_job(job.id, "importer");
    CHECK(code_of([&] { f.tenant.finish_full_sync(f.slack.id, job.id); }) ==
          ErrorCode::invalid_argument);
    auto globex = f.vault.tenant("globex");
    CHECK(code_of([&] { globex.finish_full_sync(second.id, job.id); }) == ErrorCode::not_found);
    CHECK(code_of([&] { f.tenant.finish_full_sync(f.slack.id, "no-such-job"); }) ==
          ErrorCode::not_found);
    CHECK(f.tenant.finish_full_sync(second.id, job.id).empty());
  }
  // c1 is still remembered.
  CHECK(f.map(array_of({contact("c1", "Ann", "a@x")})).counts().unchanged == 1);
}

}  // TEST_SUITE

TEST_SUITE("records: vault tenants") {

TEST_CASE("purge_tenant forgets mappings and records: the same name starts empty") {
  RecordFixture f;
  const std::string payload = array_of({contact("c1", "Ann", "a@x"), contact("c2", "Bo", "b@x")});
  f.sync(payload);
  auto globex = f.vault.tenant("globex");
  const Integration theirs = f.connect_slack(globex);
  globex.set_field_mappings(admin, theirs.id, f.rules);
  globex.commit_records(globex.map_records(theirs.id, payload));
  const auto count = [&](const char* tenant, const char* table) {
    const auto rows = f.raw_texts(
        tenant, std::string("SELECT count(*) FROM ") + table + " WHERE tenant = ?1", {tenant});
    REQUIRE(rows.size() == 1);
    return rows[0].value_or("NULL");
  };
  CHECK(count("acme", "records") == "2");
  CHECK(count("acme", "field_mappings") == "1");

  f.vault.purge_tenant(admin, "acme");
  CHECK(count("acme", "records") == "0");
  CHECK(count("acme", "field_mappings") == "0");
  CHECK(count("globex", "records") == "2");
  CHECK(count("globex", "field_mappings") == "1");
  CHECK(globex.map_records(theirs.id, payload).counts().unchanged == 2);

  auto reborn = f.vault.tenant("acme");
  CHECK(code_of([&] { reborn.field_mappings(f.slack.id); }) == ErrorCode::not_found);
  const Integration again = f.connect_slack(reborn);
  CHECK(reborn.field_mappings(again.id).empty());
  reborn.set_field_mappings(admin, again.id, f.rules);
  const RecordBatch batch = reborn.map_records(again.id, payload);
  CHECK(batch.counts().created == 2);
  CHECK(batch.counts().unchanged == 0);
}

TEST_CASE("equal records of two tenants are stored under different hashes") {
  RecordFixture f;
  const std::string payload = array_of({contact("c1", "Ann", "a@x")});
  f.sync(payload);
  auto globex = f.vault.tenant("globex");
  const Integration theirs = f.connect_slack(globex);
  globex.set_field_mappings(admin, theirs.id, f.rules);
  globex.commit_records(globex.map_records(theirs.id, payload));
  const std::string query =
      "SELECT hash FROM records WHERE tenant = ?1 AND integration_id = ?2 AND external_id = 'c1'";
  const auto ours = f.raw_blob("acme", query, {std::string("acme"), f.slack.id});
  const auto their = f.raw_blob("globex", query, {std::string("globex"), theirs.id});
  REQUIRE(ours.has_value());
  REQUIRE(their.has_value());
  CHECK(ours->size() == 32);
  CHECK(their->size() == 32);
  CHECK(*ours != *their);
  // Within a tenant, the same record under another integration hashes the
  // same (one key per tenant): the difference above is the tenant's key.
  const Integration second = f.connect_slack(f.tenant, "second");
  f.tenant.set_field_mappings(admin, second.id, f.rules);
  f.tenant.commit_records(f.tenant.map_records(second.id, payload));
  const auto ours_again = f.raw_blob("acme", query, {std::string("acme"), second.id});
  REQUIRE(ours_again.has_value());
  CHECK(*ours_again == *ours);
}

TEST_CASE("a closed vault refuses the record calls") {
  RecordFixture f;
  const RecordBatch batch = f.map(array_of({contact("c1", "Ann", "a@x")}));
  f.vault.close();
  CHECK(code_of([&] { f.map("[]"); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.tenant.commit_records(batch); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.tenant.field_mappings(f.slack.id); }) == ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.tenant.set_field_mappings(admin, f.slack.id, f.rules); }) ==
        ErrorCode::failed_precondition);
  CHECK(code_of([&] { f.tenant.finish_full_sync(f.slack.id, "x"); }) ==
        ErrorCode::failed_precondition);
}

}  // TEST_SUITE
