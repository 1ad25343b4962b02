// The activity log's chain MAC (DESIGN.md §4):
//   entry_mac = HMAC-SHA256(audit key, previous_mac ‖ canonical_entry)
// The caller canonicalises the entry; this file only computes and compares.
// Thread-safe: no shared state.
#pragma once

#include "linkvault/secret.hpp"

#include <array>
#include <cstdint>
#include <span>

namespace linkvault {

inline constexpr std::size_t audit_mac_size = 32;

// HMAC-SHA256 keyed with `key` over previous_mac ‖ canonical_entry. The first
// entry of a chain passes 32 zero bytes as previous_mac (docs/FORMAT.md).
std::array<std::uint8_t, audit_mac_size> audit_mac(
    const SecretBytes& key, std::span<const std::uint8_t> previous_mac,
    std::span<const std::uint8_t> canonical_entry);

// Equal length and equal bytes, in time that depends only on the lengths.
bool constant_time_equal(std::span<const std::uint8_t> a,
                         std::span<const std::uint8_t> b) noexcept;

}  // namespace linkvault
