/*
 * The C ABI, exercised from C (compiled as C99 with -pedantic -Werror, which
 * also proves linkvault.h is C). The whole lifecycle through
 * liblinkvault_c.so, then misuse: NULL and dead handles, NULL outputs, bad
 * JSON, bad UTF-8, oversized input, wrong types, unknown keys, the wrong key,
 * another tenant's id and a member's changes. Sync jobs: every lv_job_* and
 * lv_sync_* function through the worker cycle, retries, cancels and an
 * expired lease, and their misuse (wrong worker, finished jobs, bad JSON).
 * Each misuse asserts the exact status and a non-empty
 * lv_last_error_message().
 *
 * Prints "N passed, M failed" last; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include "capi_checks.h"
#include "linkvault.h"

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/* The integer value of the n-th (from 0) "key":N, or -1. */
static long json_integer_at(const char* json, const char* key, int n) {
  char pattern[64];
  const char* at = json;
  if (json == NULL) return -1;
  sprintf(pattern, "\"%s\":", key);
  while ((at = strstr(at, pattern)) != NULL) {
    at += strlen(pattern);
    if (n-- == 0) return strtol(at, NULL, 10);
  }
  return -1;
}

static int count_of(const char* text, const char* needle) {
  int count = 0;
  const char* at = text;
  if (text == NULL) return -1;
  while ((at = strstr(at, needle)) != NULL) {
    ++count;
    at += strlen(needle);
  }
  return count;
}

/* Frees and forgets a returned string. */
static void release(char** text) {
  lv_string_free(*text);
  *text = NULL;
}

/* ---- fixtures ---------------------------------------------------------- */

static const char* const ADMIN = "{\"user_id\":\"u-1\",\"user_name\":\"Alice\",\"role\":\"admin\"}";
static const char* const SYSTEM = "{\"user_id\":\"svc\",\"role\":\"system\"}";
static const char* const MEMBER = "{\"user_id\":\"u-2\",\"user_name\":\"Bob\",\"role\":\"member\"}";

/* "••••" in UTF-8 */
#define MASK_DOTS "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"

static void fill_key(uint8_t* key, uint8_t seed) {
  int i;
  for (i = 0; i < 32; ++i) key[i] = (uint8_t)(seed + i * 7);
}

/* ---- testers ----------------------------------------------------------- */

struct tester_state {
  lv_vault* vault;        /* for a call back into the library */
  const char* expect;     /* a substring the credentials must contain */
  int calls;
  int saw_credentials;
  int reentrant_status;   /* status of an lv_ read made from inside */
  int reentrant_write;    /* status of an lv_ write made from inside */
  int null_reply_status;  /* status of lv_tester_reply_set(NULL, ...) */
};

static int passing_tester(lv_tester_reply* reply, const char* credentials_json, void* user_data) {
  struct tester_state* state = (struct tester_state*)user_data;
  char* inner = NULL;
  ++state->calls;
  state->saw_credentials = credentials_json != NULL && strstr(credentials_json, state->expect) != NULL;
  /* A callback may call back into the library, on the same vault. */
  state->reentrant_status = lv_integration_list(state->vault, &inner, "acme", NULL);
  lv_string_free(inner);
  /* A write too: the tester runs outside any transaction. */
  state->reentrant_write = lv_tenant_set_quota(state->vault, "acme", ADMIN, -1);
  state->null_reply_status = lv_tester_reply_set(NULL, 1, "x");
  return lv_tester_reply_set(reply, 1, "ok: reachable");
}

static int failing_tester(lv_tester_reply* reply, const char* credentials_json, void* user_data) {
  struct tester_state* state = (struct tester_state*)user_data;
  ++state->calls;
  state->saw_credentials = credentials_json != NULL && strstr(credentials_json, state->expect) != NULL;
  lv_tester_reply_set(reply, 0, "401 unauthorized");
  return 0;
}

static int silent_tester(lv_tester_reply* reply, const char* credentials_json, void* user_data) {
  struct tester_state* state = (struct tester_state*)user_data;
  (void)reply;
  (void)credentials_json;
  ++state->calls;
  return 0;
}

static int erroring_tester(lv_tester_reply* reply, const char* credentials_json, void* user_data) {
  struct tester_state* state = (struct tester_state*)user_data;
  (void)credentials_json;
  ++state->calls;
  /* Says success, then returns non-zero: the return value wins. */
  lv_tester_reply_set(reply, 1, "");
  return 7;
}

static lv_tester_reply* escaped_reply = NULL;

static int escaping_tester(lv_tester_reply* reply, const char* credentials_json, void* user_data) {
  (void)credentials_json;
  (void)user_data;
  escaped_reply = reply; /* kept past the callback: misuse, detected later */
  return lv_tester_reply_set(reply, 1, "fine");
}

/* ---- the lifecycle ----------------------------------------------------- */

static void test_library(void) {
  CHECK(lv_version() != NULL && strlen(lv_version()) > 0);
  CHECK(lv_abi_version() == LV_ABI_VERSION);
  CHECK(strcmp(lv_status_name(LV_OK), "OK") == 0);
  CHECK(strcmp(lv_status_name(LV_WRONG_KEY), "WRONG_KEY") == 0);
  CHECK(strcmp(lv_status_name(LV_INTERNAL), "INTERNAL") == 0);
  CHECK(strcmp(lv_status_name(99), "UNKNOWN") == 0);
  CHECK(strcmp(lv_status_name(-1), "UNKNOWN") == 0);
  CHECK(lv_last_error_message() != NULL);
  lv_string_free(NULL);
  lv_vault_destroy(NULL);
  EXPECT_STATUS(LV_OK, lv_vault_close(NULL));
}

static lv_vault* test_open(const char* path) {
  uint8_t key[32];
  uint8_t wrong[32];
  lv_vault* vault = NULL;
  lv_vault* other = NULL;
  fill_key(key, 1);
  fill_key(wrong, 2);

  EXPECT_STATUS(LV_OK, lv_vault_open(&vault, path, key, sizeof key, 1));
  CHECK(vault != NULL);
  lv_vault_destroy(vault);

  other = (lv_vault*)&other; /* *out is reset on entry, even on failure */
  EXPECT_STATUS(LV_WRONG_KEY, lv_vault_open(&other, path, wrong, sizeof wrong, 0));
  CHECK(other == NULL);

  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_vault_open(&other, path, key, 16, 0));
  CHECK_MESSAGE_HAS("key_length");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_vault_open(&other, path, NULL, 32, 0));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_vault_open(&other, NULL, key, 32, 0));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_vault_open(NULL, path, key, 32, 0));
  CHECK_MESSAGE_HAS("out");
  CHECK(other == NULL);

  vault = NULL;
  EXPECT_STATUS(LV_OK, lv_vault_open(&vault, path, key, sizeof key, 0));
  CHECK(vault != NULL);
  return vault;
}

static void test_passphrase(void) {
  char path[512];
  lv_vault* vault = NULL;
  path_in_directory(path, "passphrase.db");
  EXPECT_STATUS(LV_OK, lv_vault_open_passphrase(&vault, path, "correct horse battery staple", 1));
  CHECK(vault != NULL);
  lv_vault_destroy(vault);
  vault = NULL;
  EXPECT_STATUS(LV_WRONG_KEY, lv_vault_open_passphrase(&vault, path, "wrong horse", 0));
  CHECK(vault == NULL);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_vault_open_passphrase(&vault, path, NULL, 0));
}

struct ids {
  char acme_slack[64];
  char acme_custom[64];
  char globex_lightblue[64];
  char globex_slack[64];
};

static void test_connect(lv_vault* vault, struct ids* ids) {
  char* out = NULL;

  EXPECT_STATUS(LV_OK, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                              "{\"bot_token\":\"xoxb-1234567890-abcdef\"}", NULL));
  CHECK(json_string(out, "id", ids->acme_slack, sizeof ids->acme_slack));
  CHECK_HAS(out, "\"tenant\":\"acme\"");
  CHECK_HAS(out, "\"provider\":\"slack\"");
  CHECK_HAS(out, "\"name\":\"default\"");
  CHECK_HAS(out, "\"status\":\"connected\"");
  CHECK_HAS(out, "\"credential_mask\":\"" MASK_DOTS "cdef\"");
  CHECK_HAS(out, "\"connected_by\":\"u-1\"");
  CHECK_HAS(out, "\"account\":null");
  CHECK_HAS(out, "\"scopes\":[]");
  CHECK_HAS(out, "\"sync_config\":null");
  CHECK_HAS(out, "\"refresh_count\":0");
  CHECK_LACKS(out, "xoxb-1234567890-abcdef");
  release(&out);

  EXPECT_STATUS(LV_OK, lv_integration_connect(
                           vault, &out, "acme", SYSTEM, "custom",
                           "{\"api_key\":\"k-abcdefghijklmnop\",\"base_url\":\"https://api.example.test\"}",
                           "{\"name\":\"secondary\",\"account\":null,\"scopes\":null}"));
  CHECK(json_string(out, "id", ids->acme_custom, sizeof ids->acme_custom));
  CHECK_HAS(out, "\"name\":\"secondary\"");
  CHECK_HAS(out, "\"credential_mask\":\"" MASK_DOTS "mnop\"");
  release(&out);

  EXPECT_STATUS(LV_OK, lv_integration_connect(
                           vault, &out, "globex", ADMIN, "lightblue",
                           "{\"username\":\"ops\",\"password\":\"pw-0123456789\"}",
                           "{\"name\":\"main\",\"account\":\"ops@globex.test\","
                           "\"scopes\":[\"read\",\"write\"],\"expires_at\":\"2030-01-02T03:04:05Z\","
                           "\"sync_config\":{\"auto_sync\":true,\"interval_minutes\":30}}"));
  CHECK(json_string(out, "id", ids->globex_lightblue, sizeof ids->globex_lightblue));
  CHECK_HAS(out, "\"tenant\":\"globex\"");
  CHECK_HAS(out, "\"account\":\"ops@globex.test\"");
  CHECK_HAS(out, "\"scopes\":[\"read\",\"write\"]");
  CHECK_HAS(out, "\"expires_at\":\"2030-01-02T03:04:05.000Z\"");
  CHECK_HAS(out, "\"auto_sync\":true");
  CHECK_HAS(out, "\"interval_minutes\":30");
  CHECK_HAS(out, "\"credential_mask\":\"" MASK_DOTS "6789\"");
  release(&out);

  EXPECT_STATUS(LV_OK, lv_integration_connect(vault, &out, "globex", ADMIN, "slack",
                                              "{\"bot_token\":\"short\"}", NULL));
  CHECK(json_string(out, "id", ids->globex_slack, sizeof ids->globex_slack));
  CHECK_HAS(out, "\"credential_mask\":\"" MASK_DOTS "\"");
  release(&out);

  /* Same (tenant, provider, name) again. */
  EXPECT_STATUS(LV_ALREADY_EXISTS, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                          "{\"bot_token\":\"xoxb-other-token\"}", NULL));
  CHECK(out == NULL);
  /* Validation against the provider's fields, naming the field. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "nope",
                                                            "{\"bot_token\":\"x\"}", NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_integration_connect(vault, &out, "acme", ADMIN, "custom",
                                       "{\"api_key\":\"k\",\"base_url\":\"http://plain.test\"}",
                                       "{\"name\":\"insecure\"}"));
  CHECK_MESSAGE_HAS("base_url");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "tave",
                                                            "{}", NULL));
  CHECK_MESSAGE_HAS("api_key");
}

static void test_reads(lv_vault* vault, const struct ids* ids) {
  char* out = NULL;
  char id[64];

  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, "acme", ids->acme_slack));
  CHECK(json_string(out, "id", id, sizeof id) && strcmp(id, ids->acme_slack) == 0);
  release(&out);

  /* Another tenant's id is NOT_FOUND, exactly like a missing one. */
  EXPECT_STATUS(LV_NOT_FOUND, lv_integration_get(vault, &out, "globex", ids->acme_slack));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_NOT_FOUND, lv_integration_get(vault, &out, "acme", "0190b0a0-0000-7000-8000-000000000000"));
  EXPECT_STATUS(LV_NOT_FOUND, lv_integration_get(vault, &out, "acme", "not-an-id"));

  EXPECT_STATUS(LV_OK, lv_integration_find(vault, &out, "acme", "slack", NULL));
  CHECK(json_string(out, "id", id, sizeof id) && strcmp(id, ids->acme_slack) == 0);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_find(vault, &out, "acme", "custom", "secondary"));
  CHECK(json_string(out, "id", id, sizeof id) && strcmp(id, ids->acme_custom) == 0);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_find(vault, &out, "acme", "slack", "other"));
  CHECK(out != NULL && strcmp(out, "null") == 0);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_find(vault, &out, "acme", "lightblue", "main"));
  CHECK(out != NULL && strcmp(out, "null") == 0);
  release(&out);

  EXPECT_STATUS(LV_OK, lv_integration_list(vault, &out, "acme", NULL));
  CHECK(out != NULL && out[0] == '[');
  CHECK(count_of(out, "\"provider\":") == 2);
  CHECK_HAS(out, ids->acme_slack);
  CHECK_HAS(out, ids->acme_custom);
  CHECK_LACKS(out, ids->globex_slack);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_list(vault, &out, "acme", "{\"provider\":\"slack\"}"));
  CHECK(count_of(out, "\"provider\":") == 1);
  CHECK_HAS(out, ids->acme_slack);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_list(vault, &out, "acme", "{\"status\":\"disconnected\",\"provider\":null}"));
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_list(vault, &out, "nobody", NULL));
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  release(&out);
}

static void test_update_and_reveal(lv_vault* vault, const struct ids* ids) {
  char* out = NULL;

  EXPECT_STATUS(LV_OK, lv_integration_update_credentials(
                           vault, &out, "acme", ADMIN, ids->acme_slack,
                           "{\"bot_token\":\"xoxb-new-token-9876\",\"signing_secret\":\"s3cr3t\"}",
                           "{\"expires_at\":\"2031-05-06T07:08:09.5+02:00\"}"));
  CHECK_HAS(out, "\"credential_mask\":\"" MASK_DOTS "9876\"");
  CHECK_HAS(out, "\"expires_at\":\"2031-05-06T05:08:09.500Z\"");
  release(&out);

  EXPECT_STATUS(LV_OK, lv_integration_reveal_credentials(vault, &out, "acme", ADMIN, ids->acme_slack));
  CHECK(out != NULL &&
        strcmp(out, "{\"bot_token\":\"xoxb-new-token-9876\",\"signing_secret\":\"s3cr3t\"}") == 0);
  release(&out);

  /* Another tenant's id, and a member: refused, nothing revealed. */
  EXPECT_STATUS(LV_NOT_FOUND, lv_integration_reveal_credentials(vault, &out, "globex", ADMIN, ids->acme_slack));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_PERMISSION_DENIED, lv_integration_reveal_credentials(vault, &out, "acme", MEMBER, ids->acme_slack));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_PERMISSION_DENIED,
                lv_integration_update_credentials(vault, &out, "acme", MEMBER, ids->acme_slack,
                                                  "{\"bot_token\":\"xoxb-member-token\"}", NULL));
  EXPECT_STATUS(LV_OK, lv_integration_reveal_credentials(vault, &out, "acme", SYSTEM, ids->acme_slack));
  CHECK_HAS(out, "xoxb-new-token-9876");
  release(&out);
}

static void test_testers(lv_vault* vault, const struct ids* ids) {
  char* out = NULL;
  struct tester_state state;
  memset(&state, 0, sizeof state);
  state.vault = vault;
  state.expect = "\"bot_token\":\"xoxb-new-token-9876\"";
  state.reentrant_status = -1;
  state.reentrant_write = -1;
  state.null_reply_status = -1;

  EXPECT_STATUS(LV_OK, lv_integration_test(vault, &out, "acme", ADMIN, ids->acme_slack,
                                           passing_tester, &state));
  CHECK(out != NULL && strcmp(out, "{\"success\":true,\"message\":\"ok: reachable\"}") == 0);
  CHECK(state.calls == 1);
  CHECK(state.saw_credentials);
  CHECK(state.reentrant_status == LV_OK);
  CHECK(state.reentrant_write == LV_OK);
  CHECK(state.null_reply_status == LV_INVALID_ARGUMENT);
  release(&out);

  EXPECT_STATUS(LV_OK, lv_integration_test(vault, &out, "acme", ADMIN, ids->acme_slack,
                                           failing_tester, &state));
  CHECK(out != NULL && strcmp(out, "{\"success\":false,\"message\":\"401 unauthorized\"}") == 0);
  CHECK(state.calls == 2);
  CHECK(state.saw_credentials);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, "acme", ids->acme_slack));
  CHECK_HAS(out, "\"status\":\"error\"");
  CHECK_HAS(out, "\"last_error\":\"401 unauthorized\"");
  release(&out);

  EXPECT_STATUS(LV_OK, lv_integration_test(vault, &out, "acme", ADMIN, ids->acme_slack,
                                           silent_tester, &state));
  CHECK_HAS(out, "\"success\":false");
  CHECK_HAS(out, "no answer");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_test(vault, &out, "acme", ADMIN, ids->acme_slack,
                                           erroring_tester, &state));
  CHECK_HAS(out, "\"success\":false");
  CHECK(state.calls == 4);
  release(&out);

  /* A pass brings an errored integration back to connected. */
  EXPECT_STATUS(LV_OK, lv_integration_test(vault, &out, "acme", ADMIN, ids->acme_slack,
                                           passing_tester, &state));
  CHECK_HAS(out, "\"success\":true");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, "acme", ids->acme_slack));
  CHECK_HAS(out, "\"status\":\"connected\"");
  release(&out);

  /* A reply kept past its callback is dead. */
  EXPECT_STATUS(LV_OK, lv_integration_test(vault, &out, "acme", ADMIN, ids->acme_slack,
                                           escaping_tester, NULL));
  release(&out);

  /* Misuse: no tester, a member, another tenant. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_test(vault, &out, "acme", ADMIN,
                                                         ids->acme_slack, NULL, NULL));
  CHECK_MESSAGE_HAS("tester");
  EXPECT_STATUS(LV_PERMISSION_DENIED, lv_integration_test(vault, &out, "acme", MEMBER,
                                                          ids->acme_slack, passing_tester, &state));
  EXPECT_STATUS(LV_NOT_FOUND, lv_integration_test(vault, &out, "globex", ADMIN,
                                                  ids->acme_slack, passing_tester, &state));
  CHECK(state.calls == 5);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_tester_reply_set(NULL, 1, "outside"));
}

static void test_error_quota_disconnect(lv_vault* vault, const struct ids* ids) {
  char* out = NULL;
  int64_t quota = 99;
  struct tester_state state;
  memset(&state, 0, sizeof state);
  state.vault = vault;
  state.expect = "";

  EXPECT_STATUS(LV_OK, lv_integration_mark_error(vault, &out, "acme", ADMIN, ids->acme_custom,
                                                 "rate limited"));
  CHECK_HAS(out, "\"status\":\"error\"");
  CHECK_HAS(out, "\"last_error\":\"rate limited\"");
  release(&out);
  EXPECT_STATUS(LV_PERMISSION_DENIED, lv_integration_mark_error(vault, &out, "acme", MEMBER,
                                                                ids->acme_custom, "nope"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_mark_error(vault, &out, "acme", ADMIN,
                                                               ids->acme_custom, NULL));

  EXPECT_STATUS(LV_OK, lv_tenant_get_quota(vault, &quota, "acme"));
  CHECK(quota == -1);
  EXPECT_STATUS(LV_OK, lv_tenant_set_quota(vault, "acme", ADMIN, 2));
  EXPECT_STATUS(LV_OK, lv_tenant_get_quota(vault, &quota, "acme"));
  CHECK(quota == 2);
  EXPECT_STATUS(LV_QUOTA_EXCEEDED, lv_integration_connect(vault, &out, "acme", ADMIN, "tave",
                                                          "{\"api_key\":\"tave-key-000000\"}", NULL));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_PERMISSION_DENIED, lv_tenant_set_quota(vault, "acme", MEMBER, 10));
  EXPECT_STATUS(LV_OK, lv_tenant_get_quota(vault, &quota, "acme"));
  CHECK(quota == 2);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_tenant_get_quota(vault, NULL, "acme"));
  quota = 99;
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_tenant_get_quota(vault, &quota, NULL));
  CHECK(quota == 0);

  EXPECT_STATUS(LV_OK, lv_integration_disconnect(vault, &out, "acme", ADMIN, ids->acme_custom));
  CHECK_HAS(out, "\"status\":\"disconnected\"");
  CHECK_HAS(out, "\"credential_mask\":\"\"");
  CHECK_LACKS(out, "\"disconnected_at\":null");
  release(&out);
  EXPECT_STATUS(LV_FAILED_PRECONDITION,
                lv_integration_reveal_credentials(vault, &out, "acme", ADMIN, ids->acme_custom));
  EXPECT_STATUS(LV_FAILED_PRECONDITION,
                lv_integration_test(vault, &out, "acme", ADMIN, ids->acme_custom, passing_tester, &state));
  CHECK(state.calls == 0);
  EXPECT_STATUS(LV_PERMISSION_DENIED, lv_integration_disconnect(vault, &out, "acme", MEMBER, ids->acme_slack));

  /* A disconnected integration no longer counts against the quota. */
  EXPECT_STATUS(LV_OK, lv_integration_connect(vault, &out, "acme", ADMIN, "tave",
                                              "{\"api_key\":\"tave-key-000000\"}", NULL));
  release(&out);
  EXPECT_STATUS(LV_OK, lv_tenant_set_quota(vault, "acme", ADMIN, -1));
  EXPECT_STATUS(LV_OK, lv_tenant_get_quota(vault, &quota, "acme"));
  CHECK(quota == -1);

  EXPECT_STATUS(LV_OK, lv_integration_list(vault, &out, "acme", "{\"status\":\"disconnected\"}"));
  CHECK(count_of(out, "\"provider\":") == 1);
  CHECK_HAS(out, ids->acme_custom);
  release(&out);
}

static void test_activity(lv_vault* vault, const struct ids* ids) {
  char* out = NULL;
  char* page = NULL;
  char cursor[64];
  char newest[64];
  long first_sequence;
  long second_sequence;

  EXPECT_STATUS(LV_OK, lv_activity_list(vault, &out, "acme", ids->acme_slack, 50, NULL));
  CHECK(out != NULL && out[0] == '[');
  CHECK_HAS(out, "\"action\":\"connected\"");
  CHECK_HAS(out, "\"action\":\"credentials_updated\"");
  CHECK_HAS(out, "\"action\":\"credentials_revealed\"");
  CHECK_HAS(out, "\"action\":\"test_success\"");
  CHECK_HAS(out, "\"action\":\"test_failed\"");
  CHECK_HAS(out, "\"user_name\":\"Alice\"");
  CHECK_HAS(out, "\"details\":{");
  CHECK_LACKS(out, ids->acme_custom);
  CHECK_LACKS(out, "xoxb-new-token-9876");
  CHECK_LACKS(out, "s3cr3t");
  /* Newest first: the last test was the escaping tester's pass. */
  CHECK(json_string(out, "action", cursor, sizeof cursor) && strcmp(cursor, "test_success") == 0);
  first_sequence = json_integer_at(out, "sequence", 0);
  second_sequence = json_integer_at(out, "sequence", 1);
  CHECK(first_sequence > second_sequence && second_sequence > 0);
  release(&out);

  /* limit and the before cursor page through it. */
  EXPECT_STATUS(LV_OK, lv_activity_list(vault, &out, "acme", ids->acme_slack, 2, NULL));
  CHECK(count_of(out, "\"sequence\":") == 2);
  CHECK(json_string(out, "id", newest, sizeof newest));
  first_sequence = json_integer_at(out, "sequence", 1);
  /* the id of the second (older) entry */
  CHECK(out != NULL && json_string(strstr(out, "},{") != NULL ? strstr(out, "},{") : out, "id",
                                   cursor, sizeof cursor));
  EXPECT_STATUS(LV_OK, lv_activity_list(vault, &page, "acme", ids->acme_slack, 2, cursor));
  CHECK(count_of(page, "\"sequence\":") == 2);
  CHECK_LACKS(page, cursor);
  CHECK_LACKS(page, newest);
  CHECK(json_integer_at(page, "sequence", 0) < first_sequence);
  release(&page);
  release(&out);

  /* The whole tenant: both integrations, nothing of globex. */
  EXPECT_STATUS(LV_OK, lv_activity_list(vault, &out, "acme", NULL, 1000, NULL));
  CHECK_HAS(out, ids->acme_slack);
  CHECK_HAS(out, ids->acme_custom);
  CHECK_HAS(out, "\"action\":\"disconnected\"");
  CHECK_HAS(out, "\"action\":\"status_error\"");
  CHECK_LACKS(out, ids->globex_slack);
  CHECK_LACKS(out, "\"tenant\":\"globex\"");
  release(&out);

  /* Another tenant's integration id: NOT_FOUND, as everywhere. */
  EXPECT_STATUS(LV_NOT_FOUND, lv_activity_list(vault, &out, "globex", ids->acme_slack, 50, NULL));
  CHECK(out == NULL);

  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_activity_list(vault, &out, "acme", NULL, 0, NULL));
  CHECK_MESSAGE_HAS("limit");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_activity_list(vault, &out, "acme", NULL, 1001, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_activity_list(vault, &out, "acme", NULL, -5, NULL));
  CHECK(out == NULL);
}

static void test_providers(lv_vault* vault, struct ids* ids) {
  char* out = NULL;
  const char* spec =
      "{\"key\":\"acme_crm\",\"name\":\"Acme CRM\",\"auth_type\":\"api_key\","
      "\"credential_fields\":[{\"name\":\"token\",\"label\":\"Token\",\"type\":\"secret\","
      "\"required\":true,\"placeholder\":\"tok-...\"}],\"scopes\":[\"contacts\"],"
      "\"rate_limits\":{\"requests_per_minute\":60},\"features\":[\"import\"]}";
  const char* spec_reordered =
      "{ \"features\":[\"import\"], \"rate_limits\":{\"requests_per_minute\":60},"
      " \"scopes\":[\"contacts\"], \"credential_fields\":[{\"placeholder\":\"tok-...\","
      " \"required\":true, \"type\":\"secret\", \"label\":\"Token\", \"name\":\"token\"}],"
      " \"auth_type\":\"api_key\", \"name\":\"Acme CRM\", \"key\":\"acme_crm\" }";
  const char* spec_v2 =
      "{\"key\":\"acme_crm\",\"name\":\"Acme CRM v2\",\"auth_type\":\"api_key\","
      "\"credential_fields\":[{\"name\":\"token\",\"type\":\"secret\"}]}";
  const char* fake_slack =
      "{\"key\":\"slack\",\"name\":\"Fake\",\"auth_type\":\"api_key\","
      "\"credential_fields\":[{\"name\":\"x\",\"type\":\"text\"}]}";

  EXPECT_STATUS(LV_OK, lv_provider_list(vault, &out));
  CHECK(out != NULL && out[0] == '[');
  CHECK_HAS(out, "\"key\":\"slack\"");
  CHECK_HAS(out, "\"key\":\"gmail\"");
  CHECK_HAS(out, "\"key\":\"custom\"");
  CHECK_HAS(out, "\"credential_fields\":[");
  CHECK_LACKS(out, "\"key\":\"acme_crm\"");
  release(&out);

  EXPECT_STATUS(LV_OK, lv_provider_register(vault, &out, spec));
  CHECK_HAS(out, "\"key\":\"acme_crm\"");
  CHECK_HAS(out, "\"auth_type\":\"api_key\"");
  release(&out);
  /* The same spec again, spelled differently, is a no-op returning it. */
  EXPECT_STATUS(LV_OK, lv_provider_register(vault, &out, spec_reordered));
  CHECK_HAS(out, "\"name\":\"Acme CRM\"");
  release(&out);
  EXPECT_STATUS(LV_ALREADY_EXISTS, lv_provider_register(vault, &out, spec_v2));
  CHECK_MESSAGE_HAS("acme_crm");
  CHECK(out == NULL);
  EXPECT_STATUS(LV_ALREADY_EXISTS, lv_provider_register_replace(vault, &out, fake_slack));
  EXPECT_STATUS(LV_ALREADY_EXISTS, lv_provider_register(vault, &out, fake_slack));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_provider_register_replace(vault, &out, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_provider_register_replace(NULL, &out, spec));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_provider_register_replace(vault, NULL, spec));

  /* Stored in the file: a second handle sees it, and sees a replacement
   * made through the first one, and can restore the original. */
  {
    uint8_t key[32];
    char path[512];
    lv_vault* second = NULL;
    fill_key(key, 1);
    path_in_directory(path, "vault.db");
    EXPECT_STATUS(LV_OK, lv_vault_open(&second, path, key, sizeof key, 0));
    EXPECT_STATUS(LV_OK, lv_provider_list(second, &out));
    CHECK_HAS(out, "\"key\":\"acme_crm\"");
    release(&out);
    EXPECT_STATUS(LV_OK, lv_provider_register_replace(vault, &out, spec_v2));
    CHECK_HAS(out, "\"name\":\"Acme CRM v2\"");
    release(&out);
    EXPECT_STATUS(LV_OK, lv_provider_list(second, &out));
    CHECK_HAS(out, "\"name\":\"Acme CRM v2\"");
    release(&out);
    EXPECT_STATUS(LV_OK, lv_provider_register_replace(second, &out, spec));
    release(&out);
    lv_vault_destroy(second);
  }
  EXPECT_STATUS(LV_OK, lv_provider_list(vault, &out));
  CHECK_HAS(out, "\"name\":\"Acme CRM\"");
  CHECK_LACKS(out, "Acme CRM v2");
  release(&out);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_provider_register(vault, &out, "{\"key\":\"x\"}"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_provider_register(vault, &out, NULL));
  EXPECT_STATUS(LV_OK, lv_provider_list(vault, &out));
  CHECK_HAS(out, "\"key\":\"acme_crm\"");
  release(&out);

  EXPECT_STATUS(LV_OK, lv_integration_connect(vault, &out, "globex", ADMIN, "acme_crm",
                                              "{\"token\":\"tok-1234567890ab\"}", NULL));
  CHECK_HAS(out, "\"provider\":\"acme_crm\"");
  release(&out);
  (void)ids;
}

static void test_audit_and_purge(lv_vault* vault, const struct ids* ids) {
  char* out = NULL;
  char* heads = NULL;

  EXPECT_STATUS(LV_OK, lv_audit_verify(vault, &out));
  CHECK_HAS(out, "\"ok\":true");
  CHECK_HAS(out, "\"first_bad\":null");
  CHECK(json_integer_at(out, "checked", 0) >= 10);
  release(&out);

  EXPECT_STATUS(LV_PERMISSION_DENIED, lv_tenant_purge(vault, &out, MEMBER, "globex"));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, "globex", ids->globex_lightblue));
  release(&out);

  EXPECT_STATUS(LV_OK, lv_audit_heads(vault, &heads));
  CHECK_HAS(heads, "\"globex\":{\"sequence\":");

  EXPECT_STATUS(LV_OK, lv_tenant_purge(vault, &out, ADMIN, "globex"));
  CHECK(json_integer_at(out, "integrations", 0) == 3);
  CHECK(json_integer_at(out, "activity", 0) >= 3);
  CHECK(json_integer_at(out, "jobs", 0) == 0);
  CHECK(json_integer_at(out, "keys", 0) >= 1);
  release(&out);

  EXPECT_STATUS(LV_NOT_FOUND, lv_integration_get(vault, &out, "globex", ids->globex_lightblue));
  EXPECT_STATUS(LV_OK, lv_integration_list(vault, &out, "globex", NULL));
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_activity_list(vault, &out, "globex", NULL, 50, NULL));
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  release(&out);
  /* acme is untouched. */
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, "acme", ids->acme_slack));
  release(&out);

  EXPECT_STATUS(LV_OK, lv_audit_verify(vault, &out));
  CHECK_HAS(out, "\"ok\":true");
  release(&out);

  /* The purged tenant's anchor no longer fits: a host must drop it. */
  EXPECT_STATUS(LV_OK, lv_audit_verify_anchored(vault, &out, heads));
  CHECK_HAS(out, "\"ok\":false");
  CHECK_HAS(out, "\"first_bad\":\"globex\"");
  release(&out);
  release(&heads);
  EXPECT_STATUS(LV_OK, lv_audit_heads(vault, &heads));
  CHECK_LACKS(heads, "globex");
  EXPECT_STATUS(LV_OK, lv_audit_verify_anchored(vault, &out, heads));
  CHECK_HAS(out, "\"ok\":true");
  release(&out);
  release(&heads);
}

/* ---- audit anchors ------------------------------------------------------- */

#define ZERO_MAC "0000000000000000000000000000000000000000000000000000000000000000"

/* The anchors JSON of one tenant. */
static void one_anchor(char* buffer, const char* tenant, long sequence, const char* mac) {
  sprintf(buffer, "{\"%s\":{\"sequence\":%ld,\"mac\":\"%s\"}}", tenant, sequence, mac);
}

static void test_audit_anchors(lv_vault* vault) {
  char* heads = NULL;
  char* out = NULL;
  char anchors[512];
  char mac[80];
  long acme_sequence;

  EXPECT_STATUS(LV_OK, lv_audit_heads(vault, &heads));
  CHECK(heads != NULL && heads[0] == '{');
  CHECK_HAS(heads, "\"acme\":{\"sequence\":");
  CHECK_HAS(heads, "\"globex\":{\"sequence\":");
  CHECK_LACKS(heads, "\"nobody\"");
  acme_sequence = json_integer_at(heads, "sequence", 0); /* tenants in byte order: acme first */
  CHECK(acme_sequence >= 5);
  CHECK(json_string(heads, "mac", mac, sizeof mac) && strlen(mac) == 64);
  CHECK(strspn(mac, "0123456789abcdef") == 64);

  /* Its own heads verify, and so does the empty set of anchors. */
  EXPECT_STATUS(LV_OK, lv_audit_verify_anchored(vault, &out, heads));
  CHECK_HAS(out, "\"ok\":true");
  CHECK_HAS(out, "\"first_bad\":null");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_audit_verify_anchored(vault, &out, "{}"));
  CHECK_HAS(out, "\"ok\":true");
  release(&out);

  /* Beyond the chain (what a rollback looks like): the tenant is named. */
  one_anchor(anchors, "acme", acme_sequence + 1, mac);
  EXPECT_STATUS(LV_OK, lv_audit_verify_anchored(vault, &out, anchors));
  CHECK_HAS(out, "\"ok\":false");
  CHECK_HAS(out, "\"first_bad\":\"acme\"");
  release(&out);
  /* Another MAC at the anchored place (a fork): an entry id is named. */
  one_anchor(anchors, "acme", acme_sequence, ZERO_MAC);
  EXPECT_STATUS(LV_OK, lv_audit_verify_anchored(vault, &out, anchors));
  CHECK_HAS(out, "\"ok\":false");
  CHECK_LACKS(out, "\"first_bad\":\"acme\"");
  CHECK_LACKS(out, "\"first_bad\":null");
  release(&out);
  /* A tenant with no chain at all. */
  one_anchor(anchors, "nobody", 1, mac);
  EXPECT_STATUS(LV_OK, lv_audit_verify_anchored(vault, &out, anchors));
  CHECK_HAS(out, "\"first_bad\":\"nobody\"");
  release(&out);

  /* Misuse: handles, outputs, NULL and malformed anchors. */
  out = (char*)&out;
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_audit_heads(NULL, &out));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_audit_heads(vault, NULL));
  CHECK_MESSAGE_HAS("out");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_audit_verify_anchored(NULL, &out, heads));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_audit_verify_anchored(vault, NULL, heads));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_audit_verify_anchored(vault, &out, NULL));
  CHECK_MESSAGE_HAS("anchors_json");
  CHECK(out == NULL);
  {
    struct bad_anchors {
      const char* json;
      const char* complaint;
    };
    static const struct bad_anchors cases[] = {
        {"{", "not valid JSON"},
        {"", "not valid JSON"},
        {"[]", "object"},
        {"{\"acme\":1}", "object"},
        {"{\"acme\":{\"sequence\":1}}", "'mac' is required"},
        {"{\"acme\":{\"mac\":\"" ZERO_MAC "\"}}", "'sequence' is required"},
        {"{\"acme\":{\"sequence\":1,\"mac\":\"" ZERO_MAC "\",\"x\":1}}", "unknown key 'x'"},
        {"{\"acme\":{\"sequence\":1,\"sequence\":2,\"mac\":\"" ZERO_MAC "\"}}", "duplicate"},
        {"{\"acme\":{\"sequence\":\"1\",\"mac\":\"" ZERO_MAC "\"}}", "'sequence' must be an integer"},
        {"{\"acme\":{\"sequence\":1.5,\"mac\":\"" ZERO_MAC "\"}}", "'sequence' must be an integer"},
        {"{\"acme\":{\"sequence\":0,\"mac\":\"" ZERO_MAC "\"}}", "at least 1"},
        {"{\"acme\":{\"sequence\":-3,\"mac\":\"" ZERO_MAC "\"}}", "at least 1"},
        {"{\"acme\":{\"sequence\":1,\"mac\":\"00\"}}", "64 lowercase hex"},
        {"{\"acme\":{\"sequence\":1,\"mac\":\"" ZERO_MAC "0\"}}", "64 lowercase hex"},
        {"{\"acme\":{\"sequence\":1,\"mac\":\"AA" ZERO_MAC "\"}}", "64 lowercase hex"},
        {"{\"acme\":{\"sequence\":1,\"mac\":\"zz00000000000000000000000000000000000000000000000000000000000000\"}}", "64 lowercase hex"},
        {"{\"acme\":{\"sequence\":1,\"mac\":null}}", "'mac' must be a string"},
        {"{\"\":{\"sequence\":1,\"mac\":\"" ZERO_MAC "\"}}", "empty"},
        {"{\"acme\":{\"sequence\":1,\"mac\":\"" ZERO_MAC "\"},"
         "\"acme\":{\"sequence\":1,\"mac\":\"" ZERO_MAC "\"}}", "twice"},
        {"{\"ac\\nme\":{\"sequence\":1,\"mac\":\"" ZERO_MAC "\"}}", "control character"},
        {"{\"acme\":{\"sequence\":1,\"mac\":\"\xff\"}}", "UTF-8"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
      out = (char*)&out;
      EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_audit_verify_anchored(vault, &out, cases[i].json));
      CHECK(out == NULL);
      if (strstr(lv_last_error_message(), cases[i].complaint) == NULL) {
        fprintf(stderr, "anchors case %u: message \"%s\" lacks \"%s\"\n", (unsigned)i,
                lv_last_error_message(), cases[i].complaint);
        record_check(0, "anchors message", __FILE__, __LINE__);
      }
    }
  }
  release(&heads);
}

/* Copies a file byte for byte. Returns 1 on success. */
static int copy_file(const char* from, const char* to) {
  char buffer[65536];
  size_t count;
  int ok = 1;
  FILE* in = fopen(from, "rb");
  FILE* out = in != NULL ? fopen(to, "wb") : NULL;
  if (in == NULL || out == NULL) {
    if (in != NULL) fclose(in);
    return 0;
  }
  while ((count = fread(buffer, 1, sizeof buffer, in)) > 0) {
    if (fwrite(buffer, 1, count, out) != count) ok = 0;
  }
  if (ferror(in)) ok = 0;
  fclose(in);
  if (fclose(out) != 0) ok = 0;
  return ok;
}

static long file_size(const char* path) {
  struct stat info;
  return stat(path, &info) == 0 ? (long)info.st_size : 0;
}

/* The attack of docs/SEMANTICS.md: cut the -wal back and the vault forgets
 * committed changes; only anchors notice. The last close checkpoints the
 * -wal into the file and deletes it, so the files are copied while the
 * vault is open and idle (what a killed host leaves on disk). */
static void test_wal_rollback(void) {
  char path[512];
  char wal[512];
  char copy[512];
  char copy_wal[512];
  char id[64];
  char* out = NULL;
  char* heads = NULL;
  lv_vault* vault = NULL;
  lv_vault* attacked = NULL;
  uint8_t key[32];
  long wal_after_first_change;
  fill_key(key, 5);
  path_in_directory(path, "rollback.db");
  path_in_directory(wal, "rollback.db-wal");
  path_in_directory(copy, "rollback-copy.db");
  path_in_directory(copy_wal, "rollback-copy.db-wal");

  EXPECT_STATUS(LV_OK, lv_vault_open(&vault, path, key, sizeof key, 1));
  EXPECT_STATUS(LV_OK, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                              "{\"bot_token\":\"xoxb-original-token-01\"}", NULL));
  CHECK(json_string(out, "id", id, sizeof id));
  release(&out);
  lv_vault_destroy(vault); /* the last close: the connect is checkpointed */
  vault = NULL;
  CHECK(file_size(wal) == 0);

  EXPECT_STATUS(LV_OK, lv_vault_open(&vault, path, key, sizeof key, 0));
  if (vault == NULL) return;
  EXPECT_STATUS(LV_OK, lv_integration_mark_error(vault, &out, "acme", ADMIN, id, "first change"));
  release(&out);
  wal_after_first_change = file_size(wal);
  CHECK(wal_after_first_change > 32);
  EXPECT_STATUS(LV_OK, lv_integration_disconnect(vault, &out, "acme", ADMIN, id));
  CHECK_HAS(out, "\"status\":\"disconnected\"");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_audit_heads(vault, &heads));
  CHECK(json_integer_at(heads, "sequence", 0) == 3);

  CHECK(copy_file(path, copy));
  CHECK(copy_file(wal, copy_wal));
  CHECK(truncate(copy_wal, (off_t)wal_after_first_change) == 0);

  EXPECT_STATUS(LV_OK, lv_vault_open(&attacked, copy, key, sizeof key, 0));
  if (attacked != NULL) {
    /* The shorter chain verifies; only the anchors taken before the
     * rollback notice (sequence 3 is gone: the tenant is named). */
    EXPECT_STATUS(LV_OK, lv_audit_verify(attacked, &out));
    CHECK_HAS(out, "\"ok\":true");
    release(&out);
    EXPECT_STATUS(LV_OK, lv_audit_verify_anchored(attacked, &out, heads));
    CHECK_HAS(out, "\"ok\":false");
    CHECK_HAS(out, "\"first_bad\":\"acme\"");
    release(&out);
    /* The disconnect and its wipe are undone. Revealing logs a new entry 3,
     * another than the anchored one: now a fork, and the entry is named. */
    EXPECT_STATUS(LV_OK, lv_integration_reveal_credentials(attacked, &out, "acme", ADMIN, id));
    CHECK_HAS(out, "xoxb-original-token-01");
    release(&out);
    EXPECT_STATUS(LV_OK, lv_audit_verify_anchored(attacked, &out, heads));
    CHECK_HAS(out, "\"ok\":false");
    CHECK_LACKS(out, "\"first_bad\":\"acme\"");
    CHECK_LACKS(out, "\"first_bad\":null");
    release(&out);
    lv_vault_destroy(attacked);
  }
  EXPECT_STATUS(LV_OK, lv_audit_verify_anchored(vault, &out, heads));
  CHECK_HAS(out, "\"ok\":true");
  release(&out);
  release(&heads);
  lv_vault_destroy(vault);
}

/* ---- threads ----------------------------------------------------------- */

struct worker {
  lv_vault* vault;
  int index;
  int failures;
  int messages_ok;
};

/* Each thread connects its own integration and reads it back many times;
 * odd threads also fail on purpose in between, and every thread checks that
 * its last-error message is its own (per thread). */
static void* worker_main(void* argument) {
  struct worker* worker = (struct worker*)argument;
  char name[32];
  char options[64];
  char id[64];
  char* out = NULL;
  int i;
  sprintf(name, "worker-%d", worker->index);
  sprintf(options, "{\"name\":\"%s\"}", name);
  worker->messages_ok = 1;
  if (lv_integration_connect(worker->vault, &out, "threads", ADMIN, "slack",
                             "{\"bot_token\":\"xoxb-thread-token-0001\"}", options) != LV_OK ||
      !json_string(out, "id", id, sizeof id)) {
    ++worker->failures;
    lv_string_free(out);
    return NULL;
  }
  lv_string_free(out);
  for (i = 0; i < 40; ++i) {
    out = NULL;
    if (lv_integration_get(worker->vault, &out, "threads", id) != LV_OK ||
        strstr(out, name) == NULL) {
      ++worker->failures;
    }
    if (lv_last_error_message()[0] != '\0') worker->messages_ok = 0;
    lv_string_free(out);
    if (worker->index % 2 == 1) {
      if (lv_integration_get(worker->vault, &out, "threads", "missing") != LV_NOT_FOUND) {
        ++worker->failures;
      }
      if (strstr(lv_last_error_message(), "missing") == NULL) worker->messages_ok = 0;
    }
  }
  return NULL;
}

static void test_threads(lv_vault* vault) {
  enum { WORKERS = 4 };
  pthread_t threads[WORKERS];
  struct worker workers[WORKERS];
  char* out = NULL;
  int i;
  for (i = 0; i < WORKERS; ++i) {
    workers[i].vault = vault;
    workers[i].index = i;
    workers[i].failures = 0;
    workers[i].messages_ok = 0;
    CHECK(pthread_create(&threads[i], NULL, worker_main, &workers[i]) == 0);
  }
  for (i = 0; i < WORKERS; ++i) {
    pthread_join(threads[i], NULL);
    CHECK(workers[i].failures == 0);
    CHECK(workers[i].messages_ok);
  }
  EXPECT_STATUS(LV_OK, lv_integration_list(vault, &out, "threads", NULL));
  CHECK(count_of(out, "\"provider\":") == WORKERS);
  release(&out);
}

/* ---- sync jobs --------------------------------------------------------- */

/* Tenants of their own: claims take due jobs of every tenant, so no other
 * test may leave one pending. Runs after globex (whose integration has
 * auto_sync) is purged, so scheduling sees only jobs-a's. */
#define JOBS_A "jobs-a"
#define JOBS_B "jobs-b"

static void pause_ms(long milliseconds) {
  struct timespec delay;
  delay.tv_sec = milliseconds / 1000;
  delay.tv_nsec = (milliseconds % 1000) * 1000000L;
  while (nanosleep(&delay, &delay) != 0) {
  }
}

/* Connects, copying the integration's id; returns the status. */
static int connect_for_jobs(lv_vault* vault, char* id, const char* tenant, const char* provider,
                            const char* credentials, const char* options) {
  char* out = NULL;
  const int status = lv_integration_connect(vault, &out, tenant, ADMIN, provider, credentials, options);
  id[0] = '\0';
  if (status == LV_OK) json_string(out, "id", id, 64);
  lv_string_free(out);
  return status;
}

/* *json is freed and replaced by the job; the id is copied. */
static void keep_job(char** json, char** kept, char* id) {
  CHECK(json_string(*json, "id", id, 64));
  lv_string_free(*kept);
  *kept = *json;
  *json = NULL;
}

struct job_world {
  char slack[64]; /* jobs-a */
  char tave[64];  /* jobs-a */
  char gmail[64]; /* jobs-a, auto_sync */
  char other[64]; /* jobs-b slack */
};

static void test_job_enqueue(lv_vault* vault, const struct job_world* w, char* first, char* second) {
  char* out = (char*)&out;
  char* job = NULL;
  char stale[64];

  EXPECT_STATUS(LV_OK, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, w->slack, "full_import",
                                       "{\"config\":{\"since\":\"2026-01-01\",\"folders\":[1,2]},"
                                       "\"max_attempts\":2,\"retry_base_seconds\":0}"));
  keep_job(&out, &job, first);
  CHECK_HAS(job, "\"tenant\":\"jobs-a\"");
  CHECK_HAS(job, w->slack);
  CHECK_HAS(job, "\"type\":\"full_import\"");
  CHECK_HAS(job, "\"status\":\"pending\"");
  /* config is an object inside the job, not a string */
  CHECK_HAS(job, "\"config\":{");
  CHECK_HAS(job, "\"since\":\"2026-01-01\"");
  CHECK_HAS(job, "\"folders\":[1,2]");
  CHECK_HAS(job, "\"progress_percent\":0");
  CHECK_HAS(job, "\"records_processed\":0");
  CHECK_HAS(job, "\"records_total\":null");
  CHECK_HAS(job, "\"attempt\":0");
  CHECK_HAS(job, "\"max_attempts\":2");
  CHECK_HAS(job, "\"retry_base_seconds\":0");
  CHECK_HAS(job, "\"worker_id\":null");
  CHECK_HAS(job, "\"lease_until\":null");
  CHECK_HAS(job, "\"cancel_requested\":false");
  CHECK_HAS(job, "\"error\":null");
  CHECK_HAS(job, "\"outcome\":null");
  CHECK_HAS(job, "\"summary\":null");
  CHECK_HAS(job, "\"started_at\":null");
  CHECK_HAS(job, "\"completed_at\":null");
  CHECK_LACKS(job, "\"run_after\":null");
  CHECK_LACKS(job, "\"created_at\":null");

  /* JSON null is "absent": the defaults. */
  EXPECT_STATUS(LV_OK, lv_sync_enqueue(vault, &out, JOBS_A, SYSTEM, w->tave, "export",
                                       "{\"config\":null,\"max_attempts\":null,\"retry_base_seconds\":null}"));
  keep_job(&out, &job, second);
  CHECK_HAS(job, "\"type\":\"export\"");
  CHECK_HAS(job, "\"config\":{}");
  CHECK_HAS(job, "\"max_attempts\":3");
  CHECK_HAS(job, "\"retry_base_seconds\":30");
  release(&job);

  /* One active job per integration. */
  EXPECT_STATUS(LV_CONFLICT, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, w->slack, "export", NULL));
  CHECK(out == NULL);
  /* Roles, tenancy, state. */
  EXPECT_STATUS(LV_PERMISSION_DENIED, lv_sync_enqueue(vault, &out, JOBS_A, MEMBER, w->gmail, "export", NULL));
  EXPECT_STATUS(LV_NOT_FOUND, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, w->other, "export", NULL));
  EXPECT_STATUS(LV_NOT_FOUND, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, "missing", "export", NULL));
  EXPECT_STATUS(LV_OK, connect_for_jobs(vault, stale, JOBS_A, "tave", "{\"api_key\":\"tave-stale-000\"}",
                                        "{\"name\":\"stale\"}"));
  EXPECT_STATUS(LV_OK, lv_integration_disconnect(vault, &out, JOBS_A, ADMIN, stale));
  release(&out);
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, stale, "export", NULL));
  CHECK(out == NULL);

  /* The arguments, in order, each named. */
  out = (char*)&out;
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_sync_enqueue(NULL, &out, JOBS_A, ADMIN, w->gmail, "export", NULL));
  CHECK(out == NULL);
  CHECK_MESSAGE_HAS("vault");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_sync_enqueue(vault, NULL, JOBS_A, ADMIN, w->gmail, "export", NULL));
  CHECK_MESSAGE_HAS("out");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_sync_enqueue(vault, &out, NULL, ADMIN, w->gmail, "export", NULL));
  CHECK_MESSAGE_HAS("tenant");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_sync_enqueue(vault, &out, JOBS_A, NULL, w->gmail, "export", NULL));
  CHECK_MESSAGE_HAS("actor_json");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, NULL, "export", NULL));
  CHECK_MESSAGE_HAS("integration_id");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, w->gmail, NULL, NULL));
  CHECK_MESSAGE_HAS("type");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, w->gmail, "backup", NULL));
  CHECK_MESSAGE_HAS("backup");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, w->gmail, "Export", NULL));
  {
    struct bad_request {
      const char* json;
      const char* complaint;
    };
    static const struct bad_request cases[] = {
        {"{", "options_json"},
        {"[]", "object"},
        {"{\"confg\":{}}", "confg"},
        {"{\"max_attempts\":2,\"max_attempts\":3}", "duplicate"},
        {"{\"max_attempts\":\"3\"}", "max_attempts"},
        {"{\"max_attempts\":2.5}", "max_attempts"},
        {"{\"max_attempts\":0}", "max_attempts"},
        {"{\"max_attempts\":21}", "max_attempts"},
        {"{\"max_attempts\":4294967297}", "max_attempts"},
        {"{\"retry_base_seconds\":-1}", "retry_base_seconds"},
        {"{\"retry_base_seconds\":3601}", "retry_base_seconds"},
        {"{\"config\":\"{}\"}", "config"},
        {"{\"config\":[1]}", "config"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
      EXPECT_STATUS(LV_INVALID_ARGUMENT,
                    lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, w->gmail, "export", cases[i].json));
      CHECK_MESSAGE_HAS(cases[i].complaint);
      CHECK(out == NULL);
    }
  }
  /* Nothing was queued by any of the refusals. */
  EXPECT_STATUS(LV_OK, lv_job_list(vault, &out, JOBS_A, NULL));
  CHECK(count_of(out, "\"retry_base_seconds\":") == 2);
  release(&out);
}

static void test_job_reads(lv_vault* vault, const struct job_world* w, const char* first,
                           const char* second) {
  char* out = (char*)&out;
  char id[64];

  EXPECT_STATUS(LV_OK, lv_job_get(vault, &out, JOBS_A, first));
  CHECK(json_string(out, "id", id, sizeof id) && strcmp(id, first) == 0);
  release(&out);
  /* Another tenant's job is NOT_FOUND, exactly like a missing one. */
  EXPECT_STATUS(LV_NOT_FOUND, lv_job_get(vault, &out, JOBS_B, first));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_NOT_FOUND, lv_job_get(vault, &out, JOBS_A, "0190b0a0-0000-7000-8000-000000000000"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_get(vault, &out, JOBS_A, NULL));
  CHECK_MESSAGE_HAS("job_id");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_get(vault, NULL, JOBS_A, first));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_get(NULL, &out, JOBS_A, first));

  /* Newest first. */
  EXPECT_STATUS(LV_OK, lv_job_list(vault, &out, JOBS_A, NULL));
  CHECK(out != NULL && out[0] == '[');
  CHECK(count_of(out, "\"retry_base_seconds\":") == 2);
  CHECK(out != NULL && strstr(out, second) != NULL && strstr(out, first) != NULL &&
        strstr(out, second) < strstr(out, first));
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_list(vault, &out, JOBS_B, NULL));
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  release(&out);
  {
    char filter[160];
    sprintf(filter, "{\"integration_id\":\"%s\",\"status\":null}", w->slack);
    EXPECT_STATUS(LV_OK, lv_job_list(vault, &out, JOBS_A, filter));
    CHECK(count_of(out, "\"retry_base_seconds\":") == 1);
    CHECK_HAS(out, first);
    release(&out);
    sprintf(filter, "{\"limit\":1}");
    EXPECT_STATUS(LV_OK, lv_job_list(vault, &out, JOBS_A, filter));
    CHECK(count_of(out, "\"retry_base_seconds\":") == 1);
    CHECK_HAS(out, second);
    release(&out);
    sprintf(filter, "{\"before\":\"%s\",\"limit\":1000}", second);
    EXPECT_STATUS(LV_OK, lv_job_list(vault, &out, JOBS_A, filter));
    CHECK(count_of(out, "\"retry_base_seconds\":") == 1);
    CHECK_HAS(out, first);
    release(&out);
    EXPECT_STATUS(LV_OK, lv_job_list(vault, &out, JOBS_A, "{\"status\":\"running\"}"));
    CHECK(out != NULL && strcmp(out, "[]") == 0);
    release(&out);
    EXPECT_STATUS(LV_OK, lv_job_list(vault, &out, JOBS_A, "{\"status\":\"pending\"}"));
    CHECK(count_of(out, "\"retry_base_seconds\":") == 2);
    release(&out);

    /* Cursors and filters of another tenant are NOT_FOUND. */
    sprintf(filter, "{\"integration_id\":\"%s\"}", w->other);
    EXPECT_STATUS(LV_NOT_FOUND, lv_job_list(vault, &out, JOBS_A, filter));
    sprintf(filter, "{\"before\":\"%s\"}", first);
    EXPECT_STATUS(LV_NOT_FOUND, lv_job_list(vault, &out, JOBS_B, filter));
    CHECK(out == NULL);
  }
  {
    struct bad_request {
      const char* json;
      const char* complaint;
    };
    static const struct bad_request cases[] = {
        {"", "filter_json"},
        {"{\"status\":\"asleep\"}", "status"},
        {"{\"status\":2}", "status"},
        {"{\"limit\":0}", "limit"},
        {"{\"limit\":1001}", "limit"},
        {"{\"limit\":\"5\"}", "limit"},
        {"{\"limit\":-4294967295}", "limit"},
        {"{\"integration_id\":7}", "integration_id"},
        {"{\"before\":[]}", "before"},
        {"{\"tenant\":\"jobs-b\"}", "tenant"},
        {"{\"limit\":1,\"limit\":2}", "duplicate"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
      EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_list(vault, &out, JOBS_A, cases[i].json));
      CHECK_MESSAGE_HAS(cases[i].complaint);
      CHECK(out == NULL);
    }
  }
}

/* The claim, heartbeats and completion of `first`; `second` (pending) is
 * cancelled before. */
static void test_job_worker_cycle(lv_vault* vault, const struct job_world* w, const char* first,
                                  const char* second) {
  char* out = (char*)&out;
  char id[64];
  char long_worker[130];
  memset(long_worker, 'w', 129);
  long_worker[129] = '\0';

  /* Cancel: a pending job at once, and only by admin or system, in its tenant. */
  EXPECT_STATUS(LV_PERMISSION_DENIED, lv_job_cancel(vault, &out, JOBS_A, MEMBER, second));
  EXPECT_STATUS(LV_NOT_FOUND, lv_job_cancel(vault, &out, JOBS_B, ADMIN, second));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_cancel(vault, &out, JOBS_A, ADMIN, NULL));
  CHECK_MESSAGE_HAS("job_id");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_cancel(vault, &out, JOBS_A, "{}", second));
  CHECK_MESSAGE_HAS("actor_json");
  EXPECT_STATUS(LV_OK, lv_job_cancel(vault, &out, JOBS_A, ADMIN, second));
  CHECK_HAS(out, "\"status\":\"cancelled\"");
  CHECK_LACKS(out, "\"completed_at\":null");
  release(&out);
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_cancel(vault, &out, JOBS_A, ADMIN, second));
  CHECK(out == NULL);

  /* Only `first` (a full_import) is due now. */
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-1", "{\"types\":[\"export\"]}"));
  CHECK(out != NULL && strcmp(out, "null") == 0);
  release(&out);
  {
    struct bad_request {
      const char* json;
      const char* complaint;
    };
    static const struct bad_request cases[] = {
        {"{", "options_json"},
        {"{\"lease_seconds\":0}", "lease_seconds"},
        {"{\"lease_seconds\":0.0005}", "lease_seconds"},
        {"{\"lease_seconds\":-30}", "lease_seconds"},
        {"{\"lease_seconds\":86400.5}", "lease_seconds"},
        {"{\"lease_seconds\":1e300}", "lease_seconds"},
        {"{\"lease_seconds\":\"30\"}", "lease_seconds"},
        {"{\"types\":\"export\"}", "types"},
        {"{\"types\":[\"export\",3]}", "types"},
        {"{\"types\":[\"backup\"]}", "backup"},
        {"{\"lease\":30}", "lease"},
        {"{\"types\":null,\"types\":[]}", "duplicate"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
      EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_claim(vault, &out, "worker-1", cases[i].json));
      CHECK_MESSAGE_HAS(cases[i].complaint);
      CHECK(out == NULL);
    }
  }
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_claim(vault, &out, NULL, NULL));
  CHECK_MESSAGE_HAS("worker_id");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_claim(vault, &out, "", NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_claim(vault, &out, long_worker, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_claim(vault, NULL, "worker-1", NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_claim(NULL, &out, "worker-1", NULL));
  CHECK(out == NULL);
  /* None of those claimed it. */
  EXPECT_STATUS(LV_OK, lv_job_get(vault, &out, JOBS_A, first));
  CHECK_HAS(out, "\"status\":\"pending\"");
  release(&out);

  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-1",
                                    "{\"lease_seconds\":60,\"types\":[\"incremental_sync\",\"full_import\"]}"));
  CHECK(json_string(out, "id", id, sizeof id) && strcmp(id, first) == 0);
  CHECK_HAS(out, "\"status\":\"running\"");
  CHECK_HAS(out, "\"attempt\":1");
  CHECK_HAS(out, "\"worker_id\":\"worker-1\"");
  CHECK_LACKS(out, "\"lease_until\":null");
  CHECK_LACKS(out, "\"started_at\":null");
  release(&out);
  /* Nothing else is due. */
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-2", NULL));
  CHECK(out != NULL && strcmp(out, "null") == 0);
  release(&out);

  /* Heartbeats: progress and the lease. */
  EXPECT_STATUS(LV_OK, lv_job_heartbeat(vault, &out, first, "worker-1", "{\"processed\":10,\"total\":40}"));
  CHECK_HAS(out, "\"records_processed\":10");
  CHECK_HAS(out, "\"records_total\":40");
  CHECK_HAS(out, "\"progress_percent\":25");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_heartbeat(vault, &out, first, "worker-1", "{\"processed\":30}"));
  CHECK_HAS(out, "\"records_total\":40");
  CHECK_HAS(out, "\"progress_percent\":75");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_heartbeat(vault, &out, first, "worker-1", NULL));
  CHECK_HAS(out, "\"records_processed\":30");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_heartbeat(vault, &out, first, "worker-1",
                                        "{\"lease_seconds\":120.5,\"processed\":null,\"total\":null}"));
  CHECK_HAS(out, "\"records_processed\":30");
  release(&out);

  /* Another worker, another job, bad progress: refused, nothing changes. */
  EXPECT_STATUS(LV_CONFLICT, lv_job_heartbeat(vault, &out, first, "worker-2", "{\"processed\":35}"));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_NOT_FOUND, lv_job_heartbeat(vault, &out, "missing", "worker-1", NULL));
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_heartbeat(vault, &out, second, "worker-1", NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_job_heartbeat(vault, &out, first, "worker-1", "{\"processed\":50,\"total\":40}"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_heartbeat(vault, &out, NULL, "worker-1", NULL));
  CHECK_MESSAGE_HAS("job_id");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_heartbeat(vault, &out, first, NULL, NULL));
  CHECK_MESSAGE_HAS("worker_id");
  {
    struct bad_request {
      const char* json;
      const char* complaint;
    };
    static const struct bad_request cases[] = {
        {"[]", "progress_json"},
        {"{\"processed\":-1}", "processed"},
        {"{\"total\":-5}", "total"},
        {"{\"processed\":1.5}", "processed"},
        {"{\"total\":\"40\"}", "total"},
        {"{\"processed\":18446744073709551615}", "processed"},
        {"{\"lease_seconds\":0}", "lease_seconds"},
        {"{\"lease_seconds\":true}", "lease_seconds"},
        {"{\"percent\":50}", "percent"},
        {"{\"processed\":1,\"processed\":2}", "duplicate"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
      EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_heartbeat(vault, &out, first, "worker-1", cases[i].json));
      CHECK_MESSAGE_HAS(cases[i].complaint);
      CHECK(out == NULL);
    }
  }
  EXPECT_STATUS(LV_OK, lv_job_get(vault, &out, JOBS_A, first));
  CHECK_HAS(out, "\"records_processed\":30");
  CHECK_HAS(out, "\"worker_id\":\"worker-1\"");
  release(&out);

  /* Completion: by the holder, success or partial, summary an object. */
  EXPECT_STATUS(LV_CONFLICT, lv_job_complete(vault, &out, first, "worker-2", NULL, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_complete(vault, &out, first, "worker-1", "failed", NULL));
  CHECK_MESSAGE_HAS("outcome");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_complete(vault, &out, first, "worker-1", "done", NULL));
  CHECK_MESSAGE_HAS("outcome");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_complete(vault, &out, first, "worker-1", NULL, "[1]"));
  CHECK_MESSAGE_HAS("summary_json");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_complete(vault, &out, first, "worker-1", NULL, "{\"a\":"));
  CHECK_MESSAGE_HAS("summary_json");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_complete(vault, &out, first, "worker-1", NULL, "null"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_complete(vault, &out, NULL, "worker-1", NULL, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_complete(vault, NULL, first, "worker-1", NULL, NULL));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_OK, lv_job_complete(vault, &out, first, "worker-1", NULL,
                                       "{\"imported\": 40, \"notes\": [\"ok\"]}"));
  CHECK_HAS(out, "\"status\":\"completed\"");
  CHECK_HAS(out, "\"outcome\":\"success\"");
  CHECK_HAS(out, "\"progress_percent\":100");
  CHECK_HAS(out, "\"summary\":{");
  CHECK_HAS(out, "\"imported\":40");
  CHECK_LACKS(out, "\"completed_at\":null");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, JOBS_A, w->slack));
  CHECK_HAS(out, "\"last_sync_status\":\"success\"");
  CHECK_LACKS(out, "\"last_sync_at\":null");
  release(&out);

  /* Finished: nothing more to do to it. */
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_complete(vault, &out, first, "worker-1", "partial", NULL));
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_heartbeat(vault, &out, first, "worker-1", NULL));
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_fail(vault, &out, first, "worker-1", "late", 1));
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_cancel(vault, &out, JOBS_A, ADMIN, first));
  CHECK(out == NULL);
}

/* Retries, a final failure, cancel of a running job, an expired lease. */
static void test_job_failures(lv_vault* vault, const struct job_world* w, int* queued) {
  char* out = (char*)&out;
  char* job = NULL;
  char id[64];
  int64_t recovered = 99;

  /* Retryable with attempts left: pending again (no backoff with base 0). */
  EXPECT_STATUS(LV_OK, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, w->slack, "incremental_sync",
                                       "{\"max_attempts\":2,\"retry_base_seconds\":0}"));
  keep_job(&out, &job, id);
  ++*queued;
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-1", NULL));
  CHECK_HAS(out, id);
  release(&out);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_fail(vault, &out, id, "worker-1", NULL, 1));
  CHECK_MESSAGE_HAS("error");
  EXPECT_STATUS(LV_CONFLICT, lv_job_fail(vault, &out, id, "worker-2", "not mine", 1));
  EXPECT_STATUS(LV_OK, lv_job_fail(vault, &out, id, "worker-1", "HTTP 503", 1));
  CHECK_HAS(out, "\"status\":\"pending\"");
  CHECK_HAS(out, "\"error\":\"HTTP 503\"");
  CHECK_HAS(out, "\"attempt\":1");
  CHECK_HAS(out, "\"outcome\":null");
  release(&out);
  /* The retry goes to whoever claims next; the old holder is out. */
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-2", NULL));
  CHECK_HAS(out, id);
  CHECK_HAS(out, "\"attempt\":2");
  CHECK_HAS(out, "\"worker_id\":\"worker-2\"");
  release(&out);
  EXPECT_STATUS(LV_CONFLICT, lv_job_heartbeat(vault, &out, id, "worker-1", NULL));
  EXPECT_STATUS(LV_CONFLICT, lv_job_complete(vault, &out, id, "worker-1", NULL, NULL));
  /* The last attempt: failed for good, even though retryable. */
  EXPECT_STATUS(LV_OK, lv_job_fail(vault, &out, id, "worker-2", "HTTP 503 again", 1));
  CHECK_HAS(out, "\"status\":\"failed\"");
  CHECK_HAS(out, "\"outcome\":\"failed\"");
  CHECK_HAS(out, "\"error\":\"HTTP 503 again\"");
  CHECK_LACKS(out, "\"completed_at\":null");
  release(&out);
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_fail(vault, &out, id, "worker-2", "again", 1));
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, JOBS_A, w->slack));
  CHECK_HAS(out, "\"last_sync_status\":\"failed\"");
  release(&out);

  /* Not retryable: failed at once, attempts left or not. */
  EXPECT_STATUS(LV_OK, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, w->tave, "full_import",
                                       "{\"max_attempts\":5}"));
  keep_job(&out, &job, id);
  ++*queued;
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-1", NULL));
  CHECK_HAS(out, id);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_fail(vault, &out, id, "worker-1", "bad credentials", 0));
  CHECK_HAS(out, "\"status\":\"failed\"");
  CHECK_HAS(out, "\"attempt\":1");
  release(&out);

  /* Cancel of a running job is a request; the holder's next heartbeat
   * ends it with LV_CANCELLED. */
  EXPECT_STATUS(LV_OK, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, w->slack, "export", NULL));
  keep_job(&out, &job, id);
  ++*queued;
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-3", NULL));
  CHECK_HAS(out, id);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_cancel(vault, &out, JOBS_A, ADMIN, id));
  CHECK_HAS(out, "\"status\":\"running\"");
  CHECK_HAS(out, "\"cancel_requested\":true");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_cancel(vault, &out, JOBS_A, SYSTEM, id));
  CHECK_HAS(out, "\"cancel_requested\":true");
  release(&out);
  out = (char*)&out;
  EXPECT_STATUS(LV_CANCELLED, lv_job_heartbeat(vault, &out, id, "worker-3", "{\"processed\":1}"));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_OK, lv_job_get(vault, &out, JOBS_A, id));
  CHECK_HAS(out, "\"status\":\"cancelled\"");
  CHECK_LACKS(out, "\"completed_at\":null");
  release(&out);
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_heartbeat(vault, &out, id, "worker-3", NULL));

  /* An expired lease: recovered (attempts left, so pending again), and the
   * old holder is out. The pause only makes sure the lease has passed. */
  EXPECT_STATUS(LV_OK, lv_sync_enqueue(vault, &out, JOBS_A, ADMIN, w->tave, "full_import", NULL));
  keep_job(&out, &job, id);
  ++*queued;
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-4", "{\"lease_seconds\":0.05}"));
  CHECK_HAS(out, id);
  release(&out);
  pause_ms(300);
  EXPECT_STATUS(LV_OK, lv_job_recover_expired(vault, &recovered));
  CHECK(recovered == 1);
  EXPECT_STATUS(LV_OK, lv_job_get(vault, &out, JOBS_A, id));
  CHECK_HAS(out, "\"status\":\"pending\"");
  CHECK_HAS(out, "\"error\":\"lease expired\"");
  CHECK_HAS(out, "\"attempt\":1");
  release(&out);
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_heartbeat(vault, &out, id, "worker-4", NULL));
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-5", NULL));
  CHECK_HAS(out, id);
  CHECK_HAS(out, "\"attempt\":2");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_complete(vault, &out, id, "worker-5", "partial", "{}"));
  CHECK_HAS(out, "\"outcome\":\"partial\"");
  CHECK_HAS(out, "\"summary\":{}");
  release(&out);
  recovered = 99;
  EXPECT_STATUS(LV_OK, lv_job_recover_expired(vault, &recovered));
  CHECK(recovered == 0);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_recover_expired(vault, NULL));
  CHECK_MESSAGE_HAS("out");
  recovered = 99;
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_job_recover_expired(NULL, &recovered));
  CHECK(recovered == 0);
  release(&job);
}

static void test_sync_jobs(lv_vault* vault) {
  struct job_world w;
  char first[64];
  char second[64];
  char other_job[64];
  char* out = NULL;
  int queued = 2;

  EXPECT_STATUS(LV_OK, connect_for_jobs(vault, w.slack, JOBS_A, "slack",
                                        "{\"bot_token\":\"xoxb-jobs-0000000000\"}", NULL));
  EXPECT_STATUS(LV_OK, connect_for_jobs(vault, w.tave, JOBS_A, "tave", "{\"api_key\":\"tave-jobs-000\"}", NULL));
  EXPECT_STATUS(LV_OK, connect_for_jobs(vault, w.gmail, JOBS_A, "gmail", "{\"access_token\":\"ya29.jobs\"}",
                                        "{\"sync_config\":{\"auto_sync\":true,\"interval_minutes\":15}}"));
  EXPECT_STATUS(LV_OK, connect_for_jobs(vault, w.other, JOBS_B, "slack",
                                        "{\"bot_token\":\"xoxb-jobs-b-000000\"}", NULL));

  test_job_enqueue(vault, &w, first, second);
  test_job_reads(vault, &w, first, second);
  test_job_worker_cycle(vault, &w, first, second);
  test_job_failures(vault, &w, &queued);

  /* Another tenant's job: invisible to jobs-a, and never claimed by a
   * worker filtering on another type. */
  EXPECT_STATUS(LV_OK, lv_sync_enqueue(vault, &out, JOBS_B, ADMIN, w.other, "field_mapping_update", NULL));
  CHECK(json_string(out, "id", other_job, sizeof other_job));
  release(&out);
  EXPECT_STATUS(LV_NOT_FOUND, lv_job_get(vault, &out, JOBS_A, other_job));
  EXPECT_STATUS(LV_NOT_FOUND, lv_job_cancel(vault, &out, JOBS_A, ADMIN, other_job));
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-6", "{\"types\":[\"export\"]}"));
  CHECK(out != NULL && strcmp(out, "null") == 0);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_cancel(vault, &out, JOBS_B, ADMIN, other_job));
  CHECK_HAS(out, "\"status\":\"cancelled\"");
  release(&out);

  /* Scheduling: the auto_sync integration was never synced, so it is due
   * once; its job then blocks a second one. */
  EXPECT_STATUS(LV_OK, lv_sync_schedule_due(vault, &out));
  CHECK(count_of(out, "\"retry_base_seconds\":") == 1);
  CHECK_HAS(out, w.gmail);
  CHECK_HAS(out, "\"type\":\"incremental_sync\"");
  CHECK_HAS(out, "\"status\":\"pending\"");
  release(&out);
  ++queued;
  EXPECT_STATUS(LV_OK, lv_sync_schedule_due(vault, &out));
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_job_claim(vault, &out, "worker-6", NULL));
  CHECK_HAS(out, w.gmail);
  {
    char id[64];
    CHECK(json_string(out, "id", id, sizeof id));
    release(&out);
    EXPECT_STATUS(LV_OK, lv_job_complete(vault, &out, id, "worker-6", "success", NULL));
    release(&out);
  }
  /* Just synced: not due again for interval_minutes. */
  EXPECT_STATUS(LV_OK, lv_sync_schedule_due(vault, &out));
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  release(&out);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_sync_schedule_due(vault, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_sync_schedule_due(NULL, &out));

  /* Every step was logged, in the job's tenant. */
  EXPECT_STATUS(LV_OK, lv_activity_list(vault, &out, JOBS_A, NULL, 1000, NULL));
  CHECK_HAS(out, "\"action\":\"sync_queued\"");
  CHECK_HAS(out, "\"action\":\"sync_started\"");
  CHECK_HAS(out, "\"action\":\"sync_completed\"");
  CHECK_HAS(out, "\"action\":\"sync_failed\"");
  CHECK_HAS(out, "\"action\":\"sync_cancelled\"");
  CHECK_HAS(out, "\"user_id\":\"worker-1\"");
  CHECK_LACKS(out, other_job);
  release(&out);

  /* A closed vault refuses the worker side too. */
  {
    char path[512];
    uint8_t key[32];
    lv_vault* closed = NULL;
    int64_t count = 7;
    fill_key(key, 11);
    path_in_directory(path, "jobs-closed.db");
    EXPECT_STATUS(LV_OK, lv_vault_open(&closed, path, key, sizeof key, 1));
    EXPECT_STATUS(LV_OK, lv_vault_close(closed));
    EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_claim(closed, &out, "worker-1", NULL));
    EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_recover_expired(closed, &count));
    CHECK(count == 0);
    EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_sync_schedule_due(closed, &out));
    EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_job_list(closed, &out, JOBS_A, NULL));
    CHECK(out == NULL);
    lv_vault_destroy(closed);
  }

  /* Purge counts and deletes the tenant's jobs. */
  EXPECT_STATUS(LV_OK, lv_tenant_purge(vault, &out, ADMIN, JOBS_A));
  CHECK(json_integer_at(out, "jobs", 0) == queued);
  release(&out);
  EXPECT_STATUS(LV_NOT_FOUND, lv_job_get(vault, &out, JOBS_A, first));
  EXPECT_STATUS(LV_OK, lv_job_list(vault, &out, JOBS_A, NULL));
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_tenant_purge(vault, &out, ADMIN, JOBS_B));
  CHECK(json_integer_at(out, "jobs", 0) == 1);
  release(&out);
}

/* ---- misuse ------------------------------------------------------------ */

static void test_bad_handles(const struct ids* ids) {
  char path[512];
  uint8_t key[32];
  lv_vault* dead = NULL;
  lv_vault* closed = NULL;
  char* out = (char*)&out;
  int64_t quota = 5;
  int not_a_vault[16];
  memset(not_a_vault, 0, sizeof not_a_vault);
  fill_key(key, 9);

  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_get(NULL, &out, "acme", ids->acme_slack));
  CHECK(out == NULL);
  CHECK_MESSAGE_HAS("vault");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_provider_list(NULL, &out));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_audit_verify(NULL, &out));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_tenant_get_quota(NULL, &quota, "acme"));
  CHECK(quota == 0);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_tenant_set_quota(NULL, "acme", ADMIN, 1));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_get((lv_vault*)not_a_vault, &out, "acme", ids->acme_slack));

  /* Destroyed: recognised without touching the freed memory. */
  path_in_directory(path, "dead.db");
  EXPECT_STATUS(LV_OK, lv_vault_open(&dead, path, key, sizeof key, 1));
  lv_vault_destroy(dead);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_get(dead, &out, "acme", ids->acme_slack));
  CHECK_MESSAGE_HAS("vault");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_vault_close(dead));
  lv_vault_destroy(dead); /* double destroy: a no-op */

  /* Closed: the handle lives on, the vault refuses. */
  path_in_directory(path, "closed.db");
  EXPECT_STATUS(LV_OK, lv_vault_open(&closed, path, key, sizeof key, 1));
  EXPECT_STATUS(LV_OK, lv_vault_close(closed));
  EXPECT_STATUS(LV_OK, lv_vault_close(closed));
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_integration_get(closed, &out, "acme", ids->acme_slack));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_integration_list(closed, &out, "acme", NULL));
  EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_integration_connect(closed, &out, "acme", ADMIN, "slack",
                                                               "{\"bot_token\":\"xoxb-closed\"}", NULL));
  lv_vault_destroy(closed);

  /* A reply handle used after its callback returned. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_tester_reply_set(escaped_reply, 1, "late"));
}

static void test_bad_arguments(lv_vault* vault, const struct ids* ids) {
  char* out = (char*)&out;
  char* huge;
  const size_t huge_size = 10u * 1024u * 1024u;
  lv_vault* never = NULL;
  int listed_before;

  /* NULL out and NULL required inputs. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_get(vault, NULL, "acme", ids->acme_slack));
  CHECK_MESSAGE_HAS("out");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_get(vault, &out, NULL, ids->acme_slack));
  CHECK(out == NULL);
  CHECK_MESSAGE_HAS("tenant");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_get(vault, &out, "acme", NULL));
  CHECK_MESSAGE_HAS("integration_id");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", NULL, "slack",
                                                            "{\"bot_token\":\"x\"}", NULL));
  CHECK_MESSAGE_HAS("actor_json");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            NULL, NULL));
  CHECK_MESSAGE_HAS("credentials_json");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, NULL,
                                                            "{\"bot_token\":\"x\"}", NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_tenant_purge(vault, &out, ADMIN, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_find(vault, &out, "acme", NULL, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_get(vault, &out, "", ids->acme_slack));

  /* Invalid JSON. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", "{", "slack",
                                                            "{\"bot_token\":\"x\"}", NULL));
  CHECK_MESSAGE_HAS("actor_json");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":", NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":\"xoxb-aaaaaaaaaaaa\"}", "[1]"));
  CHECK_MESSAGE_HAS("options_json");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_list(vault, &out, "acme", "nope"));
  CHECK_MESSAGE_HAS("filter_json");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_list(vault, &out, "acme", ""));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_list(vault, &out, "acme", "{} {}"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_provider_register(vault, &out, "{\"key\":"));

  /* Invalid UTF-8, in plain and in JSON parameters. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_get(vault, &out, "ac\xff\xfeme", ids->acme_slack));
  CHECK_MESSAGE_HAS("UTF-8");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":\"xoxb-\xc3\x28-bad\"}", NULL));
  CHECK_MESSAGE_HAS("credentials_json");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_list(vault, &out, "acme", "{\"provider\":\"\xed\xa0\x80\"}"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_mark_error(vault, &out, "acme", ADMIN,
                                                               ids->acme_slack, "bad \xc0\xaf byte"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_vault_open_passphrase(&never, "x.db", "\xff", 1));
  CHECK(never == NULL);

  /* A 10 MB string, wherever a string goes. */
  huge = (char*)malloc(huge_size + 1);
  CHECK(huge != NULL);
  if (huge != NULL) {
    memset(huge, 'a', huge_size);
    huge[huge_size] = '\0';
    EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_get(vault, &out, huge, ids->acme_slack));
    CHECK_MESSAGE_HAS("tenant");
    huge[0] = '{';
    huge[1] = '"';
    EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                              huge, NULL));
    CHECK_MESSAGE_HAS("credentials_json");
    EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_mark_error(vault, &out, "acme", ADMIN,
                                                                 ids->acme_slack, huge));
    EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_provider_register(vault, &out, huge));
    free(huge);
  }
  CHECK(out == NULL);

  /* Wrong JSON types, naming the key. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme",
                                                            "{\"user_id\":5,\"role\":\"admin\"}", "slack",
                                                            "{\"bot_token\":\"x\"}", NULL));
  CHECK_MESSAGE_HAS("user_id");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":123}", NULL));
  CHECK_MESSAGE_HAS("bot_token");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":\"xoxb-aaaaaaaaaaaa\"}",
                                                            "{\"name\":\"n2\",\"scopes\":\"read\"}"));
  CHECK_MESSAGE_HAS("scopes");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":\"xoxb-aaaaaaaaaaaa\"}",
                                                            "{\"name\":\"n2\",\"scopes\":[\"a\",1]}"));
  CHECK_MESSAGE_HAS("scopes");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":\"xoxb-aaaaaaaaaaaa\"}",
                                                            "{\"name\":\"n2\",\"expires_at\":1893456000}"));
  CHECK_MESSAGE_HAS("expires_at");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":\"xoxb-aaaaaaaaaaaa\"}",
                                                            "{\"name\":\"n2\",\"expires_at\":\"tomorrow\"}"));
  CHECK_MESSAGE_HAS("expires_at");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":\"xoxb-aaaaaaaaaaaa\"}",
                                                            "{\"name\":\"n2\",\"sync_config\":{\"interval_minutes\":5}}"));
  CHECK_MESSAGE_HAS("interval_minutes");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":\"xoxb-aaaaaaaaaaaa\"}",
                                                            "{\"name\":\"n2\",\"sync_config\":\"yes\"}"));
  CHECK_MESSAGE_HAS("sync_config");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_list(vault, &out, "acme", "{\"status\":1}"));
  CHECK_MESSAGE_HAS("status");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_list(vault, &out, "acme", "{\"status\":\"asleep\"}"));
  CHECK_MESSAGE_HAS("status");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_update_credentials(
                                         vault, &out, "acme", ADMIN, ids->acme_slack,
                                         "{\"bot_token\":\"xoxb-aaaaaaaaaaaa\"}", "{\"expires_at\":true}"));
  CHECK_MESSAGE_HAS("expires_at");

  /* Unknown and duplicate keys, and a bad role. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme",
                                                            "{\"user_id\":\"u\",\"role\":\"admin\",\"extra\":1}",
                                                            "slack", "{\"bot_token\":\"x\"}", NULL));
  CHECK_MESSAGE_HAS("extra");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme",
                                                            "{\"user_id\":\"u\",\"role\":\"admin\",\"role\":\"member\"}",
                                                            "slack", "{\"bot_token\":\"x\"}", NULL));
  CHECK_MESSAGE_HAS("role");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme",
                                                            "{\"user_id\":\"u\",\"role\":\"root\"}",
                                                            "slack", "{\"bot_token\":\"x\"}", NULL));
  CHECK_MESSAGE_HAS("role");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme",
                                                            "{\"user_name\":\"nobody\",\"role\":\"admin\"}",
                                                            "slack", "{\"bot_token\":\"x\"}", NULL));
  CHECK_MESSAGE_HAS("user_id");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":\"xoxb-aaaaaaaaaaaa\"}",
                                                            "{\"nmae\":\"typo\"}"));
  CHECK_MESSAGE_HAS("nmae");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_list(vault, &out, "acme", "{\"tenant\":\"globex\"}"));
  CHECK_MESSAGE_HAS("tenant");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_update_credentials(
                                         vault, &out, "acme", ADMIN, ids->acme_slack,
                                         "{\"bot_token\":\"xoxb-aaaaaaaaaaaa\"}", "{\"name\":\"x\"}"));
  CHECK_MESSAGE_HAS("name");
  /* An unknown credential field: named, and no secret value in the message. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_connect(vault, &out, "acme", ADMIN, "slack",
                                                            "{\"bot_token\":\"xoxb-aaaaaaaaaaaa\","
                                                            "\"bogus\":\"topsecret-123\"}",
                                                            "{\"name\":\"n3\"}"));
  CHECK_MESSAGE_HAS("bogus");
  CHECK(strstr(lv_last_error_message(), "topsecret-123") == NULL);
  CHECK(strstr(lv_last_error_message(), "xoxb-aaaaaaaaaaaa") == NULL);

  /* A member changes nothing. */
  EXPECT_STATUS(LV_OK, lv_integration_list(vault, &out, "acme", NULL));
  listed_before = count_of(out, "\"provider\":");
  release(&out);
  EXPECT_STATUS(LV_PERMISSION_DENIED, lv_integration_connect(vault, &out, "acme", MEMBER, "gmail",
                                                             "{\"access_token\":\"ya29.member-token\"}", NULL));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_OK, lv_integration_find(vault, &out, "acme", "gmail", NULL));
  CHECK(out != NULL && strcmp(out, "null") == 0);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_list(vault, &out, "acme", NULL));
  CHECK(count_of(out, "\"provider\":") == listed_before);
  release(&out);
  /* ...but may read. */
  EXPECT_STATUS(LV_OK, lv_activity_list(vault, &out, "acme", NULL, 5, NULL));
  release(&out);

  /* A failed call leaves a message; the next successful call clears it. */
  EXPECT_STATUS(LV_NOT_FOUND, lv_integration_get(vault, &out, "acme", "missing"));
  CHECK(lv_last_error_message()[0] != '\0');
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, "acme", ids->acme_slack));
  CHECK(lv_last_error_message()[0] == '\0');
  release(&out);
}

int main(void) {
  char path[512];
  lv_vault* vault;
  struct ids ids;
  memset(&ids, 0, sizeof ids);

  if (!make_directory("linkvault-capi")) return 2;
  path_in_directory(path, "vault.db");

  test_library();
  vault = test_open(path);
  if (vault != NULL) {
    test_passphrase();
    test_connect(vault, &ids);
    test_reads(vault, &ids);
    test_update_and_reveal(vault, &ids);
    test_testers(vault, &ids);
    test_error_quota_disconnect(vault, &ids);
    test_activity(vault, &ids);
    test_providers(vault, &ids);
    test_threads(vault);
    test_bad_handles(&ids);
    test_bad_arguments(vault, &ids);
    test_audit_anchors(vault);
    test_audit_and_purge(vault, &ids);
    test_sync_jobs(vault);
    test_wal_rollback();
    EXPECT_STATUS(LV_OK, lv_vault_close(vault));
    lv_vault_destroy(vault);
  }
  remove_directory();

  printf("%d passed, %d failed\n", checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}
