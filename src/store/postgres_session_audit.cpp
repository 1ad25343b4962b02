// The AuditStore operations of PostgresSession. A tenant's chain head
// (audit_sequence, audit_head) lives on its `tenants` row: appending enters
// the tenant first, which in the write transaction locks that row, so
// appends to one chain take turns from the head's read to its move.
#include "store/postgres_session.hpp"

#include "core/message_text.hpp"
#include "store/store_rows.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <optional>
#include <string>

namespace linkvault {

namespace {

// Entries for_each_activity fetches at a time: a long chain is walked
// without holding all of it in memory.
constexpr int activity_page_rows = 1000;

// Row `row` of a SELECT of LV_ACTIVITY_ENTRY_COLUMNS (text or binary
// results).
ActivityEntry read_activity_entry(const pg::Result& result, int row) {
  ActivityEntry entry;
  entry.tenant = result.text(row, 0);
  entry.sequence = result.integer(row, 1);
  entry.id = result.text(row, 2);
  entry.integration_id = result.optional_text(row, 3);
  entry.action = result.text(row, 4);
  entry.user_id = result.text(row, 5);
  entry.user_name = result.text(row, 6);
  entry.details = result.text(row, 7);
  entry.created_at = result.integer(row, 8);
  return entry;
}

// Row `row` of a SELECT of LV_ACTIVITY_COLUMNS run with binary results.
ActivityRecord read_activity_record(const pg::Result& result, int row) {
  ActivityRecord record;
  record.entry = read_activity_entry(result, row);
  record.key_version = static_cast<std::uint32_t>(result.integer(row, 9));
  const std::string_view mac = result.text(row, 10);  // raw bytes: binary results
  if (mac.size() == record.mac.size()) {
    std::memcpy(record.mac.data(), mac.data(), mac.size());
  } else {
    record.mac.fill(0);  // cannot match any real MAC: verification flags it
  }
  return record;
}

}  // namespace

AuditHead PostgresSession::audit_head(std::string_view tenant) {
  enter_tenant(tenant);
  AuditHead head;
  std::string_view mac;  // "" for NULL: an empty chain
  std::optional<pg::Result> result;
  if (const TenantRow* held = held_tenant_row(tenant)) {
    head.sequence = held->audit_sequence;
    mac = held->audit_head;
  } else {
    result.emplace(run("lv_audit_head",
                       "SELECT audit_sequence, audit_head FROM tenants WHERE tenant = $1",
                       {pg::Param::of(tenant)}, true));
    if (result->rows() == 0) return head;
    head.sequence = result->integer(0, 0);
    mac = result->text(0, 1);
  }
  if (mac.size() == head.mac.size()) {
    std::memcpy(head.mac.data(), mac.data(), mac.size());
  } else if (!mac.empty()) {
    throw Error(ErrorCode::integrity,
                fmt::format("tenant {} has a malformed audit head", quote_for_message(tenant)));
  }
  return head;
}

ActivityRecord PostgresSession::append_to_chain(
    std::string_view tenant, const std::function<ActivityRecord(const AuditHead&)>& make_record) {
  require_write_transaction("append_to_chain");
  enter_tenant(tenant);  // holds the tenant's row, and so its head, until commit
  const AuditHead previous = audit_head(tenant);
  ActivityRecord record = make_record(previous);
  const ActivityEntry& e = record.entry;
  if (e.tenant != tenant || e.sequence != previous.sequence + 1) {
    throw Error(ErrorCode::internal,
                fmt::format("an entry for tenant {} sequence {} cannot follow the head "
                            "of tenant {} at {}",
                            quote_for_message(e.tenant), e.sequence, quote_for_message(tenant),
                            previous.sequence));
  }
  // make_record may have read another tenant's rows (its keys); the writes
  // below are this tenant's.
  enter_tenant(tenant);
  const std::string sequence_text = std::to_string(e.sequence);
  const std::string created_text = std::to_string(e.created_at);
  const std::string key_version_text = std::to_string(record.key_version);
  run("lv_insert_activity",
      "INSERT INTO activity (" LV_ACTIVITY_COLUMNS ") VALUES "
      "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {pg::Param::of(e.tenant), pg::Param::of(sequence_text), pg::Param::of(e.id),
       e.integration_id ? pg::Param::of(*e.integration_id) : pg::Param::null_value(),
       pg::Param::of(e.action), pg::Param::of(e.user_id), pg::Param::of(e.user_name),
       pg::Param::of(e.details), pg::Param::of(created_text), pg::Param::of(key_version_text),
       pg::Param::of_bytes(record.mac)});
  // An upsert: the row enter_tenant made exists unless this transaction
  // has since deleted the tenant's rows.
  run("lv_move_audit_head",
      "INSERT INTO tenants (tenant, audit_sequence, audit_head) VALUES ($1, $2, $3) "
      "ON CONFLICT (tenant) DO UPDATE SET audit_sequence = EXCLUDED.audit_sequence, "
      "audit_head = EXCLUDED.audit_head",
      {pg::Param::of(e.tenant), pg::Param::of(sequence_text), pg::Param::of_bytes(record.mac)});
  if (TenantRow* held = held_tenant_row(tenant)) {
    held->audit_sequence = e.sequence;
    held->audit_head.assign(reinterpret_cast<const char*>(record.mac.data()), record.mac.size());
  }
  return record;
}

std::vector<ActivityEntry> PostgresSession::list_activity(
    std::string_view tenant, const std::optional<std::string>& integration_id, int limit,
    std::optional<std::int64_t> before_sequence) {
  enter_tenant(tenant);
  const std::string before_text =
      std::to_string(before_sequence.value_or(std::numeric_limits<std::int64_t>::max()));
  const std::string limit_text = std::to_string(limit);
  const pg::Result result =
      integration_id
          ? run("lv_list_activity_of_integration",
                "SELECT " LV_ACTIVITY_ENTRY_COLUMNS " FROM activity "
                "WHERE tenant = $1 AND integration_id = $2 AND sequence < $3 "
                "ORDER BY sequence DESC LIMIT $4",
                {pg::Param::of(tenant), pg::Param::of(*integration_id),
                 pg::Param::of(before_text), pg::Param::of(limit_text)})
          : run("lv_list_activity",
                "SELECT " LV_ACTIVITY_ENTRY_COLUMNS " FROM activity "
                "WHERE tenant = $1 AND sequence < $2 ORDER BY sequence DESC LIMIT $3",
                {pg::Param::of(tenant), pg::Param::of(before_text), pg::Param::of(limit_text)});
  std::vector<ActivityEntry> entries;
  entries.reserve(static_cast<std::size_t>(result.rows()));
  for (int row = 0; row < result.rows(); ++row) {
    entries.push_back(read_activity_entry(result, row));
  }
  return entries;
}

std::optional<std::int64_t> PostgresSession::activity_sequence(std::string_view tenant,
                                                               std::string_view entry_id) {
  enter_tenant(tenant);
  const pg::Result result =
      run("lv_activity_sequence", "SELECT sequence FROM activity WHERE id = $1 AND tenant = $2",
          {pg::Param::of(entry_id), pg::Param::of(tenant)});
  if (result.rows() == 0) return std::nullopt;
  return result.integer(0, 0);
}

std::vector<std::string> PostgresSession::audit_tenants() {
  // Every tenant's rows: the verify scope's read policies. Byte order, as
  // SQLite sorts.
  enter_scope("verify");
  const pg::Result result = run(
      "lv_audit_tenants",
      "SELECT tenant FROM (SELECT tenant FROM tenants WHERE audit_sequence > 0 "
      "UNION SELECT tenant FROM activity) chains ORDER BY tenant COLLATE \"C\"",
      {});
  std::vector<std::string> tenants;
  tenants.reserve(static_cast<std::size_t>(result.rows()));
  for (int row = 0; row < result.rows(); ++row) tenants.emplace_back(result.text(row, 0));
  return tenants;
}

void PostgresSession::for_each_activity(
    std::string_view tenant, const std::function<bool(const ActivityRecord&)>& visit) {
  // Page by page in sequence order, each page after the last one's final
  // sequence: a read transaction's one snapshot makes the pages one chain.
  std::optional<std::int64_t> last;
  for (;;) {
    enter_tenant(tenant);  // visit() may have entered another tenant
    const std::string limit_text = std::to_string(activity_page_rows);
    const std::string last_text = last ? std::to_string(*last) : std::string();
    const pg::Result page =
        last ? run("lv_activity_page_after",
                   "SELECT " LV_ACTIVITY_COLUMNS " FROM activity "
                   "WHERE tenant = $1 AND sequence > $2 ORDER BY sequence LIMIT $3",
                   {pg::Param::of(tenant), pg::Param::of(last_text), pg::Param::of(limit_text)},
                   true)
             // The first page has no lower bound: a stored sequence below 1
             // is visited too (and flagged), as SQLite visits it.
             : run("lv_activity_first_page",
                   "SELECT " LV_ACTIVITY_COLUMNS " FROM activity "
                   "WHERE tenant = $1 ORDER BY sequence LIMIT $2",
                   {pg::Param::of(tenant), pg::Param::of(limit_text)}, true);
    for (int row = 0; row < page.rows(); ++row) {
      const ActivityRecord record = read_activity_record(page, row);
      last = record.entry.sequence;
      if (!visit(record)) return;
    }
    if (page.rows() < activity_page_rows) return;
  }
}

}  // namespace linkvault
