/*
 * The C ABI's OAuth functions, exercised from C (C99, -pedantic -Werror):
 * token refresh through a C refresher answering with lv_token_reply_set or
 * lv_token_reply_fail (fresh tokens are not refreshed, expiring ones are;
 * permanent and transient failures, the cooldown, force, a silent refresher),
 * the refresh sweep, the authorization-code flow with PKCE through a C token
 * exchange, rate limits, and misuse: NULL arguments, bad JSON, bad tokens,
 * wrong handle kinds and a reply kept past its callback. Each misuse asserts
 * the exact status and a non-empty lv_last_error_message().
 *
 * Prints "N passed, M failed" last; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include "capi_checks.h"
#include "linkvault.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


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

/* ---- fixtures ---------------------------------------------------------- */

static const char* const ADMIN = "{\"user_id\":\"u-1\",\"user_name\":\"Alice\",\"role\":\"admin\"}";
static const char* const MEMBER = "{\"user_id\":\"u-2\",\"role\":\"member\"}";
static const char* const TENANT = "acme";

static const char* const PROVIDER_SPEC =
    "{\"key\":\"oauth_test\",\"name\":\"OAuth Test\",\"auth_type\":\"oauth2\","
    "\"credential_fields\":[{\"name\":\"access_token\",\"type\":\"secret\",\"required\":true},"
    "{\"name\":\"refresh_token\",\"type\":\"secret\",\"required\":false}],"
    "\"scopes\":[\"read\",\"write all\"],\"rate_limits\":{\"per_minute\":60},"
    "\"authorize_url\":\"https://auth.example/authorize\","
    "\"token_url\":\"https://auth.example/token\"}";

static const char* const OLD_CREDENTIALS =
    "{\"access_token\":\"old-access\",\"refresh_token\":\"old-refresh\"}";
static const char* const EXPIRED = "{\"name\":\"%s\",\"expires_at\":\"2001-01-01T00:00:00Z\"}";
static const char* const FRESH = "{\"name\":\"%s\",\"expires_at\":\"2999-01-01T00:00:00Z\"}";

/* Connects an oauth_test integration named `name`; `options_format` is
 * EXPIRED or FRESH. Writes its id into `id` (64 bytes). */
static int connect_named(lv_vault* vault, const char* tenant, const char* name,
                         const char* options_format, char* id) {
  char options[256];
  char* out = NULL;
  int status;
  sprintf(options, options_format, name);
  status = lv_integration_connect(vault, &out, tenant, ADMIN, "oauth_test", OLD_CREDENTIALS,
                                  options);
  EXPECT_STATUS(LV_OK, status);
  json_string(out, "id", id, 64);
  release(&out);
  return status == LV_OK;
}

/* The integration's status ("connected", "error", ...) into `status` (32). */
static void status_of(lv_vault* vault, const char* id, char* status) {
  char* out = NULL;
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, TENANT, id));
  json_string(out, "status", status, 32);
  release(&out);
}

/* ---- refreshers -------------------------------------------------------- */

enum refresher_mode {
  ANSWER,         /* lv_token_reply_set(tokens) */
  FAIL_PERMANENT, /* lv_token_reply_fail(reply, 1, ...) */
  FAIL_TRANSIENT, /* lv_token_reply_fail(reply, 0, ...) */
  SILENT,         /* no answer */
  RETURN_ERROR    /* answers, but returns non-zero */
};

struct refresher_state {
  enum refresher_mode mode;
  const char* tokens;   /* the answer in ANSWER mode */
  int calls;
  int saw_credentials;  /* the credentials held the old refresh token */
  char provider[64];    /* the provider key of the last call */
  int reentrant_status; /* an lv_ read made from inside */
  lv_vault* vault;
};

static int counting_refresher(lv_token_reply* reply, const char* provider,
                              const char* credentials_json, void* user_data) {
  struct refresher_state* state = (struct refresher_state*)user_data;
  char* out = NULL;
  ++state->calls;
  strncpy(state->provider, provider, sizeof state->provider - 1);
  state->saw_credentials = strstr(credentials_json, "\"refresh_token\":\"") != NULL;
  if (state->vault != NULL) {
    /* The refresher runs outside any transaction: the library may be called. */
    state->reentrant_status = lv_provider_list(state->vault, &out);
    lv_string_free(out);
  }
  switch (state->mode) {
    case ANSWER:
      return lv_token_reply_set(reply, state->tokens) == LV_OK ? 0 : 1;
    case FAIL_PERMANENT:
      lv_token_reply_fail(reply, 1, "invalid_grant: token revoked");
      return 0;
    case FAIL_TRANSIENT:
      lv_token_reply_fail(reply, 0, "503 from the token endpoint");
      return 0;
    case SILENT:
      return 0;
    case RETURN_ERROR:
      lv_token_reply_set(reply, state->tokens);
      return 7;
  }
  return 0;
}

static void reset_refresher(struct refresher_state* state, enum refresher_mode mode,
                            const char* tokens) {
  memset(state, 0, sizeof *state);
  state->mode = mode;
  state->tokens = tokens;
}

/* ---- valid_credentials -------------------------------------------------- */

static void test_refresh(lv_vault* vault) {
  struct refresher_state state;
  char expired[64], fresh[64], status[32];
  char* out = NULL;
  const char* rotated =
      "{\"access_token\":\"new-access\",\"refresh_token\":\"new-refresh\",\"expires_in\":3600,"
      "\"token_type\":\"Bearer\",\"scope\":\"read\",\"extra\":{\"nested\":[1,2.5,true,null]}}";

  if (!connect_named(vault, TENANT, "expired", EXPIRED, expired)) return;
  if (!connect_named(vault, TENANT, "fresh", FRESH, fresh)) return;

  /* Fresh: the credentials come back without a call. */
  reset_refresher(&state, ANSWER, rotated);
  EXPECT_STATUS(LV_OK, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, fresh, NULL,
                                                        counting_refresher, &state));
  CHECK(state.calls == 0);
  CHECK_HAS(out, "\"access_token\":\"old-access\"");
  release(&out);

  /* The expiring list: only the expired one (the fresh one is far off). */
  EXPECT_STATUS(LV_OK, lv_integration_expiring(vault, &out, TENANT, 900));
  CHECK_HAS(out, expired);
  CHECK_LACKS(out, fresh);
  release(&out);

  /* Expired: one call, the rotated tokens are returned and stored. */
  state.vault = vault;
  EXPECT_STATUS(LV_OK, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, expired,
                                                        NULL, counting_refresher, &state));
  CHECK(state.calls == 1);
  CHECK(state.saw_credentials);
  CHECK(strcmp(state.provider, "oauth_test") == 0);
  CHECK(state.reentrant_status == LV_OK);
  CHECK_HAS(out, "\"access_token\":\"new-access\"");
  CHECK_HAS(out, "\"refresh_token\":\"new-refresh\"");
  CHECK_LACKS(out, "token_type");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, TENANT, expired));
  CHECK(json_integer(out, "refresh_count") == 1);
  CHECK_HAS(out, "\"status\":\"connected\"");
  release(&out);

  /* Now fresh: no second call. */
  EXPECT_STATUS(LV_OK, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, expired,
                                                        NULL, counting_refresher, &state));
  CHECK(state.calls == 1);
  release(&out);

  /* It expires in an hour: a two-hour margin refreshes it again; an answer
   * without refresh_token keeps the stored one. */
  reset_refresher(&state, ANSWER, "{\"access_token\":\"third\",\"expires_at\":null}");
  EXPECT_STATUS(LV_OK, lv_integration_valid_credentials(
                           vault, &out, TENANT, ADMIN, expired,
                           "{\"margin_seconds\":7200,\"lease_seconds\":5,"
                           "\"max_wait_seconds\":0.5,\"force\":null}",
                           counting_refresher, &state));
  CHECK(state.calls == 1);
  CHECK_HAS(out, "\"access_token\":\"third\"");
  CHECK_HAS(out, "\"refresh_token\":\"new-refresh\"");
  release(&out);

  /* force: a call even though it is fresh; an answer without refresh_token
   * (null) keeps the stored one, and an escaped value is unescaped. */
  reset_refresher(&state, ANSWER, "{\"access_token\":\"a\\/b\\u00e9\",\"refresh_token\":null}");
  EXPECT_STATUS(LV_OK, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, expired,
                                                        "{\"force\":true}", counting_refresher,
                                                        &state));
  CHECK(state.calls == 1);
  CHECK_HAS(out, "\"access_token\":\"a/b\xc3\xa9\"");
  CHECK_HAS(out, "\"refresh_token\":\"new-refresh\"");
  release(&out);

  /* A member may not. */
  EXPECT_STATUS(LV_PERMISSION_DENIED,
                lv_integration_valid_credentials(vault, &out, TENANT, MEMBER, expired, NULL,
                                                 counting_refresher, &state));
  CHECK(out == NULL);
  status_of(vault, fresh, status);
  CHECK(strcmp(status, "connected") == 0);
}

static void test_refresh_failures(lv_vault* vault) {
  struct refresher_state state;
  char revoked[64], flaky[64], silent[64], erring[64], status[32];
  char* out = NULL;

  if (!connect_named(vault, TENANT, "revoked", EXPIRED, revoked)) return;
  if (!connect_named(vault, TENANT, "flaky", EXPIRED, flaky)) return;
  if (!connect_named(vault, TENANT, "silent", EXPIRED, silent)) return;
  if (!connect_named(vault, TENANT, "erring", EXPIRED, erring)) return;

  /* Permanent: UPSTREAM, and the integration goes to error at once. */
  reset_refresher(&state, FAIL_PERMANENT, NULL);
  out = (char*)&out;
  EXPECT_STATUS(LV_UPSTREAM, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN,
                                                              revoked, NULL, counting_refresher,
                                                              &state));
  CHECK(out == NULL);
  CHECK(state.calls == 1);
  status_of(vault, revoked, status);
  CHECK(strcmp(status, "error") == 0);
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, TENANT, revoked));
  CHECK_HAS(out, "invalid_grant");
  release(&out);
  EXPECT_STATUS(LV_OK, lv_activity_list(vault, &out, TENANT, revoked, 10, NULL));
  CHECK_HAS(out, "\"action\":\"token_refresh_failed\"");
  release(&out);
  /* In error: refused without a call, unless forced (which reconnects). */
  EXPECT_STATUS(LV_FAILED_PRECONDITION,
                lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, revoked, NULL,
                                                 counting_refresher, &state));
  CHECK(state.calls == 1);
  reset_refresher(&state, ANSWER, "{\"access_token\":\"reauthorized\",\"expires_in\":3600}");
  EXPECT_STATUS(LV_OK, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, revoked,
                                                        "{\"force\":true}", counting_refresher,
                                                        &state));
  CHECK(state.calls == 1);
  release(&out);
  status_of(vault, revoked, status);
  CHECK(strcmp(status, "connected") == 0);

  /* Transient: UPSTREAM, still connected, and a cooldown during which no
   * call is made (unless forced). */
  reset_refresher(&state, FAIL_TRANSIENT, NULL);
  EXPECT_STATUS(LV_UPSTREAM, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, flaky,
                                                              NULL, counting_refresher, &state));
  CHECK(state.calls == 1);
  status_of(vault, flaky, status);
  CHECK(strcmp(status, "connected") == 0);
  EXPECT_STATUS(LV_UPSTREAM, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, flaky,
                                                              NULL, counting_refresher, &state));
  CHECK(state.calls == 1);
  reset_refresher(&state, ANSWER, "{\"access_token\":\"recovered\"}");
  EXPECT_STATUS(LV_OK, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, flaky,
                                                        "{\"force\":true}", counting_refresher,
                                                        &state));
  CHECK(state.calls == 1);
  CHECK_HAS(out, "\"access_token\":\"recovered\"");
  release(&out);

  /* No answer, or a non-zero return: transient. */
  reset_refresher(&state, SILENT, NULL);
  EXPECT_STATUS(LV_UPSTREAM, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN,
                                                              silent, NULL, counting_refresher,
                                                              &state));
  CHECK(state.calls == 1);
  CHECK(out == NULL);
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, TENANT, silent));
  CHECK_HAS(out, "no answer");
  CHECK_HAS(out, "\"status\":\"connected\"");
  release(&out);
  reset_refresher(&state, RETURN_ERROR, "{\"access_token\":\"ignored\"}");
  EXPECT_STATUS(LV_UPSTREAM, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN,
                                                              erring, NULL, counting_refresher,
                                                              &state));
  CHECK(state.calls == 1);
  EXPECT_STATUS(LV_OK, lv_integration_reveal_credentials(vault, &out, TENANT, ADMIN, erring));
  CHECK_HAS(out, "\"access_token\":\"old-access\"");
  release(&out);
}

/* ---- the reply: bad tokens, replaced answers, misuse -------------------- */

static const char* const BAD_TOKENS[] = {
    "",
    "[]",
    "{\"access_token\":\"x\"",
    "{\"access_token\":\"x\"} {}",
    "{\"access_token\":\"x\"}}",
    "{\"access_token\":\"x\":[1,2.5e4,true,null]}}",
    "{\"access_token\":\"x\",\"extra\":[1 2]}",
    "{\"access_token\":\"x\",\"extra\":{\"a\" 1}}",
    "{\"access_token\":\"x\",\"extra\":\"tab\there\"}",
    "{\"access_token\":\"x\",\"extra\":01}",
    "{}",
    "{\"access_token\":\"\"}",
    "{\"access_token\":null}",
    "{\"access_token\":42}",
    "{\"access_token\":\"x\",\"access_token\":\"y\"}",
    "{\"access_token\":\"x\",\"scope\":\"a\",\"scope\":\"b\"}",
    "{\"access_token\":\"x\",\"refresh_token\":\"\"}",
    "{\"access_token\":\"x\",\"refresh_token\":7}",
    "{\"access_token\":\"x\",\"expires_in\":-1}",
    "{\"access_token\":\"x\",\"expires_in\":315360001}",
    "{\"access_token\":\"x\",\"expires_in\":1.5}",
    "{\"access_token\":\"x\",\"expires_in\":\"3600\"}",
    "{\"access_token\":\"x\",\"expires_in\":99999999999999999999999}",
    "{\"access_token\":\"x\",\"expires_at\":\"tomorrow\"}",
    "{\"access_token\":\"x\",\"expires_at\":12}",
    "{\"access_token\":\"x\\q\"}",
    "{\"access_token\":\"x\\ud800\"}",
    "{\"access_token\":\"x\",\"id_token\":\"bad \\x escape\"}",
    "{\"access_token\":\"x\",\"extra\":[1,}",
    "{\"access_token\":\"x\",\"extra\":nul}",
    "{\"access_token\":\"x\",\"extra\":-}",
};
#define BAD_TOKEN_COUNT (sizeof BAD_TOKENS / sizeof BAD_TOKENS[0])

struct probe_state {
  int bad_statuses[BAD_TOKEN_COUNT];
  int bad_messages; /* how many failures came with a message naming tokens_json */
  int leaked;       /* a bad answer's token reached the message */
  int null_reply;
  int null_reply_named;
  int null_tokens;
  int fake_reply;
  int wrong_kind;
  int bad_utf8;
  int fail_then_set;
  int too_long;  /* a 64 KiB + 1 access_token */
  lv_token_reply* kept;
  lv_vault* vault;
};

static int probing_refresher(lv_token_reply* reply, const char* provider,
                             const char* credentials_json, void* user_data) {
  struct probe_state* state = (struct probe_state*)user_data;
  size_t i;
  (void)provider;
  (void)credentials_json;
  /* A good answer first: every bad one after it must leave it in place. */
  lv_token_reply_fail(reply, 1, "replaced by the answer below");
  state->fail_then_set =
      lv_token_reply_set(reply, "{\"access_token\":\"kept-answer\",\"expires_in\":60}");
  for (i = 0; i < BAD_TOKEN_COUNT; ++i) {
    state->bad_statuses[i] = lv_token_reply_set(reply, BAD_TOKENS[i]);
    if (strstr(lv_last_error_message(), "tokens_json") != NULL) ++state->bad_messages;
    if (strstr(lv_last_error_message(), "bad \\x") != NULL) ++state->leaked;
  }
  /* The handle is checked before the JSON after it. */
  state->null_reply = lv_token_reply_set(NULL, "not json");
  state->null_reply_named = strstr(lv_last_error_message(), "reply") != NULL;
  state->null_tokens = lv_token_reply_set(reply, NULL);
  state->fake_reply = lv_token_reply_set((lv_token_reply*)state, "{\"access_token\":\"x\"}");
  /* A vault handle is not a reply, nor is a token reply a tester reply. */
  state->wrong_kind = lv_token_reply_set((lv_token_reply*)state->vault, "{\"access_token\":\"x\"}");
  state->wrong_kind |= lv_tester_reply_set((lv_tester_reply*)reply, 1, "x") << 8;
  state->bad_utf8 = lv_token_reply_set(reply, "{\"access_token\":\"\xc3\"}");
  {
    const size_t length = 65536 + 1;
    char* long_tokens = (char*)malloc(length + 32);
    if (long_tokens != NULL) {
      strcpy(long_tokens, "{\"access_token\":\"");
      memset(long_tokens + strlen(long_tokens), 'a', length);
      strcpy(long_tokens + 17 + length, "\"}");
      state->too_long = lv_token_reply_set(reply, long_tokens);
      free(long_tokens);
    }
  }
  state->kept = reply;
  return 0;
}

static void test_reply_misuse(lv_vault* vault) {
  struct probe_state state;
  char id[64];
  char* out = NULL;
  size_t i;
  memset(&state, 0, sizeof state);
  state.vault = vault;
  if (!connect_named(vault, TENANT, "probe", EXPIRED, id)) return;

  EXPECT_STATUS(LV_OK, lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, id, NULL,
                                                        probing_refresher, &state));
  CHECK_HAS(out, "\"access_token\":\"kept-answer\"");
  release(&out);
  CHECK(state.fail_then_set == LV_OK);
  for (i = 0; i < BAD_TOKEN_COUNT; ++i) {
    if (state.bad_statuses[i] != LV_INVALID_ARGUMENT) {
      fprintf(stderr, "test_capi_oauth.c: tokens %s: %s\n", BAD_TOKENS[i],
              lv_status_name(state.bad_statuses[i]));
    }
    CHECK(state.bad_statuses[i] == LV_INVALID_ARGUMENT);
  }
  CHECK(state.bad_messages == (int)BAD_TOKEN_COUNT);
  CHECK(state.leaked == 0);
  CHECK(state.null_reply == LV_INVALID_ARGUMENT);
  CHECK(state.null_reply_named);
  CHECK(state.null_tokens == LV_INVALID_ARGUMENT);
  CHECK(state.fake_reply == LV_INVALID_ARGUMENT);
  CHECK(state.wrong_kind == (LV_INVALID_ARGUMENT | LV_INVALID_ARGUMENT << 8));
  CHECK(state.bad_utf8 == LV_INVALID_ARGUMENT);
  CHECK(state.too_long == LV_INVALID_ARGUMENT);

  /* Kept past its callback: refused, without reading the dead frame. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_token_reply_set(state.kept, "{\"access_token\":\"x\"}"));
  CHECK_MESSAGE_HAS("reply");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_token_reply_fail(state.kept, 0, "late"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_token_reply_fail(NULL, 1, NULL));
}

static void test_refresh_misuse(lv_vault* vault) {
  struct refresher_state state;
  char id[64];
  char* out = (char*)&out;
  static const char* const bad_options[] = {
      "", "[]", "{\"margin\":1}", "{\"margin_seconds\":-1}", "{\"margin_seconds\":31536001}",
      "{\"margin_seconds\":1.5}", "{\"force\":\"yes\"}", "{\"lease_seconds\":0.5}",
      "{\"lease_seconds\":3601}", "{\"max_wait_seconds\":-0.1}", "{\"max_wait_seconds\":\"1\"}",
      "{\"force\":true,\"force\":false}"};
  size_t i;
  reset_refresher(&state, ANSWER, "{\"access_token\":\"never\"}");
  if (!connect_named(vault, TENANT, "misuse", EXPIRED, id)) return;

  for (i = 0; i < sizeof bad_options / sizeof bad_options[0]; ++i) {
    EXPECT_STATUS(LV_INVALID_ARGUMENT,
                  lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, id,
                                                   bad_options[i], counting_refresher, &state));
    CHECK_MESSAGE_HAS("options_json");
    CHECK(out == NULL);
  }
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, id, NULL, NULL,
                                                 &state));
  CHECK_MESSAGE_HAS("refresher");
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_integration_valid_credentials(vault, NULL, TENANT, ADMIN, id, NULL,
                                                 counting_refresher, &state));
  CHECK_MESSAGE_HAS("out");
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_integration_valid_credentials(NULL, &out, TENANT, ADMIN, id, NULL,
                                                 counting_refresher, &state));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_integration_valid_credentials((lv_vault*)&state, &out, TENANT, ADMIN, id,
                                                 NULL, counting_refresher, &state));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_integration_valid_credentials(vault, &out, TENANT, NULL, id, NULL,
                                                 counting_refresher, &state));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_integration_valid_credentials(vault, &out, TENANT, ADMIN, NULL, NULL,
                                                 counting_refresher, &state));
  EXPECT_STATUS(LV_NOT_FOUND, lv_integration_valid_credentials(vault, &out, "other", ADMIN, id,
                                                               NULL, counting_refresher, &state));
  CHECK(state.calls == 0);

  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_expiring(vault, NULL, TENANT, 900));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_expiring(vault, &out, NULL, 900));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_expiring(vault, &out, TENANT, -1));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_integration_expiring(vault, &out, TENANT, 31536001));
  CHECK(out == NULL);

  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_refresh_expiring(vault, &out, NULL, NULL, NULL));
  CHECK_MESSAGE_HAS("refresher");
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_refresh_expiring(vault, &out, "{\"providers\":\"oauth_test\"}",
                                    counting_refresher, &state));
  CHECK_MESSAGE_HAS("providers");
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_refresh_expiring(vault, &out, "{\"providers\":[1]}", counting_refresher,
                                    &state));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_refresh_expiring(vault, &out, "{\"within_seconds\":-5}", counting_refresher,
                                    &state));
  CHECK_MESSAGE_HAS("within_seconds");
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_refresh_expiring(vault, &out, "{\"within\":5}", counting_refresher, &state));
  CHECK(state.calls == 0);
  CHECK(out == NULL);
}

/* ---- the sweep ---------------------------------------------------------- */

static void test_refresh_expiring(lv_vault* vault) {
  struct refresher_state state;
  char one[64], two[64], other[64], status[32];
  char* out = NULL;
  /* Settle what earlier tests left expiring: the sweep counts every tenant. */
  reset_refresher(&state, ANSWER, "{\"access_token\":\"swept\",\"expires_in\":86400}");
  EXPECT_STATUS(LV_OK, lv_refresh_expiring(vault, &out, NULL, counting_refresher, &state));
  release(&out);
  reset_refresher(&state, ANSWER, "{\"access_token\":\"swept\",\"expires_in\":86400}");

  if (!connect_named(vault, TENANT, "sweep-1", EXPIRED, one)) return;
  if (!connect_named(vault, "globex", "sweep-2", EXPIRED, two)) return;
  if (!connect_named(vault, "globex", "sweep-fresh", FRESH, other)) return;

  /* A provider list without ours: skipped, no call. */
  EXPECT_STATUS(LV_OK, lv_refresh_expiring(vault, &out, "{\"providers\":[\"slack\"]}",
                                           counting_refresher, &state));
  CHECK(json_integer(out, "refreshed") == 0);
  CHECK(json_integer(out, "failed") == 0);
  CHECK(json_integer(out, "skipped") >= 2);
  CHECK(state.calls == 0);
  release(&out);

  /* Ours, across both tenants; the fresh one is outside the window. */
  EXPECT_STATUS(LV_OK, lv_refresh_expiring(vault, &out,
                                           "{\"providers\":[\"oauth_test\"],\"within_seconds\":60}",
                                           counting_refresher, &state));
  CHECK(json_integer(out, "refreshed") == 2);
  CHECK(json_integer(out, "failed") == 0);
  CHECK(state.calls == 2);
  CHECK(strcmp(state.provider, "oauth_test") == 0);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_reveal_credentials(vault, &out, "globex", ADMIN, two));
  CHECK_HAS(out, "\"access_token\":\"swept\"");
  CHECK_HAS(out, "\"refresh_token\":\"old-refresh\"");
  release(&out);

  /* A failing sweep counts failures. */
  if (!connect_named(vault, TENANT, "sweep-3", EXPIRED, one)) return;
  reset_refresher(&state, FAIL_PERMANENT, NULL);
  EXPECT_STATUS(LV_OK, lv_refresh_expiring(vault, &out, NULL, counting_refresher, &state));
  CHECK(json_integer(out, "refreshed") == 0);
  CHECK(json_integer(out, "failed") == 1);
  CHECK(state.calls == 1);
  release(&out);
  status_of(vault, one, status);
  CHECK(strcmp(status, "error") == 0);
}

/* ---- PKCE --------------------------------------------------------------- */

struct exchange_state {
  int calls;
  int fail;
  int had_verifier;
  int had_redirect;
  int had_client;
  int had_code;
  int had_token_url;
  char verifier[128];
};

static int checking_exchange(lv_token_reply* reply, const char* request_json, void* user_data) {
  struct exchange_state* state = (struct exchange_state*)user_data;
  ++state->calls;
  state->had_verifier = json_string(request_json, "code_verifier", state->verifier,
                                    sizeof state->verifier) &&
                        strlen(state->verifier) == 43;
  state->had_redirect = strstr(request_json, "\"redirect_uri\":\"https://app.example/cb\"") != NULL;
  state->had_client = strstr(request_json, "\"client_id\":\"client-1\"") != NULL &&
                      strstr(request_json, "\"client_secret\":\"s3cret\"") != NULL;
  state->had_code = strstr(request_json, "\"code\":\"the-code\"") != NULL;
  state->had_token_url =
      strstr(request_json, "\"token_url\":\"https://auth.example/token\"") != NULL;
  if (state->fail) return lv_token_reply_fail(reply, 0, "exchange refused: bad code");
  return lv_token_reply_set(reply,
                            "{\"access_token\":\"granted\",\"refresh_token\":\"granted-refresh\","
                            "\"expires_in\":3600,\"token_type\":\"Bearer\"}");
}

static void test_oauth_flow(lv_vault* vault) {
  struct exchange_state state;
  char state_text[128], integration[64], again[128], url[1024];
  char* out = NULL;
  memset(&state, 0, sizeof state);

  /* No client yet. */
  EXPECT_STATUS(LV_FAILED_PRECONDITION,
                lv_oauth_begin(vault, &out, TENANT, ADMIN, "oauth_test", "https://app.example/cb",
                               NULL));
  CHECK(out == NULL);
  EXPECT_STATUS(LV_OK, lv_oauth_client_configure(vault, "oauth_test", "client-1", "s3cret"));
  EXPECT_STATUS(LV_OK, lv_oauth_client_configure(vault, "oauth_test", "client-1", NULL));
  EXPECT_STATUS(LV_OK, lv_oauth_client_configure(vault, "oauth_test", "client-1", "s3cret"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_oauth_client_configure(vault, "slack", "client-1", NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_oauth_client_configure(vault, "no_such", "c", NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_oauth_client_configure(vault, "oauth_test", NULL, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_oauth_client_configure(vault, "oauth_test", "", NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_oauth_client_configure(vault, NULL, "c", NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_oauth_client_configure(NULL, "oauth_test", "c", NULL));

  EXPECT_STATUS(LV_OK, lv_oauth_begin(vault, &out, TENANT, ADMIN, "oauth_test",
                                      "https://app.example/cb",
                                      "{\"name\":\"pkce\",\"scopes\":[\"read\",\"write all\"]}"));
  CHECK(json_string(out, "state", state_text, sizeof state_text));
  CHECK(json_string(out, "integration_id", integration, sizeof integration));
  CHECK(json_string(out, "authorization_url", url, sizeof url));
  release(&out);
  CHECK(strncmp(url, "https://auth.example/authorize?response_type=code&", 50) == 0);
  CHECK_HAS(url, "&client_id=client-1&");
  CHECK_HAS(url, "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&");
  CHECK_HAS(url, "&scope=read%20write%20all&");
  CHECK_HAS(url, "&code_challenge_method=S256");
  CHECK_HAS(url, state_text);
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, TENANT, integration));
  CHECK_HAS(out, "\"status\":\"pending_auth\"");
  release(&out);

  EXPECT_STATUS(LV_OK, lv_oauth_complete(vault, &out, TENANT, ADMIN, state_text, "the-code",
                                         checking_exchange, &state));
  CHECK(state.calls == 1);
  CHECK(state.had_verifier);
  CHECK(state.had_redirect);
  CHECK(state.had_client);
  CHECK(state.had_code);
  CHECK(state.had_token_url);
  CHECK_HAS(out, "\"status\":\"connected\"");
  CHECK_HAS(out, integration);
  CHECK_LACKS(out, state.verifier);
  release(&out);
  EXPECT_STATUS(LV_OK, lv_integration_reveal_credentials(vault, &out, TENANT, ADMIN, integration));
  CHECK_HAS(out, "\"access_token\":\"granted\"");
  CHECK_HAS(out, "\"refresh_token\":\"granted-refresh\"");
  CHECK_LACKS(out, "token_type");
  release(&out);

  /* The state is used once; a connected integration cannot begin again. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_oauth_complete(vault, &out, TENANT, ADMIN, state_text,
                                                       "the-code", checking_exchange, &state));
  CHECK(state.calls == 1);
  CHECK(out == NULL);
  EXPECT_STATUS(LV_ALREADY_EXISTS,
                lv_oauth_begin(vault, &out, TENANT, ADMIN, "oauth_test", "https://app.example/cb",
                               "{\"name\":\"pkce\"}"));

  /* Another tenant's state is unknown here; it stays usable there. */
  EXPECT_STATUS(LV_OK, lv_oauth_begin(vault, &out, TENANT, ADMIN, "oauth_test",
                                      "https://app.example/cb", "{\"name\":\"refused\"}"));
  json_string(out, "state", again, sizeof again);
  json_string(out, "integration_id", integration, sizeof integration);
  release(&out);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_oauth_complete(vault, &out, "globex", ADMIN, again,
                                                       "the-code", checking_exchange, &state));
  CHECK(state.calls == 1);
  /* A failed exchange: UPSTREAM, and the integration goes to error. */
  state.fail = 1;
  EXPECT_STATUS(LV_UPSTREAM, lv_oauth_complete(vault, &out, TENANT, ADMIN, again, "the-code",
                                               checking_exchange, &state));
  CHECK(state.calls == 2);
  CHECK(out == NULL);
  EXPECT_STATUS(LV_OK, lv_integration_get(vault, &out, TENANT, integration));
  CHECK_HAS(out, "\"status\":\"error\"");
  CHECK_HAS(out, "exchange refused");
  release(&out);

  /* Misuse. */
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_oauth_begin(vault, &out, TENANT, ADMIN, "oauth_test", "http://app.example/cb",
                               NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_oauth_begin(vault, &out, TENANT, ADMIN, "oauth_test", NULL, NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_oauth_begin(vault, &out, TENANT, ADMIN, "oauth_test", "https://app.example/cb",
                               "{\"name\":\"x\",\"scope\":[]}"));
  CHECK_MESSAGE_HAS("scope");
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_oauth_begin(vault, &out, TENANT, ADMIN, "oauth_test", "https://app.example/cb",
                               "{\"scopes\":\"read\"}"));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_oauth_begin(vault, &out, TENANT, ADMIN, "oauth_test", "https://app.example/cb",
                               "{\"name\":5}"));
  EXPECT_STATUS(LV_PERMISSION_DENIED,
                lv_oauth_begin(vault, &out, TENANT, MEMBER, "oauth_test", "https://app.example/cb",
                               NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_oauth_begin(vault, NULL, TENANT, ADMIN, "oauth_test", "https://app.example/cb",
                               NULL));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_oauth_complete(vault, &out, TENANT, ADMIN, "no-such-state", "c",
                                  checking_exchange, &state));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_oauth_complete(vault, &out, TENANT, ADMIN, again, "c", NULL, &state));
  CHECK_MESSAGE_HAS("exchange");
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_oauth_complete(vault, &out, TENANT, ADMIN, NULL, "c", checking_exchange,
                                  &state));
  EXPECT_STATUS(LV_INVALID_ARGUMENT,
                lv_oauth_complete(vault, &out, TENANT, ADMIN, again, NULL, checking_exchange,
                                  &state));
  CHECK(state.calls == 2);
  CHECK(out == NULL);
}

/* ---- rate limits -------------------------------------------------------- */

static void test_rate_limits(lv_vault* vault) {
  char id[64];
  double wait = -1;
  const double nan_value = strtod("nan", NULL);
  const double infinity = strtod("inf", NULL);
  if (!connect_named(vault, TENANT, "rated", FRESH, id)) return;

  /* per_minute 60: the full bucket, then a wait, nothing taken. */
  EXPECT_STATUS(LV_OK, lv_rate_acquire(vault, &wait, TENANT, id, 60));
  CHECK(wait == 0);
  EXPECT_STATUS(LV_OK, lv_rate_acquire(vault, &wait, TENANT, id, 1));
  CHECK(wait > 0 && wait <= 60);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_rate_acquire(vault, &wait, TENANT, id, 61));
  CHECK(wait == 0);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_rate_acquire(vault, &wait, TENANT, id, 0));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_rate_acquire(vault, &wait, TENANT, id, -1));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_rate_acquire(vault, NULL, TENANT, id, 1));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_rate_acquire(vault, &wait, TENANT, NULL, 1));
  EXPECT_STATUS(LV_NOT_FOUND, lv_rate_acquire(vault, &wait, "globex", id, 1));

  /* penalize: nothing granted until the Retry-After has passed. */
  if (!connect_named(vault, TENANT, "penalized", FRESH, id)) return;
  EXPECT_STATUS(LV_OK, lv_rate_penalize(vault, TENANT, id, 0));
  EXPECT_STATUS(LV_OK, lv_rate_acquire(vault, &wait, TENANT, id, 1));
  CHECK(wait == 0);
  EXPECT_STATUS(LV_OK, lv_rate_penalize(vault, TENANT, id, 3600.0005));
  EXPECT_STATUS(LV_OK, lv_rate_acquire(vault, &wait, TENANT, id, 1));
  CHECK(wait > 3000 && wait <= 3600.001);
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_rate_penalize(vault, TENANT, id, -0.5));
  CHECK_MESSAGE_HAS("retry_after_seconds");
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_rate_penalize(vault, TENANT, id, 604800.5));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_rate_penalize(vault, TENANT, id, nan_value));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_rate_penalize(vault, TENANT, id, infinity));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_rate_penalize(vault, TENANT, NULL, 1));
  EXPECT_STATUS(LV_INVALID_ARGUMENT, lv_rate_penalize(NULL, TENANT, id, 1));
  EXPECT_STATUS(LV_NOT_FOUND, lv_rate_penalize(vault, "globex", id, 1));
  EXPECT_STATUS(LV_OK, lv_rate_penalize(vault, TENANT, id, 604800));
}

int main(void) {
  char path[512];
  uint8_t key[32];
  lv_vault* vault = NULL;
  char* out = NULL;
  int i;

  if (!make_directory("linkvault-capi-oauth")) return 2;
  path_in_directory(path, "vault.db");
  for (i = 0; i < 32; ++i) key[i] = (uint8_t)(3 + i * 5);

  EXPECT_STATUS(LV_OK, lv_vault_open(&vault, path, key, sizeof key, 1));
  if (vault != NULL) {
    EXPECT_STATUS(LV_OK, lv_provider_register(vault, &out, PROVIDER_SPEC));
    CHECK_HAS(out, "\"authorize_url\":\"https://auth.example/authorize\"");
    release(&out);
    test_refresh(vault);
    test_refresh_failures(vault);
    test_reply_misuse(vault);
    test_refresh_misuse(vault);
    test_refresh_expiring(vault);
    test_oauth_flow(vault);
    test_rate_limits(vault);
    EXPECT_STATUS(LV_OK, lv_vault_close(vault));
    /* A closed vault: FAILED_PRECONDITION. */
    EXPECT_STATUS(LV_FAILED_PRECONDITION, lv_integration_expiring(vault, &out, TENANT, 900));
    lv_vault_destroy(vault);
  }
  remove_directory();

  printf("%d passed, %d failed\n", checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}
