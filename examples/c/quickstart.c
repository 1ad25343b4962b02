/* linkvault C quickstart: open a vault, connect a provider, run a sync job
 * through it as a worker would, import a page of CRM clients inside a job,
 * test it with a (fake) tester, reveal, disconnect, print the activity,
 * verify the audit.
 *
 *   quickstart_c [vault-path]        (default ./linkvault-quickstart-c.vault)
 *
 * Every lv_ call returns a status; records come back as JSON text that the
 * caller frees with lv_string_free. */
#include <linkvault.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints the failure and jumps to cleanup. */
#define CHECK(call)                                                         \
  do {                                                                      \
    int status_ = (call);                                                   \
    if (status_ != LV_OK) {                                                 \
      fprintf(stderr, "%s failed: %s: %s\n", #call, lv_status_name(status_), \
              lv_last_error_message());                                     \
      goto cleanup;                                                         \
    }                                                                       \
  } while (0)

/* The host's check of the credentials against the provider; here a fake
 * that accepts any Slack bot token. */
static int fake_tester(lv_tester_reply* reply, const char* credentials_json, void* user_data) {
  (void)user_data;
  if (strstr(credentials_json, "\"xoxb-") != NULL) {
    return lv_tester_reply_set(reply, 1, "auth.test ok");
  }
  return lv_tester_reply_set(reply, 0, "not a bot token");
}

/* Pulls the "id" value out of an integration JSON record (a real host would
 * use its JSON library). */
static void copy_id(const char* json, char* id, size_t size) {
  const char* start = strstr(json, "\"id\":\"");
  size_t length = 0;
  id[0] = '\0';
  if (start == NULL) return;
  start += 6;
  while (start[length] != '"' && length + 1 < size) ++length;
  memcpy(id, start, length);
  id[length] = '\0';
}

/* The integer value of "key" in a JSON record, or -1. */
static long json_integer(const char* json, const char* key) {
  char pattern[64];
  const char* at;
  sprintf(pattern, "\"%s\":", key);
  at = strstr(json, pattern);
  return at != NULL ? strtol(at + strlen(pattern), NULL, 10) : -1;
}

/* A page of clients as HoneyBook's API returns them (a real worker fetches
 * it over HTTP). The catalog's HoneyBook carries default mappings for them. */
static const char CRM_PAGE[] =
    "{\"data\":["
    "{\"id\":101,\"first_name\":\"Ada\",\"last_name\":\"Lovelace\",\"email\":\" Ada@Example.com\","
    "\"phone\":\"+44 20 7946 0101\",\"project\":{\"event_date\":\"2026-09-12T16:00:00Z\"}},"
    "{\"id\":102,\"first_name\":\"Grace\",\"last_name\":\"Hopper\",\"email\":\"grace@example.com\"},"
    "{\"id\":103,\"first_name\":\"Alan\",\"last_name\":\"Turing\",\"email\":\"alan@example.com\"},"
    "{\"id\":104,\"first_name\":\"Edsger\",\"last_name\":\"Dijkstra\",\"email\":\"EWD@example.com\"},"
    "{\"id\":105,\"first_name\":\"Barbara\",\"last_name\":\"Liskov\",\"email\":\"barbara@example.com\","
    "\"project\":{\"event_date\":\"20261121\",\"venue\":\"City Hall\"}}]}";

/* Prints the counts of a batch's or a job summary's JSON. */
static void print_counts(const char* what, const char* json) {
  printf("%s: created %ld, updated %ld, unchanged %ld\n", what, json_integer(json, "created"),
         json_integer(json, "updated"), json_integer(json, "unchanged"));
}

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "linkvault-quickstart-c.vault";
  /* A real host keeps its 32-byte master key in a secret manager. This fixed
   * key is for the demo only. */
  uint8_t key[32];
  const char* admin = "{\"user_id\":\"u-1\",\"user_name\":\"Alice\",\"role\":\"admin\"}";
  lv_vault* vault = NULL;
  char* json = NULL;
  char id[64];
  char job_id[64];
  char progress[64];
  char crm_id[64];
  char options[160];
  lv_record_batch* batch = NULL;
  int processed;
  int exit_code = 1;

  memset(key, 0x42, sizeof key);
  remove(path); /* a fresh demo every run */
  printf("linkvault %s (C ABI %d)\n", lv_version(), lv_abi_version());
  CHECK(lv_vault_open(&vault, path, key, sizeof key, 1));

  CHECK(lv_integration_connect(vault, &json, "acme", admin, "slack",
                               "{\"bot_token\":\"xoxb-demo-0000-1111-2222\"}",
                               "{\"account\":\"#general @ acme\"}"));
  copy_id(json, id, sizeof id);
  printf("connected: %s\n", json);
  lv_string_free(json);
  json = NULL;

  /* A sync job: the host queues it; a worker (any thread or process that
   * opens the vault) claims it under a lease, reports progress, which renews
   * the lease, and completes it. A heartbeat returns LV_CANCELLED once
   * someone cancelled the job: the worker then stops. */
  CHECK(lv_sync_enqueue(vault, &json, "acme", admin, id, "full_import",
                        "{\"config\":{\"channels\":[\"#general\"]}}"));
  lv_string_free(json);
  json = NULL;
  CHECK(lv_job_claim(vault, &json, "worker-1", "{\"lease_seconds\":30}"));
  copy_id(json, job_id, sizeof job_id); /* json is "null" when nothing is due */
  lv_string_free(json);
  json = NULL;
  for (processed = 0; processed <= 300; processed += 100) {
    sprintf(progress, "{\"processed\":%d,\"total\":300}", processed);
    CHECK(lv_job_heartbeat(vault, &json, job_id, "worker-1", progress));
    printf("sync progress: %ld%%\n", json_integer(json, "progress_percent"));
    lv_string_free(json);
    json = NULL;
  }
  CHECK(lv_job_complete(vault, &json, job_id, "worker-1", "success",
                        "{\"messages_imported\":300}"));
  printf("sync job: %s\n", json);
  lv_string_free(json);
  json = NULL;

  /* A CRM import: the worker maps a page of the provider's clients into the
   * host's fields, stores the changed ones, and commits the batch inside the
   * job, which counts them. Mapping the same page again finds nothing new. */
  CHECK(lv_integration_connect(vault, &json, "acme", admin, "honeybook",
                               "{\"access_token\":\"hb-demo-access-token\"}", NULL));
  copy_id(json, crm_id, sizeof crm_id);
  lv_string_free(json);
  json = NULL;
  CHECK(lv_sync_enqueue(vault, &json, "acme", admin, crm_id, "full_import", NULL));
  lv_string_free(json);
  json = NULL;
  CHECK(lv_job_claim(vault, &json, "worker-1", NULL));
  copy_id(json, job_id, sizeof job_id);
  lv_string_free(json);
  json = NULL;
  CHECK(lv_job_heartbeat(vault, &json, job_id, "worker-1", "{\"total\":5}"));
  lv_string_free(json);
  json = NULL;
  sprintf(options, "{\"records_at\":\"/data\",\"job_id\":\"%s\",\"worker_id\":\"worker-1\"}",
          job_id);
  CHECK(lv_records_map(vault, &batch, "acme", crm_id, (const uint8_t*)CRM_PAGE,
                       strlen(CRM_PAGE), options));
  CHECK(lv_record_batch_json(batch, &json));
  print_counts("mapped a page of clients", json); /* a real host upserts "changed" */
  lv_string_free(json);
  json = NULL;
  CHECK(lv_records_commit(vault, "acme", batch));
  lv_record_batch_destroy(batch);
  batch = NULL;
  CHECK(lv_job_heartbeat(vault, &json, job_id, "worker-1", NULL));
  printf("import progress: %ld%%\n", json_integer(json, "progress_percent"));
  lv_string_free(json);
  json = NULL;
  CHECK(lv_job_complete(vault, &json, job_id, "worker-1", NULL, NULL));
  print_counts("import job", json);
  lv_string_free(json);
  json = NULL;
  CHECK(lv_records_map(vault, &batch, "acme", crm_id, (const uint8_t*)CRM_PAGE,
                       strlen(CRM_PAGE), "{\"records_at\":\"/data\"}"));
  CHECK(lv_record_batch_json(batch, &json));
  print_counts("the same page again", json);
  lv_string_free(json);
  json = NULL;
  lv_record_batch_destroy(batch);
  batch = NULL;

  CHECK(lv_integration_test(vault, &json, "acme", admin, id, fake_tester, NULL));
  printf("test: %s\n", json);
  lv_string_free(json);
  json = NULL;

  CHECK(lv_integration_reveal_credentials(vault, &json, "acme", admin, id));
  printf("revealed %u bytes of credentials (not printed)\n", (unsigned)strlen(json));
  lv_string_free(json); /* wipes the plaintext before freeing */
  json = NULL;

  CHECK(lv_integration_disconnect(vault, &json, "acme", admin, id));
  lv_string_free(json);
  json = NULL;

  CHECK(lv_activity_list(vault, &json, "acme", id, 50, NULL));
  printf("activity, newest first: %s\n", json);
  lv_string_free(json);
  json = NULL;

  CHECK(lv_audit_verify(vault, &json));
  printf("audit: %s\n", json);
  exit_code = strstr(json, "\"ok\":true") != NULL ? 0 : 1;

cleanup:
  lv_record_batch_destroy(batch);
  lv_string_free(json);
  lv_vault_destroy(vault);
  return exit_code;
}
