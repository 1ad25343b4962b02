// The RecordStore operations of PostgresSession (tables of
// postgres_migrations/0002_records.sql). Every operation enters the tenant
// first: row-level security then shows its rows only, and in a write
// transaction the tenant's row is held, which serialises each tenant's
// record writes (a commit's remember_records against a finish_full_sync's
// forget_unseen_records) without locking any record row up front.
//
// A batch is one statement, not one per row: external ids travel as one
// text[] parameter (pg::text_array), the hashes as a parallel text[] of hex
// that unnest() pairs with them, so a 1000-record commit is one round trip.
#include "store/postgres_session.hpp"

#include "core/message_text.hpp"
#include "store/postgres_params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

namespace linkvault {

namespace {

std::string hex_of(const RecordHash& hash) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * hash.size());
  for (const std::uint8_t byte : hash) {
    text += digits[byte >> 4];
    text += digits[byte & 0xF];
  }
  return text;
}

}  // namespace

// ---- field mappings --------------------------------------------------------

std::optional<std::string> PostgresSession::load_field_mappings(
    std::string_view tenant, std::string_view integration_id) {
  enter_tenant(tenant);
  const pg::Result result =
      run("lv_load_field_mappings",
          "SELECT rules FROM field_mappings WHERE tenant = $1 AND integration_id = $2",
          {pg::Param::of(tenant), pg::Param::of(integration_id)});
  if (result.rows() == 0) return std::nullopt;
  return std::string(result.text(0, 0));
}

void PostgresSession::save_field_mappings(std::string_view tenant,
                                          std::string_view integration_id,
                                          const std::optional<std::string>& rules_json,
                                          std::string_view by, TimeMs at) {
  require_write_transaction("save_field_mappings");
  enter_tenant(tenant);
  if (!rules_json) {
    run("lv_delete_field_mappings",
        "DELETE FROM field_mappings WHERE tenant = $1 AND integration_id = $2",
        {pg::Param::of(tenant), pg::Param::of(integration_id)});
    return;
  }
  const std::string at_text = std::to_string(at);
  run("lv_save_field_mappings",
      "INSERT INTO field_mappings (tenant, integration_id, rules, updated_by, updated_at) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, integration_id) DO UPDATE SET "
      "rules = EXCLUDED.rules, updated_by = EXCLUDED.updated_by, "
      "updated_at = EXCLUDED.updated_at",
      {pg::Param::of(tenant), pg::Param::of(integration_id), pg::Param::of(*rules_json),
       pg::Param::of(by), pg::Param::of(at_text)});
}

// ---- remembered records ----------------------------------------------------

std::vector<std::optional<RememberedRecord>> PostgresSession::remembered_records(
    std::string_view tenant, std::string_view integration_id,
    const std::vector<std::string_view>& external_ids) {
  enter_tenant(tenant);
  std::vector<std::optional<RememberedRecord>> remembered(external_ids.size());
  if (external_ids.empty()) return remembered;
  const std::string ids = pg::text_array(external_ids, "external id");
  const pg::Result result =
      run("lv_remembered_records",
          "SELECT external_id, hash, (CASE WHEN stale THEN 1 ELSE 0 END)::bigint "
          "FROM records WHERE tenant = $1 AND integration_id = $2 "
          "AND external_id = ANY ($3::text[])",
          {pg::Param::of(tenant), pg::Param::of(integration_id), pg::Param::of(ids)},
          /*binary_results=*/true);
  std::map<std::string_view, RememberedRecord, std::less<>> found;
  for (int row = 0; row < result.rows(); ++row) {
    const std::string_view hash = result.text(row, 1);
    RememberedRecord record;
    if (hash.size() != record.hash.size()) {
      throw Error(ErrorCode::integrity,
                  fmt::format("a remembered record of integration {} has a hash of {} bytes, "
                              "not 32",
                              quote_for_message(integration_id), hash.size()));
    }
    record.stale = result.integer(row, 2) == 1;
    // A stale row's hash is never compared (it reports updated): zeros.
    if (!record.stale) std::memcpy(record.hash.data(), hash.data(), hash.size());
    found.emplace(result.text(row, 0), record);
  }
  for (std::size_t i = 0; i < external_ids.size(); ++i) {
    const auto hit = found.find(external_ids[i]);
    if (hit != found.end()) remembered[i] = hit->second;
  }
  return remembered;
}

void PostgresSession::remember_records(std::string_view tenant, std::string_view integration_id,
                                       const std::vector<SeenRecord>& rows,
                                       const std::optional<std::string>& job_id, TimeMs at) {
  require_write_transaction("remember_records");
  enter_tenant(tenant);
  std::vector<std::string_view> hashed_ids;
  std::vector<std::string> hashes;
  std::vector<std::string_view> failed_ids;
  for (const SeenRecord& row : rows) {
    if (row.hash) {
      hashed_ids.push_back(row.external_id);
      hashes.push_back(hex_of(*row.hash));
    } else {
      failed_ids.push_back(row.external_id);
    }
  }
  const std::string at_text = std::to_string(at);
  const pg::Param job = job_id ? pg::Param::of(*job_id) : pg::Param::null_value();
  if (!hashed_ids.empty()) {
    // A new hash replaces the row's hash and seen marks and un-stales it.
    const std::string ids = pg::text_array(hashed_ids, "external id");
    const std::string hex = pg::text_array(hashes, "hash");
    run("lv_remember_records",
        "INSERT INTO records (tenant, integration_id, external_id, hash, stale, seen_job, "
        "seen_at) SELECT $1::text, $2::text, seen.external_id, decode(seen.hash_hex, 'hex'), "
        "false, $5::text, $6::bigint "
        "FROM unnest($3::text[], $4::text[]) AS seen (external_id, hash_hex) "
        "ON CONFLICT (tenant, integration_id, external_id) DO UPDATE SET "
        "hash = EXCLUDED.hash, stale = false, seen_job = EXCLUDED.seen_job, "
        "seen_at = EXCLUDED.seen_at",
        {pg::Param::of(tenant), pg::Param::of(integration_id), pg::Param::of(ids),
         pg::Param::of(hex), job, pg::Param::of(at_text)});
  }
  if (!failed_ids.empty()) {
    // Records that failed to map: an existing row is only marked seen (so a
    // full sync does not forget it); an unknown one stays unknown.
    const std::string ids = pg::text_array(failed_ids, "external id");
    run("lv_mark_records_seen",
        "UPDATE records SET seen_job = $4, seen_at = $5 "
        "WHERE tenant = $1 AND integration_id = $2 AND external_id = ANY ($3::text[])",
        {pg::Param::of(tenant), pg::Param::of(integration_id), pg::Param::of(ids), job,
         pg::Param::of(at_text)});
  }
}

std::int64_t PostgresSession::mark_records_stale(std::string_view tenant,
                                                 std::string_view integration_id) {
  require_write_transaction("mark_records_stale");
  enter_tenant(tenant);
  // Rows already stale are left alone (and not counted): a second claim
  // changes nothing. The old hash goes: it is never compared again.
  return run("lv_mark_records_stale",
             "UPDATE records SET stale = true, hash = decode(repeat('00', 32), 'hex') "
             "WHERE tenant = $1 AND integration_id = $2 AND NOT stale",
             {pg::Param::of(tenant), pg::Param::of(integration_id)})
      .affected();
}

std::vector<std::string> PostgresSession::forget_unseen_records(std::string_view tenant,
                                                                std::string_view integration_id,
                                                                std::string_view job_id,
                                                                TimeMs seen_before) {
  require_write_transaction("forget_unseen_records");
  // Holding the tenant's row, no remember_records of this tenant runs
  // between the rows' choice and their deletion; one statement does both.
  enter_tenant(tenant);
  const std::string before_text = std::to_string(seen_before);
  const pg::Result deleted =
      run("lv_forget_unseen_records",
          "DELETE FROM records WHERE tenant = $1 AND integration_id = $2 "
          "AND seen_job IS DISTINCT FROM $3 AND seen_at < $4 RETURNING external_id",
          {pg::Param::of(tenant), pg::Param::of(integration_id), pg::Param::of(job_id),
           pg::Param::of(before_text)});
  std::vector<std::string> forgotten;
  forgotten.reserve(static_cast<std::size_t>(deleted.rows()));
  for (int row = 0; row < deleted.rows(); ++row) forgotten.emplace_back(deleted.text(row, 0));
  // RETURNING has no order; std::string compares as unsigned bytes
  // (char_traits<char>::compare), the order SQLite's BINARY collation has.
  std::sort(forgotten.begin(), forgotten.end());
  return forgotten;
}

}  // namespace linkvault
