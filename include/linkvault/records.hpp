// The record path (docs/SEMANTICS.md, "Records"): field mappings turn a
// provider's JSON records into the host's, and change detection tells which
// of them the host has not stored yet.
//
//   FieldMapping  one rule: a target field, a JSON Pointer into the record,
//                 transforms, required / default.
//   RecordBatch   what Tenant::map_records found in one payload: the records
//                 that changed (created or updated), counts, the first
//                 errors, and (privately) every seen record's hash, which
//                 Tenant::commit_records remembers once the host stored them.
//
// Plain values; thread-safe to read.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// Applied in order (SEMANTICS.md lists exactly what each accepts).
enum class Transform { trim, lower, upper, digits, date, number, boolean, string };

const char* to_string(Transform transform) noexcept;  // "trim", "lower", ...
std::optional<Transform> parse_transform(std::string_view text) noexcept;

inline constexpr std::size_t max_field_mappings = 256;

struct FieldMapping {
  std::string target;  // the host's field name: 1..128 bytes, unique in a set
  std::string source;  // a JSON Pointer (RFC 6901) into one record
  std::vector<Transform> transforms;  // at most 16
  bool required = false;  // missing (absent, null, or "" after transforms) fails the record
  // The value when the source is absent or null: JSON text of any value
  // (e.g. "\"basic\""), used as is (no transforms). Excludes `required`.
  std::optional<std::string> default_json;
};

// Strict parse of a JSON array of rules:
//   [{"target": str, "source": str, "transform": [str], "required": bool,
//     "default": any}, ...]
// ("transform", "required", "default" optional; a null "default" means
// none). Validates every rule (validate_field_mappings); Error(
// INVALID_ARGUMENT) naming the rule (its index and target) and the key.
std::vector<FieldMapping> parse_field_mappings_json(std::string_view json);
// The same shape, every key written ("default" only when set).
std::string to_json(const std::vector<FieldMapping>& mappings);
// At most max_field_mappings rules, unique valid targets, valid pointers,
// at most 16 transforms, default JSON valid and at most 4 KiB, not both
// required and default. Error(INVALID_ARGUMENT) naming the rule.
void validate_field_mappings(const std::vector<FieldMapping>& mappings);

// Tenant::map_records().
struct MapOptions {
  std::string records_at;     // JSON Pointer to the array of records; "" = the payload
  std::string id_at = "/id";  // JSON Pointer to a record's external id (string or integer)
  // Both or neither: the running job this batch belongs to and the worker
  // holding it. commit_records then needs that worker to still hold it.
  std::optional<std::string> job_id;
  std::optional<std::string> worker_id;
};

enum class RecordAction { created, updated };
const char* to_string(RecordAction action) noexcept;  // "created", "updated"

struct ChangedRecord {
  std::string external_id;
  RecordAction action = RecordAction::created;
  std::string record;  // the mapped record: a JSON object, targets in rule order
};

struct RecordCounts {
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
  std::int64_t failed = 0;
};

struct RecordError {
  std::int64_t index = 0;                  // the record's index in the payload's array
  std::optional<std::string> external_id;  // when the record had a usable one
  std::string field;                       // the rule's target, or the id pointer
  std::string message;
};

inline constexpr std::size_t max_reported_record_errors = 100;

namespace detail {
struct RecordBatchAccess;
}

class RecordBatch {
 public:
  const std::string& tenant() const noexcept { return tenant_; }
  const std::string& integration_id() const noexcept { return integration_id_; }
  const std::optional<std::string>& job_id() const noexcept { return job_id_; }
  const std::optional<std::string>& worker_id() const noexcept { return worker_id_; }
  // Created and updated records, in payload order.
  const std::vector<ChangedRecord>& changed() const noexcept { return changed_; }
  const RecordCounts& counts() const noexcept { return counts_; }
  // The first max_reported_record_errors failures; counts().failed counts all.
  const std::vector<RecordError>& errors() const noexcept { return errors_; }

 private:
  friend struct detail::RecordBatchAccess;

  // One record the payload held, as commit_records writes it.
  struct Seen {
    std::string external_id;
    std::array<std::uint8_t, 32> hash{};
    bool mapped = false;  // false: it failed; commit only marks it seen
  };

  std::string tenant_;
  std::string integration_id_;
  std::optional<std::string> job_id_;
  std::optional<std::string> worker_id_;
  std::string lease_token_;  // the job's lease when mapped ("" without a job)
  std::vector<ChangedRecord> changed_;
  RecordCounts counts_;
  std::vector<RecordError> errors_;
  std::vector<Seen> seen_;
};

}  // namespace linkvault
