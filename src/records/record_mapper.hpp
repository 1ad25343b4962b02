// RecordMapper — one payload of provider records in, mapped records and
// their hashes out (docs/SEMANTICS.md "Records", docs/FORMAT.md "Record
// hashes"). Pure: no store, no keyring; the records layer looks the hashes
// up and decides created / updated / unchanged. Thread-safe (const).
#pragma once

#include "linkvault/records.hpp"
#include "linkvault/secret.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// The largest payload map_records accepts.
inline constexpr std::size_t max_record_payload_bytes = 256u * 1024 * 1024;
// The longest external id (UTF-8 bytes).
inline constexpr std::size_t max_external_id_bytes = 512;

struct MappedRecord {
  std::int64_t index = 0;     // in the payload's array
  std::string external_id;
  std::string record;         // the canonical JSON object (FORMAT.md)
  std::array<std::uint8_t, 32> hash{};  // HMAC-SHA256(records key, record)
};

struct UnmappedRecord {
  std::int64_t index = 0;
  std::optional<std::string> external_id;  // when it had a usable, unique one
  std::string field;    // the rule's target, or the id pointer
  std::string message;  // never contains record values
};

struct MappedPayload {
  std::vector<MappedRecord> mapped;      // payload order
  std::vector<UnmappedRecord> unmapped;  // payload order, all of them
};

class RecordMapper {
 public:
  // `mappings` must have passed validate_field_mappings.
  explicit RecordMapper(std::vector<FieldMapping> mappings);
  ~RecordMapper();
  RecordMapper(RecordMapper&&) noexcept;
  RecordMapper& operator=(RecordMapper&&) noexcept;

  // Parses `payload` (simdjson) and maps each element of the array at
  // `records_at`. Error(INVALID_ARGUMENT) for malformed JSON or UTF-8 (the
  // message gives the byte offset), a payload over max_record_payload_bytes,
  // an invalid pointer, or records_at not naming an array. `hash_key` is the
  // tenant's records key (32 bytes).
  MappedPayload map(std::string_view payload, std::string_view records_at,
                    std::string_view id_at, const SecretBytes& hash_key) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// HMAC-SHA256(key, record): the hash change detection compares.
std::array<std::uint8_t, 32> record_hash(const SecretBytes& key, std::string_view record);

}  // namespace linkvault
