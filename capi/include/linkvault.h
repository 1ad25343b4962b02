/*
 * linkvault.h — the C ABI of linkvault (liblinkvault_c.so), DESIGN.md §8.
 *
 * Pure C (C89-compatible declarations); usable from C, C++ and any runtime
 * with a C FFI. This header is the whole contract; the Python ctypes binding
 * (bindings/python/linkvault/_native.py) mirrors it.
 *
 * Conventions
 *   - Every function returns an int status, LV_OK (0) or one of the LV_*
 *     codes below (the same numbers as the C++ linkvault::ErrorCode and the
 *     Python exceptions), except lv_version, lv_abi_version, lv_status_name,
 *     lv_last_error_message, lv_string_free, lv_vault_destroy and
 *     lv_record_batch_destroy.
 *   - Outputs come through out-parameters placed first after the handle and
 *     named `out`. `*out` is set to NULL (or 0) on entry, whatever happens,
 *     and is filled only when the call returns LV_OK. A NULL `out` is
 *     LV_INVALID_ARGUMENT.
 *   - Strings the library returns as `char*` are NUL-terminated UTF-8 JSON,
 *     owned by the caller, and must be freed with lv_string_free(), which
 *     wipes them before freeing (revealed credentials travel this way).
 *   - Every `const char*` input must be valid UTF-8 and at most 1 MiB
 *     (LV_MAX_INPUT_BYTES, without the NUL); NULL where the declaration does
 *     not allow it is LV_INVALID_ARGUMENT. The library never keeps a pointer
 *     to an input after the call returns.
 *   - JSON inputs are parsed strictly: malformed JSON, an unknown key, a
 *     duplicate key or a value of the wrong type is LV_INVALID_ARGUMENT, and
 *     the message names the key. A JSON null for an optional key means the
 *     same as leaving the key out.
 *   - Times in JSON are RFC 3339 UTC text ("2026-11-22T03:04:05.678Z") or
 *     null. Input times accept any RFC 3339 offset.
 *   - After a failed call, lv_last_error_message() says what was wrong (it
 *     never contains a secret). It is per thread.
 *
 * Handles
 *   An lv_vault is opaque. The library recognises its own live handles: a
 *   destroyed handle, a pointer that is not a handle, or a handle of the wrong
 *   kind is LV_INVALID_ARGUMENT (never a crash, as long as the memory was not
 *   since handed out again as a new vault). Destroying NULL is a no-op.
 *
 * Threads
 *   A vault handle may be shared by any number of threads; calls on it are
 *   thread-safe. lv_vault_destroy must not race with other calls on the same
 *   handle that the host still expects to succeed (they get
 *   LV_INVALID_ARGUMENT or LV_FAILED_PRECONDITION, but never crash).
 *
 * Callbacks
 *   Host callbacks (tester, refresher, token exchange) take `void* user_data` last and answer
 *   through a reply handle that the library owns and copies from, so no
 *   memory crosses from the host to the library. They run on the calling
 *   thread, outside any database transaction, and may call lv_ functions
 *   (including on the same vault). A callback must return normally: it must
 *   not longjmp out, and a C++ callback must not let an exception escape
 *   (either would skip the library's cleanup and leave secrets in memory).
 */
#ifndef LINKVAULT_H
#define LINKVAULT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LV_API __attribute__((visibility("default")))
#else
#define LV_API
#endif

/* The ABI version this header describes; lv_abi_version() returns the one
 * the loaded library implements. Bumped on any incompatible change. */
#define LV_ABI_VERSION 1

/* The largest accepted `const char*` input, in bytes without the NUL. */
#define LV_MAX_INPUT_BYTES (1024 * 1024)

/* Status codes (DESIGN.md §6). */
#define LV_OK 0
#define LV_INVALID_ARGUMENT 1
#define LV_NOT_FOUND 2
#define LV_ALREADY_EXISTS 3
#define LV_PERMISSION_DENIED 4
#define LV_QUOTA_EXCEEDED 5
#define LV_FAILED_PRECONDITION 6
#define LV_CONFLICT 7
#define LV_WRONG_KEY 8
#define LV_INTEGRITY 9
#define LV_BUSY 10
#define LV_IO 11
#define LV_CANCELLED 12
#define LV_UPSTREAM 13 /* a host callback failed */
#define LV_INTERNAL 14 /* a bug, or out of memory */

/* An open vault file. Opaque; created by lv_vault_open*, freed by
 * lv_vault_destroy. */
typedef struct lv_vault lv_vault;

/* A tester's answer. Opaque, owned by the library, valid only during the
 * tester callback it was passed to. */
typedef struct lv_tester_reply lv_tester_reply;

/* What lv_records_map found in one payload. Opaque; created by
 * lv_records_map, freed by lv_record_batch_destroy. */
typedef struct lv_record_batch lv_record_batch;

/* A refresher's or token exchange's answer. Opaque, owned by the library,
 * valid only during the callback it was passed to. */
typedef struct lv_token_reply lv_token_reply;

/* ---- Library ------------------------------------------------------------ */

/* The library version, e.g. "0.1.0". Static; never free it. */
LV_API const char* lv_version(void);

/* The ABI version the loaded library implements (== LV_ABI_VERSION). */
LV_API int lv_abi_version(void);

/* "OK", "INVALID_ARGUMENT", ... as spelled in DESIGN.md §6; "UNKNOWN" for a
 * number that is not a status. Static; never free it. */
LV_API const char* lv_status_name(int status);

/* What the last failed lv_ call on this thread was about; "" if the last
 * call succeeded. Owned by the library; valid until this thread's next lv_
 * call. Never NULL. */
LV_API const char* lv_last_error_message(void);

/* Wipes then frees a string the library returned. NULL is a no-op. */
LV_API void lv_string_free(char* s);

/* ---- Vault -------------------------------------------------------------- */

/* Opens (create != 0: creates if missing) the vault file at `path` with a
 * 32-byte raw master key. `path` may instead be a PostgreSQL URI
 * ("postgresql://app@/db?host=/run/postgresql"): the vault then lives in
 * that connection's current schema (docs/SEMANTICS.md "PostgreSQL"); an
 * unreachable server is LV_IO, and no message carries the URI's password.
 * A wrong key is LV_WRONG_KEY and leaves the file (or database)
 * unchanged; a key_length other than 32 is LV_INVALID_ARGUMENT. The library
 * copies the key into secure memory; the caller still owns `key`.
 * On LV_OK, *out is a handle the caller frees with lv_vault_destroy. */
LV_API int lv_vault_open(lv_vault** out, const char* path, const uint8_t* key,
                         size_t key_length, int create);

/* As lv_vault_open, with a passphrase stretched by Argon2id (slow on
 * purpose: tens to hundreds of milliseconds). */
LV_API int lv_vault_open_passphrase(lv_vault** out, const char* path,
                                    const char* passphrase, int create);

/* Releases the vault's connections. Later calls on the handle return
 * LV_FAILED_PRECONDITION; the handle must still be destroyed. Idempotent;
 * NULL is LV_OK. */
LV_API int lv_vault_close(lv_vault* vault);

/* Closes the vault if needed and frees the handle. NULL is a no-op; so is a
 * pointer that is not a live handle. */
LV_API void lv_vault_destroy(lv_vault* vault);

/* ---- Integrations ------------------------------------------------------- */

/* actor_json, wherever it appears:
 *   {"user_id":"u-1","user_name":"Alice","role":"admin"|"member"|"system"}
 *   user_id (non-empty) and role are required; user_name is optional.
 * Changes need role admin or system, else LV_PERMISSION_DENIED.
 *
 * Integration JSON (the `char** out` of connect/get/update/disconnect/...):
 *   {"id","tenant","provider","name","account"(str|null),"status",
 *    "credential_mask","scopes"([str]),"expires_at","connected_by",
 *    "connected_at","disconnected_at","last_used_at","last_refreshed_at",
 *    "refresh_count"(int),"last_error"(str|null),"sync_config"(obj|null),
 *    "last_sync_at","last_sync_status"(str|null),"created_at","updated_at"}
 *
 * An integration id that belongs to another tenant is LV_NOT_FOUND, exactly
 * as one that does not exist. */

/* Connects `tenant` to `provider` with credentials_json, a JSON object of
 * string values ({"bot_token":"xoxb-..."}). options_json is NULL or an object
 * with any of: "name" (str, default "default"), "account" (str|null),
 * "scopes" ([str]|null), "expires_at" (RFC 3339|null), "sync_config"
 * (object|null: auto_sync, interval_minutes, direction, conflict_resolution,
 * import_historical). Errors: LV_INVALID_ARGUMENT naming the field,
 * LV_ALREADY_EXISTS, LV_QUOTA_EXCEEDED, LV_PERMISSION_DENIED.
 * *out: the integration; free with lv_string_free. */
LV_API int lv_integration_connect(lv_vault* vault, char** out, const char* tenant,
                                  const char* actor_json, const char* provider,
                                  const char* credentials_json,
                                  const char* options_json);

/* *out: the integration; free with lv_string_free. */
LV_API int lv_integration_get(lv_vault* vault, char** out, const char* tenant,
                              const char* integration_id);

/* *out: the integration with this provider and name (NULL name = "default"),
 * or the text "null" when there is none; free with lv_string_free. */
LV_API int lv_integration_find(lv_vault* vault, char** out, const char* tenant,
                               const char* provider, const char* name);

/* *out: a JSON array of integrations; free with lv_string_free.
 * filter_json is NULL or {"provider":str|null,"status":str|null}. */
LV_API int lv_integration_list(lv_vault* vault, char** out, const char* tenant,
                               const char* filter_json);

/* Replaces the credentials (validated as in connect). options_json is NULL or
 * {"expires_at": RFC 3339|null}. *out: the integration; free with
 * lv_string_free. */
LV_API int lv_integration_update_credentials(lv_vault* vault, char** out,
                                             const char* tenant,
                                             const char* actor_json,
                                             const char* integration_id,
                                             const char* credentials_json,
                                             const char* options_json);

/* *out: the plaintext credentials, {"field":"value",...}. Logged as
 * credentials_revealed. A disconnected integration is
 * LV_FAILED_PRECONDITION. Free *out with lv_string_free (it wipes). */
LV_API int lv_integration_reveal_credentials(lv_vault* vault, char** out,
                                             const char* tenant,
                                             const char* actor_json,
                                             const char* integration_id);

/* A tester checks credentials with the provider. credentials_json is the
 * plaintext credentials object, valid only during the call (the library
 * wipes it afterwards; do not keep it). The tester answers with
 * lv_tester_reply_set and returns 0. Not setting the reply, or returning
 * non-zero, counts as a failed test. */
typedef int (*lv_tester_fn)(lv_tester_reply* reply, const char* credentials_json,
                            void* user_data);

/* Records the tester's answer: success != 0 for a pass, and a message (NULL
 * for none; UTF-8, at most 1 MiB; never a secret: it is stored as the
 * integration's last_error and in the activity log). The library copies the
 * message. Calling it again replaces the answer. */
LV_API int lv_tester_reply_set(lv_tester_reply* reply, int success,
                               const char* message);

/* Runs `tester` on the integration's credentials and records the outcome
 * (test_success, or test_failed with status error). The call succeeds
 * whether the test passed or failed; *out is {"success":bool,"message":str};
 * free with lv_string_free. A disconnected integration is
 * LV_FAILED_PRECONDITION. */
LV_API int lv_integration_test(lv_vault* vault, char** out, const char* tenant,
                               const char* actor_json,
                               const char* integration_id, lv_tester_fn tester,
                               void* user_data);

/* Wipes the credentials and marks the integration disconnected (its row and
 * history stay). *out: the integration; free with lv_string_free. */
LV_API int lv_integration_disconnect(lv_vault* vault, char** out,
                                     const char* tenant, const char* actor_json,
                                     const char* integration_id);

/* Sets status error with `message` as last_error. *out: the integration;
 * free with lv_string_free. */
LV_API int lv_integration_mark_error(lv_vault* vault, char** out,
                                     const char* tenant, const char* actor_json,
                                     const char* integration_id,
                                     const char* message);

/* ---- Tenants ------------------------------------------------------------ */

/* Limits the tenant's integrations that are not disconnected;
 * max_integrations < 0 removes the limit. */
LV_API int lv_tenant_set_quota(lv_vault* vault, const char* tenant,
                               const char* actor_json, int64_t max_integrations);

/* *out: the tenant's limit, or -1 when there is none. */
LV_API int lv_tenant_get_quota(lv_vault* vault, int64_t* out, const char* tenant);

/* Destroys the tenant's keys and deletes its integrations, jobs and activity.
 * *out: {"integrations":n,"activity":n,"jobs":n,"keys":n}; free with
 * lv_string_free. */
LV_API int lv_tenant_purge(lv_vault* vault, char** out, const char* actor_json,
                           const char* tenant);

/* ---- Activity ----------------------------------------------------------- */

/* The tenant's activity, newest first: of one integration, or of the whole
 * tenant when integration_id is NULL. limit is 1..1000; before is NULL or an
 * entry id (only older entries). *out: a JSON array of
 *   {"id","tenant","integration_id"(str|null),"action","user_id","user_name",
 *    "details"(object),"created_at","sequence"(int)}
 * free with lv_string_free. */
LV_API int lv_activity_list(lv_vault* vault, char** out, const char* tenant,
                            const char* integration_id, int limit,
                            const char* before);

/* ---- Providers and audit ------------------------------------------------ */

/* *out: a JSON array of provider specs
 *   {"key","name","auth_type","credential_fields":[{"name","label","type",
 *    "required","placeholder"}],"scopes","rate_limits","features"}
 * free with lv_string_free. */
LV_API int lv_provider_list(lv_vault* vault, char** out);

/* Stores a provider in the vault file, where every process and handle that
 * opens the file sees it. Registering the same spec again (compared after
 * parsing: whitespace and key order do not count) is LV_OK and changes
 * nothing. A built-in key, or a key stored with a different spec, is
 * LV_ALREADY_EXISTS. *out: the spec as stored; free with lv_string_free. */
LV_API int lv_provider_register(lv_vault* vault, char** out, const char* spec_json);

/* lv_provider_register, except that a key stored with a different spec gets
 * this spec instead (integrations of that provider stay; later calls check
 * their credentials against the new spec). A built-in key is still
 * LV_ALREADY_EXISTS. */
LV_API int lv_provider_register_replace(lv_vault* vault, char** out, const char* spec_json);

/* Checks every tenant's activity chain. *out:
 * {"checked":n,"ok":bool,"first_bad":null|"entry id"}; free with
 * lv_string_free. A broken chain is reported here, not as an error status. */
LV_API int lv_audit_verify(lv_vault* vault, char** out);

/* Audit anchors. Anyone who can write the vault's -wal file can roll back
 * every commit since the last checkpoint without the key, and the shorter
 * chain still verifies: nothing inside the file can tell it from a torn
 * write (docs/SEMANTICS.md, "Rollback through the -wal, and audit anchors").
 * The defence is a copy of each tenant's chain head kept outside the vault:
 *   {"<tenant id>": {"sequence": n, "mac": "<64 lowercase hex digits>"}, ...}
 * A host must drop a tenant's anchor when it purges that tenant. */

/* *out: every tenant's chain head, in the anchors JSON above (tenants with no
 * entry are left out; {} for none), read in one transaction; free with
 * lv_string_free. */
LV_API int lv_audit_heads(lv_vault* vault, char** out);

/* As lv_audit_verify, and besides: each anchored tenant's chain must reach
 * the anchor's sequence and hold the anchor's mac there. If not, "ok" is
 * false and "first_bad" is the entry id at that sequence, or the tenant id
 * when the chain is shorter (rolled back, or the tenant is gone). Tenants
 * without an anchor are checked as by lv_audit_verify. anchors_json is
 * exactly what lv_audit_heads returns (or a part of it): an object whose
 * members have both keys, "sequence" an integer >= 1, "mac" 64 lowercase hex
 * digits, tenant ids 1..128 bytes; anything else, or a duplicate tenant, is
 * LV_INVALID_ARGUMENT naming the tenant and key. *out: the report, as
 * lv_audit_verify's; free with lv_string_free. */
LV_API int lv_audit_verify_anchored(lv_vault* vault, char** out,
                                    const char* anchors_json);

/* ---- Sync jobs ---------------------------------------------------------- */

/* Job JSON (the `char** out` of the job functions):
 *   {"id","tenant","integration_id","type","status","config"(object),
 *    "progress_percent"(int),"records_processed"(int),
 *    "records_total"(int|null),"attempt"(int),"max_attempts"(int),
 *    "retry_base_seconds"(int),"run_after","worker_id"(str|null),
 *    "lease_until"(time|null),"cancel_requested"(bool),"error"(str|null),
 *    "outcome"(str|null),"summary"(object|null),"created_at",
 *    "started_at"(time|null),"completed_at"(time|null),"updated_at"}
 * type is "full_import" | "incremental_sync" | "export" |
 * "field_mapping_update"; status "pending" | "running" | "completed" |
 * "failed" | "cancelled"; outcome "success" | "partial" | "failed".
 * The rules are in docs/SEMANTICS.md, "Sync jobs". A job id that belongs to
 * another tenant is LV_NOT_FOUND. */

/* Queues a job of `type` on a connected integration (else
 * LV_FAILED_PRECONDITION); LV_CONFLICT while the integration has a pending or
 * running job. options_json is NULL or an object with any of: "config"
 * (object|null, at most 64 KiB), "max_attempts" (1..20, default 3),
 * "retry_base_seconds" (0..3600, default 30). Logs sync_queued.
 * *out: the job; free with lv_string_free. */
LV_API int lv_sync_enqueue(lv_vault* vault, char** out, const char* tenant,
                           const char* actor_json, const char* integration_id,
                           const char* type, const char* options_json);

/* *out: the job; free with lv_string_free. */
LV_API int lv_job_get(lv_vault* vault, char** out, const char* tenant,
                      const char* job_id);

/* The tenant's jobs, newest first. filter_json is NULL or an object with any
 * of: "integration_id" (str|null), "status" (str|null), "limit" (1..1000,
 * default 50), "before" (a job id|null: only older jobs). *out: a JSON array
 * of jobs; free with lv_string_free. */
LV_API int lv_job_list(lv_vault* vault, char** out, const char* tenant,
                       const char* filter_json);

/* A pending job is cancelled at once (logs sync_cancelled); a running one
 * gets cancel_requested. A finished job is LV_FAILED_PRECONDITION.
 * *out: the job; free with lv_string_free. */
LV_API int lv_job_cancel(lv_vault* vault, char** out, const char* tenant,
                         const char* actor_json, const char* job_id);

/* Workers. worker_id (1..128 bytes, no control characters) names one
 * worker; two workers must never share one at the same time. */

/* Recovers expired leases, then gives the oldest due pending job to this
 * worker under a lease and logs sync_started. options_json is NULL or an
 * object with any of: "lease_seconds" (number, 0.001..86400, default 30),
 * "types" ([type]|null: any). *out: the job, or the text "null" when nothing
 * is due; free with lv_string_free. */
LV_API int lv_job_claim(lv_vault* vault, char** out, const char* worker_id,
                        const char* options_json);

/* The holder reports progress and renews its lease. progress_json is NULL or
 * an object with any of: "processed" (int >= 0), "total" (int >= processed),
 * "lease_seconds" (number|null: the claim's lease length). A job that is not
 * running is LV_FAILED_PRECONDITION; one another worker holds is
 * LV_CONFLICT. If cancel was requested the job becomes cancelled and the call
 * returns LV_CANCELLED (*out stays NULL). *out: the job; free with
 * lv_string_free. */
LV_API int lv_job_heartbeat(lv_vault* vault, char** out, const char* job_id,
                            const char* worker_id, const char* progress_json);

/* The holder completes the job. outcome is NULL ("success"), "success" or
 * "partial"; summary_json NULL or a JSON object (at most 64 KiB). Sets the
 * integration's last_sync_at and last_sync_status; logs sync_completed.
 * *out: the job; free with lv_string_free. */
LV_API int lv_job_complete(lv_vault* vault, char** out, const char* job_id,
                           const char* worker_id, const char* outcome,
                           const char* summary_json);

/* The holder reports a failure (`error`: 1..4096 bytes without control
 * characters; it is kept on the job and logged, so never a secret).
 * retryable != 0 with attempts left: back to pending, due after an
 * exponential backoff; otherwise failed (logs sync_failed). *out: the job;
 * free with lv_string_free. */
LV_API int lv_job_fail(lv_vault* vault, char** out, const char* job_id,
                       const char* worker_id, const char* error,
                       int retryable);

/* Recovers every running job whose lease has passed. *out: how many. */
LV_API int lv_job_recover_expired(lv_vault* vault, int64_t* out);

/* Queues an incremental_sync for every connected integration whose
 * sync_config has auto_sync and that is due. *out: a JSON array of the new
 * jobs; free with lv_string_free. */
LV_API int lv_sync_schedule_due(lv_vault* vault, char** out);

/* ---- OAuth: token refresh, PKCE, rate limits ---------------------------- */

/* The rules are in docs/SEMANTICS.md, "OAuth".
 *
 * tokens_json, what a refresher or token exchange answers (an object):
 *   {"access_token": str (required, non-empty),
 *    "refresh_token": str (non-empty)|null (absent or null: keep the stored one),
 *    "expires_in": int seconds|null (0..315360000; wins over expires_at),
 *    "expires_at": RFC 3339|null}
 * Other keys (token_type, scope, id_token, ...) are ignored, so a token
 * endpoint's response can be passed through as it came. Neither expiry key:
 * the new token does not expire. */

/* Connected integrations whose token expires within `within_seconds`
 * (0..31536000) from now, expired ones included, soonest first. *out: a JSON
 * array of integrations; free with lv_string_free. */
LV_API int lv_integration_expiring(lv_vault* vault, char** out, const char* tenant,
                                   int64_t within_seconds);

/* A refresher calls the provider's token endpoint. provider is the
 * integration's provider key; credentials_json its plaintext credentials
 * (valid only during the call; wiped afterwards). It answers with
 * lv_token_reply_set (success) or lv_token_reply_fail, and returns 0. No
 * answer, or a non-zero return, is a transient failure. */
typedef int (*lv_refresher_fn)(lv_token_reply* reply, const char* provider,
                               const char* credentials_json, void* user_data);

/* A token exchange trades an authorization code for tokens. request_json is
 * {"code","code_verifier","redirect_uri","client_id",
 *  "client_secret"(str|null),"token_url"(str|null)}, valid only during the
 * call (wiped afterwards). It answers like a refresher. */
typedef int (*lv_exchange_fn)(lv_token_reply* reply, const char* request_json,
                              void* user_data);

/* Records a successful answer: tokens_json as above (the library copies it
 * and wipes its copy). A malformed answer is LV_INVALID_ARGUMENT and leaves
 * the reply as it was. Calling it again replaces the answer. */
LV_API int lv_token_reply_set(lv_token_reply* reply, const char* tokens_json);

/* Records a failure: permanent != 0 when the provider refused for good (a
 * revoked grant: the integration goes to error at once), else transient.
 * message (NULL for none; at most 4096 bytes kept) is stored redacted as
 * last_error and in the activity log. */
LV_API int lv_token_reply_fail(lv_token_reply* reply, int permanent, const char* message);

/* The integration's credentials, refreshed first through `refresher` when
 * the token expires within the margin (or when forced). One refresher call
 * per integration at a time across threads and processes; the others wait
 * and get its result. options_json is NULL or an object with any of:
 * "margin_seconds" (int, 0..31536000, default 900), "force" (bool),
 * "lease_seconds" (number, 1..3600, default 30), "max_wait_seconds" (number,
 * 0..86400, default 60). A failed refresh is LV_UPSTREAM (logged
 * token_refresh_failed); waiting longer than max_wait is LV_BUSY.
 * *out: the plaintext credentials; free with lv_string_free (it wipes). */
LV_API int lv_integration_valid_credentials(lv_vault* vault, char** out,
                                            const char* tenant, const char* actor_json,
                                            const char* integration_id,
                                            const char* options_json,
                                            lv_refresher_fn refresher, void* user_data);

/* Refreshes, as the system actor, every connected integration of every
 * tenant whose token expires within the window and whose provider is listed.
 * options_json is NULL or an object with any of: "within_seconds" (int,
 * 0..31536000, default 900), "providers" ([provider key]: those `refresher`
 * serves; absent or null: every provider). *out:
 * {"refreshed":int,"failed":int,"skipped":int}; free with lv_string_free. */
LV_API int lv_refresh_expiring(lv_vault* vault, char** out, const char* options_json,
                               lv_refresher_fn refresher, void* user_data);

/* Stores (or replaces) the host's OAuth client for an oauth2 provider.
 * client_id: 1..512 bytes without control characters; client_secret: NULL
 * for none, else sealed in the vault. */
LV_API int lv_oauth_client_configure(lv_vault* vault, const char* provider,
                                     const char* client_id, const char* client_secret);

/* Starts the authorization-code flow with PKCE (S256). redirect_uri: an
 * absolute https:// URL, or http:// to a loopback host (RFC 8252), without a
 * fragment. options_json is NULL or an object with any of: "name" (str,
 * default "default"), "scopes" ([str]|null: the provider's defaults).
 * *out: {"authorization_url":str,"state":str,"integration_id":str}; free
 * with lv_string_free. */
LV_API int lv_oauth_begin(lv_vault* vault, char** out, const char* tenant,
                          const char* actor_json, const char* provider,
                          const char* redirect_uri, const char* options_json);

/* Finishes the flow with the state and code the provider sent back. An
 * unknown, expired, used or other tenant's state is LV_INVALID_ARGUMENT and
 * changes nothing. A failed exchange is LV_UPSTREAM (the integration goes to
 * error). *out: the integration; free with lv_string_free. */
LV_API int lv_oauth_complete(lv_vault* vault, char** out, const char* tenant,
                             const char* actor_json, const char* state, const char* code,
                             lv_exchange_fn exchange, void* user_data);

/* Takes `cost` (1..1000000) requests from the integration's rate-limit
 * buckets: *out = 0 when granted, else the seconds to wait (nothing taken).
 * Never sleeps. */
LV_API int lv_rate_acquire(lv_vault* vault, double* out, const char* tenant,
                           const char* integration_id, int64_t cost);

/* The provider said 429 / Retry-After: nothing is granted for
 * retry_after_seconds (0..604800) from now. */
LV_API int lv_rate_penalize(lv_vault* vault, const char* tenant,
                            const char* integration_id, double retry_after_seconds);

/* ---- Records ------------------------------------------------------------ */

/* The record path (docs/SEMANTICS.md, "Records"). A field mapping rule is
 * {"target":str,"source":str (a JSON Pointer),"transform":[str],
 *  "required":bool,"default":any}; transforms are "trim", "lower", "upper",
 * "digits", "date", "number", "boolean", "string". */

/* The largest payload lv_records_map accepts, in bytes. */
#define LV_MAX_RECORD_PAYLOAD_BYTES (256u * 1024u * 1024u)

/* Sets the integration's own mappings: rules_json is a JSON array of at most
 * 256 rules, validated (LV_INVALID_ARGUMENT naming the rule); [] removes
 * them, so the provider's defaults apply again. */
LV_API int lv_field_mappings_set(lv_vault* vault, const char* tenant, const char* actor_json,
                                 const char* integration_id, const char* rules_json);

/* *out: the integration's rules, else its provider's defaults (a JSON
 * array, maybe empty); free with lv_string_free. */
LV_API int lv_field_mappings_get(lv_vault* vault, char** out, const char* tenant,
                                 const char* integration_id);

/* Maps the records of `payload` (payload_len bytes of the provider's JSON,
 * UTF-8, at most LV_MAX_RECORD_PAYLOAD_BYTES, no NUL needed) and compares
 * them with what was committed. options_json is NULL or an object with any
 * of: "records_at" (str, a JSON Pointer to the array, default ""),
 * "id_at" (str, default "/id"), "job_id" and "worker_id" (str|null, both or
 * neither). Malformed JSON is LV_INVALID_ARGUMENT with the byte offset.
 * *out: the batch; free with lv_record_batch_destroy. */
LV_API int lv_records_map(lv_vault* vault, lv_record_batch** out, const char* tenant,
                          const char* integration_id, const uint8_t* payload,
                          size_t payload_len, const char* options_json);

/* *out: {"integration_id":str,"job_id":str|null,"worker_id":str|null,
 * "changed":[{"external_id":str,"action":"created"|"updated","record":{...}}],
 * "counts":{"created":int,"updated":int,"unchanged":int,"failed":int},
 * "errors":[{"index":int,"external_id":str|null,"field":str,"message":str}]}
 * (the first 100 errors). Free with lv_string_free. */
LV_API int lv_record_batch_json(const lv_record_batch* batch, char** out);

/* Remembers the batch's records: the host stored them. With a job: only
 * while its worker still holds the job (else LV_CONFLICT, nothing changes);
 * the job's progress and summary counts move with it. The batch stays
 * valid (committing it again is harmless). */
LV_API int lv_records_commit(lv_vault* vault, const char* tenant, const lv_record_batch* batch);

/* After the full_import job `job_id` of the integration completed with
 * outcome success (else LV_FAILED_PRECONDITION): *out is the JSON array of
 * external ids it did not see, now forgotten; free with lv_string_free. */
LV_API int lv_records_finish_full_sync(lv_vault* vault, char** out, const char* tenant,
                                       const char* integration_id, const char* job_id);

/* Frees a batch; NULL is a no-op. */
LV_API void lv_record_batch_destroy(lv_record_batch* batch);

#ifdef __cplusplus
}
#endif

#endif /* LINKVAULT_H */
