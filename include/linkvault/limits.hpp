// The size limits on what a host passes in, in one place: the library checks
// them, and hosts and bindings may check early with the same numbers
// (bindings/python/linkvault/vault.py mirrors the ones it needs; the C
// header's LV_MAX_INPUT_BYTES equals max_input_bytes). Bytes are UTF-8 bytes.
#pragma once

#include <cstddef>

namespace linkvault {

// Vault::tenant(), audit anchors.
inline constexpr std::size_t max_tenant_id_bytes = 128;
// Actor user_id and user_name.
inline constexpr std::size_t max_actor_text_bytes = 256;
// An identifier in a provider spec: the provider key, a credential field
// name, a rate-limit name ([a-z0-9_]{1,64}).
inline constexpr std::size_t max_identifier_bytes = 64;
// ConnectOptions: name, account (an e-mail address is at most 320), scopes.
inline constexpr std::size_t max_integration_name_bytes = 128;
inline constexpr std::size_t max_account_bytes = 320;
inline constexpr std::size_t max_scope_bytes = 256;
inline constexpr std::size_t max_scopes = 256;
// Free text: mark_error()'s message, a tester's message (cut to it).
inline constexpr std::size_t max_message_bytes = 4096;
// ActivityQuery::limit is 1..max_activity_limit.
inline constexpr int max_activity_limit = 1000;
// Sync jobs: a job's config or summary (a JSON object), a worker id, the
// attempts a job may have, a job list's limit.
inline constexpr std::size_t max_job_json_bytes = 64 * 1024;
inline constexpr std::size_t max_worker_id_bytes = 128;
inline constexpr int max_job_attempts = 20;
inline constexpr int max_retry_base_seconds = 3600;
inline constexpr int max_job_list_limit = 1000;
// One credential set: fields and bytes per value.
inline constexpr std::size_t max_credential_fields = 64;
inline constexpr std::size_t max_credential_value_bytes = 64 * 1024;
// Any one string through the C ABI (LV_MAX_INPUT_BYTES).
inline constexpr std::size_t max_input_bytes = 1024 * 1024;
// A caller-supplied value quoted in an error message keeps at most this many
// bytes (then "...").
inline constexpr std::size_t max_quoted_bytes = 64;

}  // namespace linkvault
