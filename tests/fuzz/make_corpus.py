#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/corpus/<target>/: a few valid and
nearly-valid inputs per target. The files are committed; run this again
after changing a seed (it replaces the seeds it knows by name and leaves
others, such as minimized crash inputs, alone)."""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def selected(mode, text):
    return bytes([mode]) + (text.encode() if isinstance(text, str) else text)


ACTOR = '{"user_id":"u-1","user_name":"Alice","role":"admin"}'
SYNC = ('{"auto_sync":true,"interval_minutes":30,"direction":"bidirectional",'
        '"conflict_resolution":"manual_review","import_historical":false}')
OPTIONS = ('{"name":"work","account":"a@example.com","scopes":["chat:write"],'
           '"expires_at":"2030-01-02T03:04:05.678+02:00","sync_config":' + SYNC + '}')

# ---- C ABI ----------------------------------------------------------------
connect = {
    "creds_slack": selected(0, '{"bot_token":"xoxb-1","signing_secret":"s\\u00e9"}'),
    "creds_missing": selected(0, '{"signing_secret":"s"}'),
    "creds_dup": selected(0, '{"bot_token":"a","bot_token":"b"}'),
    "creds_lightblue": selected(1, '{"username":"u@example.com","password":"p"}'),
    "creds_extra": selected(1, '{"username":"u","password":"p","x":"y"}'),
    "options": selected(2, OPTIONS),
    "options_nulls": selected(2, '{"name":null,"account":null,"scopes":null,'
                                 '"expires_at":null,"sync_config":null}'),
    "options_bad_time": selected(2, '{"expires_at":"9999-12-31T23:59:60Z"}'),
    "actor": selected(3, ACTOR),
    "actor_member": selected(3, '{"user_id":"u-2","role":"member"}'),
    "provider": selected(4, "lightblue"),
    "tenant": selected(5, "tenant-\u00e9"),
    "tenant_bad_utf8": selected(5, b"t\xc3"),
}
for name, data in connect.items():
    write("fuzz_capi_connect", name, data)

update = {
    "creds": selected(0, '{"bot_token":"xoxb-2"}'),
    "creds_not_string": selected(0, '{"bot_token":1}'),
    "options": selected(1, '{"expires_at":"2031-05-06T07:08:09Z"}'),
    "options_unknown": selected(1, '{"name":"x"}'),
    "actor": selected(2, '{"user_id":"system","role":"system"}'),
    "id": selected(3, "0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b"),
    "tenant": selected(4, "fuzz-update"),
}
for name, data in update.items():
    write("fuzz_capi_update", name, data)

listing = {
    "filter": selected(0, '{"provider":"slack","status":"active"}'),
    "filter_status": selected(0, '{"status":"disconnected"}'),
    "filter_nulls": selected(0, '{"provider":null,"status":null}'),
    "filter_bad": selected(0, '{"status":"sleeping"}'),
    "tenant": selected(1, "fuzz-list"),
}
for name, data in listing.items():
    write("fuzz_capi_list", name, data)

with open(os.path.join(HERE, "..", "..", "src", "vault", "builtin_providers.json")) as f:
    builtin = json.load(f)
spec = dict(builtin[0], key="fuzzed_provider")
write("fuzz_capi_provider", "spec", json.dumps(spec))
write("fuzz_capi_provider", "spec_basic", json.dumps(dict(builtin[2], key="basic_one")))
write("fuzz_capi_provider", "spec_taken", json.dumps(builtin[0]))
write("fuzz_capi_provider", "spec_minimal",
      '{"key":"k","name":"K","auth_type":"api_key","credential_fields":'
      '[{"name":"api_key","label":"Key","type":"secret","required":true,"placeholder":""}],'
      '"scopes":[],"rate_limits":{},"features":[]}')

reads = {
    "get": selected(0, "0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b"),
    "find_provider": selected(1, "slack"),
    "find_name": selected(2, "default"),
    "get_quota": selected(3, "fuzz-reads"),
    "activity_integration": selected(4, b"\x0a0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b"),
    "activity_before": selected(5, "0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b"),
    "status_name": selected(6, struct.pack("<i", 9)),
    "open_key": selected(7, bytes(range(32))),
    "open_key_short": selected(7, bytes(range(31))),
    "passphrase": selected(8, "correct horse"),
    "get_tenant": selected(9, "fuzz-reads"),
}
for name, data in reads.items():
    write("fuzz_capi_reads", name, data)

writes = {
    "reveal": selected(0, ACTOR),
    "test_actor": selected(1, '{"user_id":"u","role":"system"}'),
    "test_message": selected(2, "token expired"),
    "disconnect": selected(3, ACTOR),
    "mark_error_actor": selected(4, '{"user_id":"u","role":"member"}'),
    "mark_error_message": selected(5, "rate limited \u2603"),
    "quota_actor": selected(6, ACTOR),
    "quota_tenant": selected(7, "other-tenant"),
    "purge_actor": selected(8, ACTOR),
    "purge_tenant": selected(9, "fuzz-writes"),
}
for name, data in writes.items():
    write("fuzz_capi_writes", name, data)

jobs = {
    "enqueue_options": selected(0, '{"config":{"since":"2026-01-01","folders":[1,2]},'
                                   '"max_attempts":20,"retry_base_seconds":0}'),
    "enqueue_options_nulls": selected(0, '{"config":null,"max_attempts":null,"retry_base_seconds":null}'),
    "enqueue_options_range": selected(0, '{"max_attempts":4294967297}'),
    "enqueue_type": selected(1, "incremental_sync"),
    "enqueue_type_unknown": selected(1, "backup"),
    "enqueue_actor": selected(2, '{"user_id":"svc","role":"system"}'),
    "list_filter": selected(3, '{"integration_id":null,"status":"cancelled","limit":1000,"before":null}'),
    "list_filter_bad": selected(3, '{"status":"asleep","limit":0}'),
    "claim_options": selected(4, '{"lease_seconds":0.25,"types":["full_import","export"]}'),
    "claim_options_other_type": selected(4, '{"types":["field_mapping_update"]}'),
    "claim_options_lease": selected(4, '{"lease_seconds":1e300}'),
    "claim_worker": selected(5, "worker-\u00e9"),
    "heartbeat_progress": selected(6, '{"processed":10,"total":40,"lease_seconds":60}'),
    "heartbeat_progress_over": selected(6, '{"processed":41,"total":40}'),
    "heartbeat_worker": selected(7, "fuzz-worker"),
    "heartbeat_worker_other": selected(7, "fuzz-worker-2"),
    "complete_outcome": selected(8, "partial"),
    "complete_outcome_failed": selected(8, "failed"),
    "complete_summary": selected(9, '{"imported":40,"notes":["ok",{"deep":[null,true]}]}'),
    "complete_summary_array": selected(9, '[1,2]'),
    "fail_error": selected(10, "HTTP 503 from upstream"),
    "job_id": selected(11, "0190b0a0-0000-7000-8000-000000000000"),
}
for name, data in jobs.items():
    write("fuzz_capi_jobs", name, data)

oauth = {
    "refresh_tokens": selected(0, '{"access_token":"ya29.a0\\/b","refresh_token":"1\\/\\/0g",'
                                  '"expires_in":3599,"token_type":"Bearer","scope":"read write",'
                                  '"id_token":"eyJ\\u0041","extra":{"n":[1,2.5e3,true,null]}}'),
    "refresh_tokens_nulls": selected(0, '{"access_token":"t","refresh_token":null,'
                                        '"expires_in":null,"expires_at":null}'),
    "refresh_tokens_at": selected(0, '{"access_token":"t","expires_at":"2031-05-06T07:08:09+02:00"}'),
    "refresh_tokens_bad": selected(0, '{"access_token":"t","expires_in":315360001}'),
    "refresh_tokens_dup": selected(0, '{"access_token":"t","access_token":"u"}'),
    "exchange_tokens": selected(1, '{"access_token":"granted","refresh_token":"r","expires_in":60}'),
    "exchange_tokens_empty": selected(1, '{"access_token":""}'),
    "refresh_options": selected(2, '{"margin_seconds":31536000,"force":false,'
                                   '"lease_seconds":1.5,"max_wait_seconds":0}'),
    "refresh_options_bad": selected(2, '{"lease_seconds":0.5}'),
    "sweep_options": selected(3, '{"within_seconds":60,"providers":["fuzz_oauth","slack"]}'),
    "sweep_options_null": selected(3, '{"within_seconds":null,"providers":null}'),
    "begin_options": selected(4, '{"name":"work","scopes":["read","write all","a&b=c"]}'),
    "begin_options_bad": selected(4, '{"scopes":"read"}'),
    "begin_redirect": selected(5, "http://127.0.0.1:8080/callback?x=1"),
    "begin_redirect_fragment": selected(5, "https://app.example/cb#frag"),
    "penalize": selected(6, struct.pack("<d", 1.5)),
    "penalize_nan": selected(6, struct.pack("<d", float("nan"))),
    "penalize_week": selected(6, struct.pack("<d", 604800.0)),
    "acquire": selected(7, struct.pack("<q", 1)),
    "acquire_over": selected(7, struct.pack("<q", 61)),
}
for name, data in oauth.items():
    write("fuzz_capi_oauth", name, data)

# ---- C++ ------------------------------------------------------------------
def encode(fields):
    out = bytearray([1]) + struct.pack(">I", len(fields))
    for name in sorted(fields):
        for part in (name.encode(), fields[name]):
            out += struct.pack(">I", len(part)) + part
    return bytes(out)

write("fuzz_credential_codec", "two_fields", encode({"bot_token": b"xoxb-1", "signing_secret": b"s"}))
write("fuzz_credential_codec", "empty", encode({}))
write("fuzz_credential_codec", "binary_value", encode({"k": bytes(range(256))}))
write("fuzz_credential_codec", "trailing", encode({"a": b"b"}) + b"\0")
write("fuzz_credential_codec", "unordered",
      b"\x01\x00\x00\x00\x02" + b"\x00\x00\x00\x01b\x00\x00\x00\x00" + b"\x00\x00\x00\x01a\x00\x00\x00\x00")

write("fuzz_credentials_json", "simple", '{"bot_token":"xoxb-1","signing_secret":"s"}')
write("fuzz_credentials_json", "escapes", '{"k":"\\u00e9\\ud83d\\ude00\\n\\"\\\\\\/"}')
write("fuzz_credentials_json", "empty", '{}')
write("fuzz_credentials_json", "lone_surrogate", '{"k":"\\ud800"}')
write("fuzz_credentials_json", "not_string", '{"k":["v"]}')

write("fuzz_sync_config", "full", SYNC)
write("fuzz_sync_config", "empty", "{}")
write("fuzz_sync_config", "out_of_range", '{"interval_minutes":14}')
write("fuzz_sync_config", "big_number", '{"interval_minutes":1e400}')

write("fuzz_provider_spec", "slack", json.dumps(builtin[0]))
write("fuzz_provider_spec", "basic", json.dumps(builtin[2]))
write("fuzz_provider_spec", "no_fields", json.dumps(dict(builtin[0], credential_fields=[])))

golden = bytes.fromhex(
    "010100000102cafebabefacedbaddecaf888e6cace4ddc1b3a77322b3ab21779ec512d56"
    "a532ab76184e6ebc6b03ccec068b8d38ae34b2b16900472f5c0d40fa00162d35d93dc659"
    "f60aaf4f93ab3e234c05f8ac5556cb")
write("fuzz_sealer_open", "golden", selected(0, golden))
write("fuzz_sealer_open", "golden_v2", selected(0, golden[:2] + b"\0\0\0\2" + golden[6:]))
write("fuzz_sealer_open", "short", selected(0, golden[:10]))
write("fuzz_sealer_open", "edit_xor", selected(1, bytes([0, 40, 1])))
write("fuzz_sealer_open", "edit_older_truncate", selected(1, bytes([0x81, 86, 0])))
write("fuzz_sealer_open", "edit_append", selected(1, bytes([2, 0, 0x55, 3, 5, 0])))
write("fuzz_sealer_open", "context", selected(2, b"acme\0" + b"0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b\0credentials"))
write("fuzz_sealer_open", "context_other", selected(2, b"acme\0" + b"0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b\0credential"))
write("fuzz_sealer_open", "seal", selected(3, "hello"))
write("fuzz_sealer_open", "seal_empty", selected(3, b""))
