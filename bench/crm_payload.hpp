// The record workloads' data (DESIGN.md §9, issue 12): a page of CRM clients
// as a provider sends them, and the 25 field mappings a host would set for
// them (5 contact fields, 20 custom fields, as the issue counts them).
//
// The payload is generated, deterministic for a seed, and shaped like the
// CRMs' client exports: nested contact, an RFC 3339 event date with its
// offset, free text that needs escaping, custom fields of mixed types, and
// keys no rule reads (the parser still has to step over them).
#pragma once

#include "linkvault/records.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace linkvault::bench {

inline constexpr int crm_custom_field_count = 20;

// A JSON array of `count` clients with ids "c-000000" upward from
// `first_id` (zero-padded to six digits).
std::string crm_clients_json(int count, std::uint64_t seed, int first_id = 0);

// The 25 rules: first_name, last_name (trim), email (trim, lower,
// required), phone (digits), event_date (date) and cf_01..cf_20 (some with
// number / boolean / string / trim, some copied as they are).
std::vector<FieldMapping> crm_client_mappings();

}  // namespace linkvault::bench
