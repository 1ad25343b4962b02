// What every C ABI fuzz target shares: one real vault per process on a temp
// file (fixed 32-byte key, files removed at exit), and checks that hold for
// every lv_ call whatever its input.
#pragma once

#include "linkvault.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fuzz {

// The process's vault, opened on first use.
lv_vault* vault();
// Destroys the handle, deletes the vault's files and opens a new, empty
// vault at the same path: registered providers are stored in the file, so
// this is how a run that registered one starts the next from the built-ins.
void fresh_vault();
// The temp file's path and its key, for targets that open it themselves.
const std::string& vault_path();
const std::uint8_t* vault_key();  // 32 bytes

inline constexpr const char* admin_actor = R"({"user_id":"fuzz-admin","role":"admin"})";
inline constexpr const char* slack_credentials = R"({"bot_token":"xoxb-fuzz"})";

// A status is 0..14 (never INTERNAL, which means a bug), and
// lv_last_error_message() — read right after the call — is "" on LV_OK and
// non-empty otherwise. Returns the status.
int check_status(int status, const char* call);

// As check_status, for a call with a `char** out`: *out is NULL unless the
// call succeeded, and then it is JSON that parses. Frees *out (lv_string_free)
// unless `keep` is set, in which case the caller frees it.
int check_out(int status, char*& out, const char* call, bool keep = false);

// The string value of a top-level key of a JSON object ("" if absent).
std::string json_string_field(std::string_view json, std::string_view key);

// Connects `provider` (slack credentials unless given) for the admin actor;
// aborts on failure. Returns the integration id.
std::string connect_or_die(const char* tenant, const char* provider = "slack",
                           const char* credentials = slack_credentials,
                           const char* options = nullptr);

// Purges the tenant (its integrations, activity, jobs and keys); aborts on
// failure.
void purge_or_die(const char* tenant);

// The input as a NUL-terminated string (an embedded NUL ends it, as it would
// for any C caller).
std::string as_text(const std::uint8_t* data, std::size_t size);

}  // namespace fuzz
