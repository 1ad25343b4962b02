// The RecordStore operations of SqlCipherSession (tables of migration 0005).
// Every write runs under the caller's BEGIN IMMEDIATE, which holds the
// file's one write lock: that is what makes forget_unseen_records' SELECT
// then DELETE atomic here (SQLite 3.15 has no RETURNING). Batches are one
// cached statement run per row: SQLite runs in-process, so a row costs a
// B-tree lookup, not a round trip, and no statement text depends on the
// batch's size.
#include "store/sqlcipher_session.hpp"

#include "core/message_text.hpp"
#include "store/sqlite.hpp"

#include <fmt/format.h>

#include <cstring>

namespace linkvault {

namespace {

std::span<const std::uint8_t> hash_bytes(const RecordHash& hash) {
  return {hash.data(), hash.size()};
}

// The CHECK constraints keep both columns valid; a file edited behind the
// library's back (or a broken disk) must still not pass as a hash.
RememberedRecord read_remembered(const sql::Statement& row, std::string_view integration_id) {
  const auto hash = row.column_blob(0);
  const std::int64_t stale = row.column_int(1);
  RememberedRecord record;
  if (hash.size() != record.hash.size() || (stale != 0 && stale != 1)) {
    throw Error(ErrorCode::integrity,
                fmt::format("a remembered record of integration {} is not valid (hash of {} "
                            "bytes, stale {})",
                            quote_for_message(integration_id), hash.size(), stale));
  }
  record.stale = stale == 1;
  // A stale row's hash is not compared with anything (it reports updated):
  // report zeros, whatever an older writer left there.
  if (!record.stale) std::memcpy(record.hash.data(), hash.data(), hash.size());
  return record;
}

}  // namespace

// ---- field mappings --------------------------------------------------------

std::optional<std::string> SqlCipherSession::load_field_mappings(
    std::string_view tenant, std::string_view integration_id) {
  auto statement = active_->cached(
      "SELECT rules FROM field_mappings WHERE tenant = ?1 AND integration_id = ?2");
  statement->bind(1, tenant).bind(2, integration_id);
  if (!statement->step()) return std::nullopt;
  return statement->column_text(0);
}

void SqlCipherSession::save_field_mappings(std::string_view tenant,
                                           std::string_view integration_id,
                                           const std::optional<std::string>& rules_json,
                                           std::string_view by, TimeMs at) {
  require_write_transaction("save_field_mappings");
  if (!rules_json) {
    auto remove = active_->cached(
        "DELETE FROM field_mappings WHERE tenant = ?1 AND integration_id = ?2");
    remove->bind(1, tenant).bind(2, integration_id).run();
    return;
  }
  auto put = active_->cached(
      "INSERT OR REPLACE INTO field_mappings (tenant, integration_id, rules, updated_by, "
      "updated_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  put->bind(1, tenant).bind(2, integration_id).bind(3, *rules_json).bind(4, by).bind(5, at);
  put->run();
}

// ---- remembered records ----------------------------------------------------

std::vector<std::optional<RememberedRecord>> SqlCipherSession::remembered_records(
    std::string_view tenant, std::string_view integration_id,
    const std::vector<std::string_view>& external_ids) {
  std::vector<std::optional<RememberedRecord>> remembered;
  remembered.reserve(external_ids.size());
  for (const std::string_view external_id : external_ids) {
    // One lease per id: each lookup is rewound before the next binds.
    auto lookup = active_->cached(
        "SELECT hash, stale FROM records "
        "WHERE tenant = ?1 AND integration_id = ?2 AND external_id = ?3");
    lookup->bind(1, tenant).bind(2, integration_id).bind(3, external_id);
    if (lookup->step()) {
      remembered.emplace_back(read_remembered(*lookup, integration_id));
    } else {
      remembered.emplace_back(std::nullopt);
    }
  }
  return remembered;
}

void SqlCipherSession::remember_records(std::string_view tenant,
                                        std::string_view integration_id,
                                        const std::vector<SeenRecord>& rows,
                                        const std::optional<std::string>& job_id, TimeMs at) {
  require_write_transaction("remember_records");
  for (const SeenRecord& row : rows) {
    if (row.hash) {
      // OR IGNORE on both: a statement that may abort (a constraint with
      // ABORT resolution) runs under a statement journal inside an open
      // transaction, and SQLCipher encrypts every page it journals: one
      // 4 KiB AES + HMAC per row, ten times the insert itself. The values
      // are well-formed (a 32-byte hash, 0, non-null ids), so IGNORE can
      // only skip the primary-key conflict, which the UPDATE then takes.
      auto insert = active_->cached(
          "INSERT OR IGNORE INTO records (tenant, integration_id, external_id, hash, stale, "
          "seen_job, seen_at) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)");
      insert->bind(1, tenant).bind(2, integration_id).bind(3, row.external_id);
      insert->bind(4, hash_bytes(*row.hash)).bind(5, job_id).bind(6, at).run();
      if (active_->changes() == 1) continue;
      auto update = active_->cached(
          "UPDATE OR IGNORE records SET hash = ?4, stale = 0, seen_job = ?5, seen_at = ?6 "
          "WHERE tenant = ?1 AND integration_id = ?2 AND external_id = ?3");
      update->bind(1, tenant).bind(2, integration_id).bind(3, row.external_id);
      update->bind(4, hash_bytes(*row.hash)).bind(5, job_id).bind(6, at).run();
      if (active_->changes() != 1) {
        throw Error(ErrorCode::internal,
                    fmt::format("a record of integration {} was neither inserted nor updated",
                                quote_for_message(integration_id)));
      }
    } else {
      // A record that failed to map: an existing row is only marked seen (so
      // a full sync does not forget it); an unknown one stays unknown. OR
      // IGNORE for the same reason as above.
      auto seen = active_->cached(
          "UPDATE OR IGNORE records SET seen_job = ?4, seen_at = ?5 "
          "WHERE tenant = ?1 AND integration_id = ?2 AND external_id = ?3");
      seen->bind(1, tenant).bind(2, integration_id).bind(3, row.external_id);
      seen->bind(4, job_id).bind(5, at).run();
    }
  }
}

std::int64_t SqlCipherSession::mark_records_stale(std::string_view tenant,
                                                  std::string_view integration_id) {
  require_write_transaction("mark_records_stale");
  // Rows already stale are left alone (and not counted): a second claim
  // changes nothing. The old hash goes: it is never compared again.
  auto statement = active_->cached(
      "UPDATE records SET stale = 1, hash = zeroblob(32) "
      "WHERE tenant = ?1 AND integration_id = ?2 AND stale = 0");
  statement->bind(1, tenant).bind(2, integration_id).run();
  return active_->changes();
}

std::vector<std::string> SqlCipherSession::forget_unseen_records(std::string_view tenant,
                                                                 std::string_view integration_id,
                                                                 std::string_view job_id,
                                                                 TimeMs seen_before) {
  require_write_transaction("forget_unseen_records");
  std::vector<std::string> forgotten;
  {
    // BINARY collation compares with memcmp: ascending byte order.
    auto select = active_->cached(
        "SELECT external_id FROM records "
        "WHERE tenant = ?1 AND integration_id = ?2 AND (seen_job IS NULL OR seen_job <> ?3) "
        "AND seen_at < ?4 ORDER BY external_id");
    select->bind(1, tenant).bind(2, integration_id).bind(3, job_id).bind(4, seen_before);
    while (select->step()) forgotten.push_back(select->column_text(0));
  }  // the SELECT is reset before the DELETE writes the same rows
  if (forgotten.empty()) return forgotten;
  auto remove = active_->cached(
      "DELETE FROM records "
      "WHERE tenant = ?1 AND integration_id = ?2 AND (seen_job IS NULL OR seen_job <> ?3) "
      "AND seen_at < ?4");
  remove->bind(1, tenant).bind(2, integration_id).bind(3, job_id).bind(4, seen_before).run();
  if (active_->changes() != static_cast<std::int64_t>(forgotten.size())) {
    throw Error(ErrorCode::internal,
                "the records forget_unseen_records read in this transaction changed before "
                "it deleted them");
  }
  return forgotten;
}

}  // namespace linkvault
