/*
 * The C ABI's record path, exercised from C (C99, -pedantic -Werror): field
 * mappings (set, get, the provider's defaults, [] back to them), mapping a
 * payload into an lv_record_batch and reading it as JSON (created, updated,
 * unchanged, failed records and their errors), committing it, job-bound
 * batches (progress and summary counts, a stale worker after its lease was
 * reclaimed), a field_mapping_update job, finish_full_sync, and misuse: NULL
 * arguments, bad JSON and payloads, a batch of another tenant, and batch
 * handles that are NULL, destroyed or of the wrong kind. Each misuse asserts
 * the exact status and a non-empty lv_last_error_message().
 *
 * Prints "N passed, M failed" last; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include "capi_checks.h"
#include "linkvault.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The integer value of "key":N, or -1. */
static long json_integer(const char* json, const char* key) {
  char pattern[64];
  const char* at;
  if (json == NULL) return -1;
  sprintf(pattern, "\"%s\":", key);
  at = strstr(json, pattern);
  return at == NULL ? -1 : strtol(at + strlen(pattern), NULL, 10);
}

static void release(char** text) {
  lv_string_free(*text);
  *text = NULL;
}

/* Only makes sure a lease has passed, or that the clock moved on. */
static void pause_ms(long milliseconds) {
  struct timespec delay;
  delay.tv_sec = milliseconds / 1000;
  delay.tv_nsec = (milliseconds % 1000) * 1000000L;
  while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
  }
}

/* ---- fixtures ---------------------------------------------------------- */

static const char* const ADMIN = "{\"user_id\":\"u-1\",\"user_name\":\"Alice\",\"role\":\"admin\"}";
static const char* const MEMBER = "{\"user_id\":\"u-2\",\"role\":\"member\"}";
static const char* const TENANT = "acme";
static const char* const OTHER_TENANT = "globex";

/* A CRM whose spec carries default mappings for its clients. */
static const char* const CRM_SPEC =
    "{\"key\":\"crm_test\",\"name\":\"CRM Test\",\"auth_type\":\"api_key\","
    "\"credential_fields\":[{\"name\":\"token\",\"type\":\"secret\",\"required\":true}],"
    "\"record_kind\":\"clients\","
    "\"field_mappings\":[{\"target\":\"email\",\"source\":\"/email\","
    "\"transform\":[\"trim\",\"lower\"]}]}";
static const char* const CRM_CREDENTIALS = "{\"token\":\"tok-crm-0001\"}";

/* The host's own mappings: a required name, a cleaned email, a default. */
static const char* const RULES =
    "[{\"target\":\"name\",\"source\":\"/name\",\"required\":true},"
    "{\"target\":\"email\",\"source\":\"/contact/email\",\"transform\":[\"trim\",\"lower\"]},"
    "{\"target\":\"tier\",\"source\":\"/plan\",\"default\":\"basic\"}]";

static const char* const THREE_CLIENTS =
    "[{\"id\":\"c1\",\"name\":\"Ann\",\"contact\":{\"email\":\" Ann@Example.COM \"}},"
    "{\"id\":\"c2\",\"name\":\"Bo\",\"contact\":{\"email\":\"bo@example.com\"},\"plan\":\"gold\"},"
    "{\"id\":3,\"name\":\"Cy\"}]";

/* Connects a crm_test integration named `name` for `tenant`; its id goes
 * into `id` (64 bytes). */
static int connect_crm(lv_vault* vault, const char* tenant, const char* name, char* id) {
  char options[128];
  char* out = NULL;
  int status;
  sprintf(options, "{\"name\":\"%s\"}", name);
  status = lv_integration_connect(vault, &out, tenant, ADMIN, "crm_test", CRM_CREDENTIALS,
                                  options);
  EXPECT_STATUS(LV_OK, status);
  json_string(out, "id", id, 64);
  release(&out);
  return status == LV_OK;
}

static lv_record_batch* map_text(lv_vault* vault, const char* integration_id,
                                 const char* payload, const char* options) {
  lv_record_batch* batch = NULL;
  EXPECT_STATUS(LV_OK, lv_records_map(vault, &batch, TENANT, integration_id,
                                      (const uint8_t*)payload, strlen(payload), options));
  CHECK(batch != NULL);
  return batch;
}

/* The batch as JSON (the caller releases it). */
static char* batch_json(const lv_record_batch* batch) {
  char* out = NULL;
  EXPECT_STATUS(LV_OK, lv_record_batch_json(batch, &out));
  return out;
}

/* Maps `payload` and checks the counts are exactly `counts` (the JSON text
 * of the counts object); commits the batch when `commit`. */
static void map_expecting(lv_vault* vault, const char* integration_id, const char* payload,
                          const char* counts, int commit) {
  lv_record_batch* batch = map_text(vault, integration_id, payload, NULL);
  char* out = batch_json(batch);
  CHECK_HAS(out, counts);
  release(&out);
  if (commit) EXPECT_STATUS(LV_OK, lv_records_commit(vault, TENANT, batch));
  lv_record_batch_destroy(batch);
}

/* Enqueues a job of `type` on the integration and claims it as `worker`
 * (the only job due); its id goes into `job_id` (64 bytes). */
static void claim(lv_vault* vault, const char* integration_id, const char* type,
                  const char* worker, const char* claim_options, char* job_id) {
  char* out = NULL;
  EXPECT_STATUS(LV_OK, lv_sync_enqueue(vault, &out, TENANT, ADMIN, integration_id, type, NULL));
  json_string(out, "id", job_id, 64);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, worker, claim_options));
  CHECK_HAS(out, job_id);
  release(&out);
}

static void complete(lv_vault* vault, const char* job_id, const char* worker) {
  char* out = NULL;
  EXPECT_STATUS(LV_OK, lv_job_complete(vault, &out, job_id, worker, NULL, NULL));
  release(&out);
}

/* ---- field mappings ---------------------------------------------------- */

static void test_field_mappings(lv_vault* vault, const char* crm) {
  char* out = NULL;

  /* No mappings of its own: the provider's defaults. */
  EXPECT_STATUS(LV_OK, lv_field_mappings_get(vault, &out, TENANT, crm));
  CHECK(out != NULL && out[0] == '[');
  CHECK_HAS(out, "\"target\":\"email\"");
  CHECK_HAS(out, "\"source\":\"/email\"");
  CHECK_HAS(out, "\"transform\":[\"trim\",\"lower\"]");
  release(&out);

  EXPECT_STATUS(LV_OK, lv_field_mappings_set(vault, TENANT, ADMIN, crm, RULES));
  EXPECT_STATUS(LV_OK, lv_field_mappings_get(vault, &out, TENANT, crm));
  CHECK_HAS(out, "\"target\":\"name\"");
  CHECK_HAS(out, "\"required\":true");
  CHECK_HAS(out, "\"source\":\"/contact/email\"");
  CHECK_HAS(out, "\"default\":\"basic\"");
  CHECK_LACKS(out, "\"source\":\"/email\"");
  release(&out);

  /* [] removes them: the defaults again. */
  EXPECT_STATUS(LV_OK, lv_field_mappings_set(vault, TENANT, ADMIN, crm, "[]"));
  EXPECT_STATUS(LV_OK, lv_field_mappings_get(vault, &out, TENANT, crm));
  CHECK_HAS(out, "\"source\":\"/email\"");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_field_mappings_set(vault, TENANT, ADMIN, crm, RULES));

  /* Bad rules: the message names the rule; nothing changes. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_field_mappings_set(vault, TENANT, ADMIN, crm,
                                      "[{\"target\":\"phone\",\"source\":\"/p\","
                                      "\"transform\":[\"shout\"]}]"));
  CHECK_MESSAGE_HAS("phone");
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_field_mappings_set(vault, TENANT, ADMIN, crm,
                                      "[{\"target\":\"a\",\"source\":\"/a\",\"colour\":1}]"));
  CHECK_MESSAGE_HAS("colour");
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_field_mappings_set(vault, TENANT, ADMIN, crm,
                                      "[{\"target\":\"a\",\"source\":\"no-slash\"}]"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_field_mappings_set(vault, TENANT, ADMIN, crm,
                                      "[{\"target\":\"a\",\"source\":\"/a\",\"required\":true,"
                                      "\"default\":1}]"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_field_mappings_set(vault, TENANT, ADMIN, crm,
                                      "[{\"target\":\"a\",\"source\":\"/a\"},"
                                      "{\"target\":\"a\",\"source\":\"/b\"}]"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_field_mappings_set(vault, TENANT, ADMIN, crm, "[{]"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_field_mappings_set(vault, TENANT, ADMIN, crm, "{\"target\":\"a\"}"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_field_mappings_set(vault, TENANT, ADMIN, crm, NULL));
  EXPECT_STATUS(LV_OK, lv_field_mappings_get(vault, &out, TENANT, crm));
  CHECK_HAS(out, "\"default\":\"basic\"");
  CHECK_LACKS(out, "phone");
  release(&out);

  /* Roles, tenancy, NULLs. */
  EXPECT_STATUS(LV_PERMISSION_DENIED, lv_field_mappings_set(vault, TENANT, MEMBER, crm, "[]"));
  EXPECT_STATUS(LV_NOT_FOUND, lv_field_mappings_set(vault, OTHER_TENANT, ADMIN, crm, RULES));
  EXPECT_STATUS(LV_NOT_FOUND, lv_field_mappings_get(vault, &out, OTHER_TENANT, crm));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_NOT_FOUND, lv_field_mappings_get(vault, &out, TENANT,
                                                    "01900000-0000-7000-8000-000000000000"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_field_mappings_get(vault, NULL, TENANT, crm));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_field_mappings_get(vault, &out, NULL, crm));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_field_mappings_get(vault, &out, TENANT, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_field_mappings_get(NULL, &out, TENANT, crm));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_field_mappings_set(NULL, TENANT, ADMIN, crm, RULES));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_field_mappings_set(vault, NULL, ADMIN, crm, RULES));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_field_mappings_set(vault, TENANT, NULL, crm, RULES));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_field_mappings_set(vault, TENANT, ADMIN, NULL, RULES));
}

/* ---- map and commit ---------------------------------------------------- */

static void test_map_and_commit(lv_vault* vault, const char* crm) {
  lv_record_batch* batch;
  char* out = NULL;

  batch = map_text(vault, crm, THREE_CLIENTS, NULL);
  out = batch_json(batch);
  CHECK_HAS(out, "\"integration_id\":\"");
  CHECK_HAS(out, crm);
  CHECK_HAS(out, "\"job_id\":null,\"worker_id\":null");
  CHECK_HAS(out, "\"counts\":{\"created\":3,\"updated\":0,\"unchanged\":0,\"failed\":0}");
  CHECK_HAS(out, "\"errors\":[]");
  /* The record is embedded as an object, targets in rule order, transformed. */
  CHECK_HAS(out, "{\"external_id\":\"c1\",\"action\":\"created\",\"record\":"
                 "{\"name\":\"Ann\",\"email\":\"ann@example.com\",\"tier\":\"basic\"}}");
  CHECK_HAS(out, "\"record\":{\"name\":\"Bo\",\"email\":\"bo@example.com\",\"tier\":\"gold\"}");
  /* An integer id becomes its decimal text; a missing optional source, null. */
  CHECK_HAS(out, "{\"external_id\":\"3\",\"action\":\"created\",\"record\":"
                 "{\"name\":\"Cy\",\"email\":null,\"tier\":\"basic\"}}");
  release(&out);

  /* Nothing is remembered before the commit. */
  map_expecting(vault, crm, THREE_CLIENTS, "\"created\":3,\"updated\":0,\"unchanged\":0", 0);
  EXPECT_STATUS(LV_OK, lv_records_commit(vault, TENANT, batch));
  /* Committing again is harmless, and the batch stays readable. */
  EXPECT_STATUS(LV_OK, lv_records_commit(vault, TENANT, batch));
  out = batch_json(batch);
  CHECK_HAS(out, "\"created\":3");
  release(&out);
  lv_record_batch_destroy(batch);

  map_expecting(vault, crm, THREE_CLIENTS,
                "\"counts\":{\"created\":0,\"updated\":0,\"unchanged\":3,\"failed\":0}", 0);
  batch = map_text(vault, crm, THREE_CLIENTS, NULL);
  out = batch_json(batch);
  CHECK_HAS(out, "\"changed\":[]");
  release(&out);
  lv_record_batch_destroy(batch);

  /* Bo changed plan, Dee is new, Ann has no name (required): failed. The
   * error names the field and the record, never the values. */
  batch = map_text(vault, crm,
                   "[{\"id\":\"c1\",\"contact\":{\"email\":\"ann@example.com\"}},"
                   "{\"id\":\"c2\",\"name\":\"Bo\",\"contact\":{\"email\":\"bo@example.com\"},"
                   "\"plan\":\"platinum\"},"
                   "{\"id\":3,\"name\":\"Cy\"},"
                   "{\"id\":\"c4\",\"name\":\"Dee\"}]",
                   NULL);
  out = batch_json(batch);
  CHECK_HAS(out, "\"counts\":{\"created\":1,\"updated\":1,\"unchanged\":1,\"failed\":1}");
  CHECK_HAS(out, "{\"external_id\":\"c2\",\"action\":\"updated\",\"record\":"
                 "{\"name\":\"Bo\",\"email\":\"bo@example.com\",\"tier\":\"platinum\"}}");
  CHECK_HAS(out, "{\"external_id\":\"c4\",\"action\":\"created\"");
  CHECK_HAS(out, "\"errors\":[{\"index\":0,\"external_id\":\"c1\",\"field\":\"name\",\"message\":\"");
  CHECK_LACKS(out, "ann@example.com");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_records_commit(vault, TENANT, batch));
  lv_record_batch_destroy(batch);
  map_expecting(vault, crm,
                "[{\"id\":\"c2\",\"name\":\"Bo\",\"contact\":{\"email\":\"bo@example.com\"},"
                "\"plan\":\"platinum\"},{\"id\":\"c4\",\"name\":\"Dee\"}]",
                "\"counts\":{\"created\":0,\"updated\":0,\"unchanged\":2,\"failed\":0}", 0);

  /* records_at and id_at. */
  batch = map_text(vault, crm,
                   "{\"data\":{\"clients\":[{\"key\":{\"n\":7},\"name\":\"Eve\"}]}}",
                   "{\"records_at\":\"/data/clients\",\"id_at\":\"/key/n\",\"job_id\":null,"
                   "\"worker_id\":null}");
  out = batch_json(batch);
  CHECK_HAS(out, "{\"external_id\":\"7\",\"action\":\"created\"");
  release(&out);
  lv_record_batch_destroy(batch);
  /* A record without a usable id fails, with the id pointer as the field. */
  batch = map_text(vault, crm, "[{\"name\":\"No Id\"},{\"id\":true,\"name\":\"Bool Id\"}]", NULL);
  out = batch_json(batch);
  CHECK_HAS(out, "\"failed\":2");
  CHECK_HAS(out, "{\"index\":0,\"external_id\":null,\"field\":\"/id\"");
  CHECK_HAS(out, "{\"index\":1,\"external_id\":null,\"field\":\"/id\"");
  release(&out);
  lv_record_batch_destroy(batch);
}

/* ---- bad payloads and options ------------------------------------------ */

static void expect_map_refused(lv_vault* vault, const char* crm, const char* payload,
                               size_t length, const char* options, const char* needle) {
  lv_record_batch* batch = (lv_record_batch*)&batch; /* must be reset to NULL */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_map(vault, &batch, TENANT, crm,
                                                    (const uint8_t*)payload, length, options));
  CHECK(batch == NULL);
  if (needle != NULL) CHECK_MESSAGE_HAS(needle);
}

static void test_bad_payloads(lv_vault* vault, const char* crm) {
  static const char truncated[] = "[{\"id\":\"c1\",\"name\":\"Ann\"},{\"id\":";
  static const char bad_utf8[] = "[{\"id\":\"c1\",\"name\":\"\xC3\x28\"}]";
  static const char inner_nul[] = "[{\"id\":\"c1\"}]\0[]";
  const char* ok = "[]";
  lv_record_batch* batch = NULL;

  expect_map_refused(vault, crm, truncated, strlen(truncated), NULL, "offset");
  expect_map_refused(vault, crm, bad_utf8, strlen(bad_utf8), NULL, "UTF-8");
  expect_map_refused(vault, crm, "", 0, NULL, NULL);
  expect_map_refused(vault, crm, inner_nul, sizeof inner_nul - 1, NULL, NULL);
  expect_map_refused(vault, crm, "{\"id\":1}", 8, NULL, NULL);  /* not an array */
  expect_map_refused(vault, crm, "{\"a\":{}}", 8, "{\"records_at\":\"/a\"}", NULL);
  expect_map_refused(vault, crm, "[]", 2, "{\"records_at\":\"a\"}", NULL);
  expect_map_refused(vault, crm, "[]", 2, "{\"id_at\":\"/a~2\"}", NULL);
  /* NULL is refused whatever the length; the length is checked before a
   * byte is read. */
  expect_map_refused(vault, crm, NULL, 0, NULL, "payload");
  expect_map_refused(vault, crm, NULL, 5, NULL, "payload");
  expect_map_refused(vault, crm, ok, (size_t)LV_MAX_RECORD_PAYLOAD_BYTES + 1, NULL, "payload");
  /* Options. */
  expect_map_refused(vault, crm, ok, 2, "{\"records\":\"\"}", "records");
  expect_map_refused(vault, crm, ok, 2, "{\"id_at\":5}", "id_at");
  expect_map_refused(vault, crm, ok, 2, "{\"id_at\":\"/a\",\"id_at\":\"/b\"}", "id_at");
  expect_map_refused(vault, crm, ok, 2, "{\"job_id\":\"j\"}", "worker_id");
  expect_map_refused(vault, crm, ok, 2, "{\"worker_id\":\"w\"}", "job_id");
  expect_map_refused(vault, crm, ok, 2, "[]", "options_json");
  expect_map_refused(vault, crm, ok, 2, "{", "options_json");

  /* The other arguments. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_map(vault, NULL, TENANT, crm,
                                                    (const uint8_t*)ok, 2, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_map(NULL, &batch, TENANT, crm,
                                                    (const uint8_t*)ok, 2, NULL));
  CHECK(batch == NULL);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_map(vault, &batch, NULL, crm,
                                                    (const uint8_t*)ok, 2, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_map(vault, &batch, TENANT, NULL,
                                                    (const uint8_t*)ok, 2, NULL));
  EXPECT_STATUS(LV_NOT_FOUND, lv_records_map(vault, &batch, OTHER_TENANT, crm,
                                             (const uint8_t*)ok, 2, NULL));
  CHECK(batch == NULL);

  /* An empty array is a batch of nothing. */
  batch = map_text(vault, crm, ok, NULL);
  {
    char* out = batch_json(batch);
    CHECK_HAS(out, "\"changed\":[],\"counts\":{\"created\":0,\"updated\":0,\"unchanged\":0,"
                   "\"failed\":0},\"errors\":[]}");
    release(&out);
  }
  lv_record_batch_destroy(batch);
}

/* ---- errors: all counted, the first 100 kept --------------------------- */

static void test_many_errors(lv_vault* vault, const char* crm) {
  /* 150 records without a name (required), then one good one. */
  char* payload = malloc(150 * 32 + 64);
  char* out = NULL;
  char* at;
  lv_record_batch* batch;
  int i;
  long listed = 0;
  const char* cursor;
  if (payload == NULL) return;
  at = payload;
  *at++ = '[';
  for (i = 0; i < 150; ++i) at += sprintf(at, "{\"id\":\"bad-%d\"},", i);
  strcpy(at, "{\"id\":\"good\",\"name\":\"Gus\"}]");
  batch = map_text(vault, crm, payload, NULL);
  out = batch_json(batch);
  CHECK_HAS(out, "\"counts\":{\"created\":1,\"updated\":0,\"unchanged\":0,\"failed\":150}");
  for (cursor = out; cursor != NULL && (cursor = strstr(cursor, "\"index\":")) != NULL; ++cursor) {
    ++listed;
  }
  CHECK(listed == 100);
  CHECK_HAS(out, "\"external_id\":\"bad-99\"");
  CHECK_LACKS(out, "\"external_id\":\"bad-100\"");
  release(&out);
  lv_record_batch_destroy(batch);
  free(payload);
}

/* ---- batch handles ----------------------------------------------------- */

static void test_batch_misuse(lv_vault* vault, const char* crm) {
  static const char* const PAGE =
      "[{\"id\":\"m1\",\"name\":\"Mo\"},{\"id\":\"m2\",\"name\":\"Mia\"},"
      "{\"id\":\"m3\",\"name\":\"Max\"}]";
  lv_record_batch* batch = map_text(vault, crm, PAGE, NULL);
  lv_record_batch* gone = map_text(vault, crm, PAGE, NULL);
  char* out = (char*)&out;

  /* A batch of acme cannot be committed as globex's. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_commit(vault, OTHER_TENANT, batch));
  CHECK_MESSAGE_HAS("tenant");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_commit(vault, NULL, batch));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_commit(vault, TENANT, NULL));
  CHECK_MESSAGE_HAS("batch");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_commit(NULL, TENANT, batch));
  /* The refused commits wrote nothing. */
  map_expecting(vault, crm, PAGE, "\"created\":3", 0);

  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_record_batch_json(NULL, &out));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_record_batch_json(batch, NULL));

  /* Destroyed: refused, never read. Destroying again, or NULL, is a no-op. */
  lv_record_batch_destroy(gone);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_record_batch_json(gone, &out));
  CHECK_MESSAGE_HAS("not a live lv_record_batch");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_commit(vault, TENANT, gone));
  lv_record_batch_destroy(gone);
  lv_record_batch_destroy(NULL);

  /* Wrong kinds: a vault is not a batch, a batch is not a vault, and a
   * pointer that is neither is refused too. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_record_batch_json((lv_record_batch*)vault, &out));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_records_commit(vault, TENANT, (const lv_record_batch*)vault));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_commit((lv_vault*)batch, TENANT, batch));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_record_batch_json((lv_record_batch*)&out, &out));
  lv_record_batch_destroy((lv_record_batch*)vault); /* not a batch: a no-op */
  lv_vault_destroy((lv_vault*)batch);               /* not a vault: a no-op */

  /* Both still work. */
  out = batch_json(batch);
  CHECK_HAS(out, "\"created\":3");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_records_commit(vault, TENANT, batch));
  lv_record_batch_destroy(batch);
}

/* ---- job-bound batches ------------------------------------------------- */

static void test_job_bound(lv_vault* vault, const char* crm) {
  char job[64];
  char options[256];
  char* out = NULL;
  lv_record_batch* batch = NULL;
  lv_record_batch* stale = NULL;

  claim(vault, crm, "full_import", "worker-1", "{\"types\":[\"full_import\"]}", job);
  sprintf(options, "{\"job_id\":\"%s\",\"worker_id\":\"worker-1\"}", job);
  batch = map_text(vault, crm,
                   "[{\"id\":\"j1\",\"name\":\"Jo\"},{\"id\":\"j2\",\"name\":\"Jay\"},"
                   "{\"id\":\"j3\"}]",
                   options);
  out = batch_json(batch);
  CHECK_HAS(out, job);
  CHECK_HAS(out, "\"worker_id\":\"worker-1\"");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_records_commit(vault, TENANT, batch));
  lv_record_batch_destroy(batch);
  EXPECT_STATUS(LV_OK, lv_job_get(vault, &out, TENANT, job));
  CHECK(json_integer(out, "records_processed") == 3);
  CHECK_HAS(out, "\"created\":2");
  CHECK_HAS(out, "\"failed\":1");
  release(&out);

  /* Another worker, an unknown job, another integration's job. */
  sprintf(options, "{\"job_id\":\"%s\",\"worker_id\":\"worker-9\"}", job);
  EXPECT_STATUS(LV_CONFLICT, lv_records_map(vault, &batch, TENANT, crm,
                                            (const uint8_t*)"[]", 2, options));
  CHECK(batch == NULL);
  EXPECT_STATUS(LV_NOT_FOUND,
                lv_records_map(vault, &batch, TENANT, crm, (const uint8_t*)"[]", 2,
                               "{\"job_id\":\"01900000-0000-7000-8000-000000000000\","
                               "\"worker_id\":\"worker-1\"}"));

  /* A heartbeat keeps the counts; completing merges the host's summary,
   * the vault's record keys winning. */
  EXPECT_STATUS(LV_OK, lv_job_heartbeat(vault, &out, job, "worker-1", "{\"total\":3}"));
  CHECK(json_integer(out, "progress_percent") == 100);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_complete(vault, &out, job, "worker-1", NULL,
                                       "{\"pages\":1,\"created\":99}"));
  CHECK_HAS(out, "\"pages\":1");
  CHECK_HAS(out, "\"created\":2");
  CHECK_HAS(out, "\"unchanged\":0");
  CHECK_LACKS(out, "\"created\":99");
  release(&out);

  /* A stale worker: its lease passed, the job went to another worker; the
   * batch it mapped cannot be committed, and nothing of it is written. */
  claim(vault, crm, "full_import", "worker-1", "{\"lease_seconds\":0.05}", job);
  sprintf(options, "{\"job_id\":\"%s\",\"worker_id\":\"worker-1\"}", job);
  stale = map_text(vault, crm, "[{\"id\":\"j4\",\"name\":\"Jules\"}]", options);
  pause_ms(300);
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-2", NULL));
  CHECK_HAS(out, job);
  release(&out);
  EXPECT_STATUS(LV_CONFLICT, lv_records_commit(vault, TENANT, stale));
  sprintf(options, "{\"job_id\":\"%s\",\"worker_id\":\"worker-2\"}", job);
  batch = map_text(vault, crm, "[{\"id\":\"j4\",\"name\":\"Jules\"}]", options);
  out = batch_json(batch);
  CHECK_HAS(out, "\"created\":1");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_records_commit(vault, TENANT, batch));
  lv_record_batch_destroy(batch);
  EXPECT_STATUS(LV_CONFLICT, lv_records_commit(vault, TENANT, stale));
  lv_record_batch_destroy(stale);
  EXPECT_STATUS(LV_OK, lv_job_get(vault, &out, TENANT, job));
  CHECK(json_integer(out, "records_processed") == 1);
  release(&out);
  complete(vault, job, "worker-2");
}

/* ---- field_mapping_update and finish_full_sync ------------------------- */

static void test_remap_and_full_sync(lv_vault* vault, const char* crm) {
  static const char* const PAGE =
      "[{\"id\":\"f1\",\"name\":\"Fay\"},{\"id\":\"f2\",\"name\":\"Finn\"},"
      "{\"id\":\"f3\",\"name\":\"Flo\"}]";
  static const char* const SMALLER_PAGE =
      "[{\"id\":\"f1\",\"name\":\"Fay\"},{\"id\":\"f2\",\"name\":\"Finn\"}]";
  char job[64];
  char options[256];
  char* out = NULL;
  lv_record_batch* batch;

  map_expecting(vault, crm, PAGE, "\"created\":3", 1);
  map_expecting(vault, crm, PAGE, "\"unchanged\":3", 0);

  /* Claiming a field_mapping_update job marks every remembered record
   * stale: the next import reports each updated, once. */
  claim(vault, crm, "field_mapping_update", "worker-1", NULL, job);
  map_expecting(vault, crm, PAGE,
                "\"counts\":{\"created\":0,\"updated\":3,\"unchanged\":0,\"failed\":0}", 1);
  map_expecting(vault, crm, PAGE, "\"unchanged\":3", 0);
  complete(vault, job, "worker-1");

  /* finish_full_sync needs a completed, successful full_import. */
  EXPECT_STATUS(LV_FAILED_PRECONDITION,
                lv_records_finish_full_sync(vault, &out, TENANT, crm, job));
  CHECK(out == NULL);
  /* The clock moves on, so the next job starts after the commits above. */
  pause_ms(5);
  claim(vault, crm, "full_import", "worker-1", NULL, job);
  EXPECT_STATUS(LV_FAILED_PRECONDITION,
                lv_records_finish_full_sync(vault, &out, TENANT, crm, job));
  sprintf(options, "{\"job_id\":\"%s\",\"worker_id\":\"worker-1\"}", job);
  batch = map_text(vault, crm, SMALLER_PAGE, options);
  EXPECT_STATUS(LV_OK, lv_records_commit(vault, TENANT, batch));
  lv_record_batch_destroy(batch);
  complete(vault, job, "worker-1");

  /* Everything that job did not see is listed and forgotten: the earlier
   * tests' records, and f3. */
  EXPECT_STATUS(LV_OK, lv_records_finish_full_sync(vault, &out, TENANT, crm, job));
  CHECK(out != NULL && out[0] == '[');
  CHECK_HAS(out, "\"f3\"");
  CHECK_HAS(out, "\"c2\"");
  CHECK_LACKS(out, "\"f1\"");
  CHECK_LACKS(out, "\"f2\"");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_records_finish_full_sync(vault, &out, TENANT, crm, job));
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_get(vault, &out, TENANT, job));
  CHECK_HAS(out, "\"deleted\":");
  CHECK(json_integer(out, "deleted") >= 1);
  release(&out);
  /* f3 is new again; f1 and f2 are still remembered. */
  map_expecting(vault, crm, PAGE,
                "\"counts\":{\"created\":1,\"updated\":0,\"unchanged\":2,\"failed\":0}", 0);

  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_records_finish_full_sync(vault, &out, TENANT, crm, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_finish_full_sync(vault, NULL, TENANT, crm, job));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_finish_full_sync(vault, &out, TENANT, NULL, job));
  EXPECT_STATUS(LV_NOT_FOUND,
                lv_records_finish_full_sync(vault, &out, OTHER_TENANT, crm, job));
  EXPECT_STATUS(LV_NOT_FOUND,
                lv_records_finish_full_sync(vault, &out, TENANT, crm,
                                            "01900000-0000-7000-8000-000000000000"));
}

/* ---- tenancy and purge ------------------------------------------------- */

static void test_tenants_apart(lv_vault* vault) {
  char globex_crm[64];
  char* out = NULL;
  lv_record_batch* batch = NULL;
  if (!connect_crm(vault, OTHER_TENANT, "default", globex_crm)) return;
  /* The same record in another tenant is new there. */
  EXPECT_STATUS(LV_OK, lv_field_mappings_set(vault, OTHER_TENANT, ADMIN, globex_crm, RULES));
  EXPECT_STATUS(LV_OK, lv_records_map(vault, &batch, OTHER_TENANT, globex_crm,
                                      (const uint8_t*)THREE_CLIENTS, strlen(THREE_CLIENTS),
                                      NULL));
  out = batch_json(batch);
  CHECK_HAS(out, "\"created\":3");
  release(&out);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_records_commit(vault, TENANT, batch));
  EXPECT_STATUS(LV_OK, lv_records_commit(vault, OTHER_TENANT, batch));
  lv_record_batch_destroy(batch);

  /* Purge forgets the tenant's records (and shreds its records key). */
  EXPECT_STATUS(LV_OK, lv_tenant_purge(vault, &out, ADMIN, OTHER_TENANT));
  release(&out);
  if (!connect_crm(vault, OTHER_TENANT, "default", globex_crm)) return;
  EXPECT_STATUS(LV_OK, lv_field_mappings_set(vault, OTHER_TENANT, ADMIN, globex_crm, RULES));
  EXPECT_STATUS(LV_OK, lv_records_map(vault, &batch, OTHER_TENANT, globex_crm,
                                      (const uint8_t*)THREE_CLIENTS, strlen(THREE_CLIENTS),
                                      NULL));
  out = batch_json(batch);
  CHECK_HAS(out, "\"created\":3");
  release(&out);
  lv_record_batch_destroy(batch);
}

int main(void) {
  char path[512];
  char crm[64];
  uint8_t key[32];
  lv_vault* vault = NULL;
  lv_record_batch* survivor = NULL;
  char* out = NULL;
  int i;

  if (!make_directory("linkvault-capi-records")) return 2;
  path_in_directory(path, "vault.db");
  for (i = 0; i < 32; ++i) key[i] = (uint8_t)(7 + i * 3);

  EXPECT_STATUS(LV_OK, lv_vault_open(&vault, path, key, sizeof key, 1));
  if (vault != NULL) {
    EXPECT_STATUS(LV_OK, lv_provider_register(vault, &out, CRM_SPEC));
    CHECK_HAS(out, "\"record_kind\":\"clients\"");
    release(&out);
    if (connect_crm(vault, TENANT, "default", crm)) {
      test_field_mappings(vault, crm);
      test_map_and_commit(vault, crm);
      test_bad_payloads(vault, crm);
      test_many_errors(vault, crm);
      test_batch_misuse(vault, crm);
      test_job_bound(vault, crm);
      test_remap_and_full_sync(vault, crm);
      test_tenants_apart(vault);
      survivor = map_text(vault, crm, THREE_CLIENTS, NULL);
    }
    EXPECT_STATUS(LV_OK, lv_vault_close(vault));
    /* A closed vault: FAILED_PRECONDITION. A batch outlives its vault. */
    EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_field_mappings_get(vault, &out, TENANT, crm));
    if (survivor != NULL) {
      EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_records_commit(vault, TENANT, survivor));
      out = batch_json(survivor);
      CHECK_HAS(out, "\"changed\":[");
      release(&out);
      lv_record_batch_destroy(survivor);
    }
    lv_vault_destroy(vault);
  }
  remove_directory();

  printf("%d passed, %d failed\n", checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}
