// The sync_jobs row as both backends store it (SQLCipher migration 0003,
// PostgreSQL schema 1: the same columns and text values): one column order
// for every job SELECT and INSERT, and the checks a stored value must pass
// before it becomes a JobRecord.
#pragma once

#include "core/message_text.hpp"
#include "linkvault/error.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <string_view>

namespace linkvault {

// Column order shared by every job SELECT and INSERT, and by each backend's
// job row reader and writer.
#define LV_JOB_COLUMNS                                                            \
  "id, tenant, integration_id, type, status, config, progress_percent, "          \
  "records_processed, records_total, attempt, max_attempts, retry_base_seconds, " \
  "run_after, worker_id, lease_token, lease_ms, lease_until, cancel_requested, "  \
  "error, outcome, summary, created_at, started_at, completed_at, updated_at"

// A stored enum name (type, status, outcome) read back with `parse` (the
// public parse_job_type etc.): Error(INTEGRITY) naming `what` if it is not one.
template <typename Enum, typename Parse>
Enum parse_stored_job_enum(std::string_view text, Parse parse, const char* what) {
  auto value = parse(text);
  if (!value) {
    throw Error(ErrorCode::integrity,
                fmt::format("stored job {} {} is not valid", what, quote_for_message(text)));
  }
  return *value;
}

// A stored integer column that the record holds as an int (percent,
// attempts, seconds): Error(INTEGRITY) if it does not fit.
inline int stored_job_small_int(std::int64_t value, int column) {
  if (value < 0 || value > std::numeric_limits<int>::max()) {
    throw Error(ErrorCode::integrity, fmt::format("stored job column {} is out of range", column));
  }
  return static_cast<int>(value);
}

}  // namespace linkvault
