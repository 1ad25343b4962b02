// Row text shared by both backends (SQLCipher and PostgreSQL): the column
// lists every SELECT and INSERT of a table uses, in the order each backend's
// row reader expects, and the stored text of values that have no column type
// of their own (scopes as a JSON array, enums by their contract names), so a
// row reads the same whichever backend wrote it.
#pragma once

#include "core/message_text.hpp"
#include "linkvault/error.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// Column order shared by every integration SELECT and INSERT, and by
// read_integration() of each backend.
#define LV_INTEGRATION_COLUMNS                                                 \
  "id, tenant, provider, name, account, status, credentials, credential_mask, " \
  "scopes, expires_at, connected_by, connected_at, disconnected_at, "          \
  "last_used_at, last_refreshed_at, refresh_count, last_error, sync_config, "  \
  "last_sync_at, last_sync_status, created_at, updated_at"

// What listing activity returns; the chain columns (key_version, mac) follow
// in LV_ACTIVITY_COLUMNS for verification and inserts.
#define LV_ACTIVITY_ENTRY_COLUMNS                                             \
  "tenant, sequence, id, integration_id, action, user_id, user_name, details, " \
  "created_at"
#define LV_ACTIVITY_COLUMNS LV_ACTIVITY_ENTRY_COLUMNS ", key_version, mac"

#define LV_PROVIDER_COLUMNS "key, spec, created_at, updated_at"

// Column order shared by every job SELECT and INSERT, and by each backend's
// job row reader and writer.
#define LV_JOB_COLUMNS                                                            \
  "id, tenant, integration_id, type, status, config, progress_percent, "          \
  "records_processed, records_total, attempt, max_attempts, retry_base_seconds, " \
  "run_after, worker_id, lease_token, lease_ms, lease_until, cancel_requested, "  \
  "error, outcome, summary, created_at, started_at, completed_at, updated_at"

// An integration's scopes as stored: a JSON array of strings.
std::string scopes_to_json(const std::vector<std::string>& scopes);
// Error(INTEGRITY) unless `text` is a JSON array of strings.
std::vector<std::string> scopes_from_json(std::string_view text);

// A stored enum name read back with its parse_*() function;
// Error(INTEGRITY) naming `what` for a name that is not one.
template <typename Enum, typename Parse>
Enum parse_stored(std::string_view text, Parse parse, const char* what) {
  auto value = parse(text);
  if (!value) {
    throw Error(ErrorCode::integrity,
                fmt::format("stored {} {} is not valid", what, quote_for_message(text)));
  }
  return *value;
}

// A stored integer that the record holds as an int (a job's percent,
// attempts, seconds); Error(INTEGRITY) naming `what` if it does not fit.
inline int stored_small_int(std::int64_t value, const char* what) {
  if (value < 0 || value > std::numeric_limits<int>::max()) {
    throw Error(ErrorCode::integrity, fmt::format("stored {} {} is out of range", what, value));
  }
  return static_cast<int>(value);
}

}  // namespace linkvault
