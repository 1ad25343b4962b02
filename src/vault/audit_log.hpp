// The tamper-evident activity log (DESIGN.md §4): each tenant's entries form
// a chain, entry_mac = HMAC-SHA256(audit key, previous mac ‖ canonical entry),
// with the tenant's head (last sequence and mac) kept beside it. Appending
// happens inside the caller's write transaction, through the store's atomic
// append_to_chain.
#pragma once

#include "linkvault/activity.hpp"
#include "linkvault/actor.hpp"
#include "linkvault/audit.hpp"
#include "linkvault/keyring.hpp"
#include "linkvault/clock.hpp"
#include "store/store.hpp"
#include "linkvault/vault.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// The canonical bytes an entry's MAC covers (layout in docs/FORMAT.md).
std::vector<std::uint8_t> canonical_activity_entry(const ActivityEntry& entry,
                                                   std::uint32_t key_version);

// Appends one entry, stamped by `clock`, to the tenant's chain and returns
// it. `details_json` must be a JSON object.
ActivityEntry append_activity(StoreSession& session, Keyring& keyring, const Clock& clock,
                              std::string_view tenant,
                              const std::optional<std::string>& integration_id,
                              std::string_view action, const Actor& actor,
                              std::string details_json);

// Walks every tenant's chain, in a read transaction the caller holds. An
// anchored tenant's chain must also reach the anchor's sequence and hold the
// anchor's MAC there; an anchored tenant with no chain at all fails too.
AuditReport verify_audit_chains(StoreSession& session, Keyring& keyring,
                                const AuditAnchors& anchors = {});

// Every tenant's head with a sequence of at least 1, in a read transaction
// the caller holds.
AuditAnchors read_audit_heads(StoreSession& session);

}  // namespace linkvault
