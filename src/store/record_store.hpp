// RecordStore — the record path's operations of the Store seam (store.hpp
// says the isolation rules shared by every operation): an integration's own
// field mappings, and what change detection remembers per (integration,
// external id). The records layer (src/records/) maps, hashes and decides;
// these only read and write rows. Every operation is scoped by tenant.
#pragma once

#include "linkvault/clock.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

using RecordHash = std::array<std::uint8_t, 32>;

// What the vault remembers of one record.
struct RememberedRecord {
  RecordHash hash{};   // HMAC-SHA256 of the mapped record (zeros when stale)
  bool stale = false;  // a field_mapping_update job was claimed since: report it updated
};

// One record a committed batch saw. hash nullopt: the record failed to map;
// its row, if any, is only marked seen (its hash stays).
struct SeenRecord {
  std::string external_id;
  std::optional<RecordHash> hash;
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // The integration's own rules (the JSON of to_json(FieldMapping list)),
  // nullopt when it has none.
  virtual std::optional<std::string> load_field_mappings(std::string_view tenant,
                                                         std::string_view integration_id) = 0;
  // A blind write (last writer wins): stores the rules, or deletes them
  // (nullopt). `by` is the actor's user id, `at` the time.
  virtual void save_field_mappings(std::string_view tenant, std::string_view integration_id,
                                   const std::optional<std::string>& rules_json,
                                   std::string_view by, TimeMs at) = 0;

  // What is remembered for each of `external_ids` (same order, same length;
  // nullopt: never committed, or forgotten).
  virtual std::vector<std::optional<RememberedRecord>> remembered_records(
      std::string_view tenant, std::string_view integration_id,
      const std::vector<std::string_view>& external_ids) = 0;

  // Write transaction. For each row: with a hash, inserts or replaces
  // (tenant, integration, external id) → hash, not stale; without one,
  // only an existing row is touched. Either way the row's seen_job becomes
  // `job_id` (NULL without one) and seen_at `at`. Rows of one call have
  // distinct external ids.
  virtual void remember_records(std::string_view tenant, std::string_view integration_id,
                                const std::vector<SeenRecord>& rows,
                                const std::optional<std::string>& job_id, TimeMs at) = 0;

  // Write transaction: every remembered record of the integration becomes
  // stale. Returns how many rows it changed.
  virtual std::int64_t mark_records_stale(std::string_view tenant,
                                          std::string_view integration_id) = 0;

  // Write transaction: deletes the integration's rows whose seen_job is not
  // `job_id` (or is NULL) and whose seen_at is before `seen_before`, and
  // returns their external ids in ascending byte order. Atomic: a row that
  // remember_records marks seen concurrently is either deleted before it or
  // kept (PostgreSQL: DELETE ... RETURNING under the tenant's row lock).
  virtual std::vector<std::string> forget_unseen_records(std::string_view tenant,
                                                         std::string_view integration_id,
                                                         std::string_view job_id,
                                                         TimeMs seen_before) = 0;
};

}  // namespace linkvault
