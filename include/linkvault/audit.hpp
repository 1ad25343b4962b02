// AuditAnchor — a copy of one tenant's audit chain head, kept by the host
// outside the vault, that later proves the chain was not rolled back
// (docs/SEMANTICS.md, "Rollback through the -wal, and audit anchors").
//
// Anyone who can write the vault's files can make SQLite forget every commit
// since the last checkpoint (by damaging the -wal), and the chain that is left
// is still intact. Nothing inside the file can tell that apart from a torn
// write, so the proof has to come from outside: take Vault::audit_heads()
// from time to time, store it where the vault's files cannot reach it, and
// pass it to Vault::verify_audit(anchors). An anchor stays valid as the chain
// grows; it fails when the tenant's chain is shorter than the anchor (a
// rollback) or holds another entry at the anchor's sequence (a fork).
//
// A host must drop a tenant's anchor when it purges the tenant: the purged
// chain is gone, and a tenant id used again starts a new chain.
//
// Plain values; thread-safe as any value is.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace linkvault {

struct AuditAnchor {
  std::int64_t sequence = 0;          // the entry's place in the chain, from 1
  std::array<std::uint8_t, 32> mac{};  // that entry's chain MAC (HMAC-SHA256)

  friend bool operator==(const AuditAnchor&, const AuditAnchor&) = default;
};

// Tenant id -> the anchor of its chain.
using AuditAnchors = std::map<std::string, AuditAnchor>;

}  // namespace linkvault
