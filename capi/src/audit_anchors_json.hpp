// Audit anchors as JSON, both ways (linkvault.h, lv_audit_heads and
// lv_audit_verify_anchored): one object of tenant id to
//   {"sequence": int >= 1, "mac": "<64 lowercase hex digits>"}
// What lv_audit_heads writes, the parser reads back unchanged. The parser is
// strict: malformed JSON, a non-object, a duplicate tenant, an unknown,
// missing or duplicate key, a wrong type, bad hex or a sequence below 1 is
// Error(INVALID_ARGUMENT) naming the tenant and the key.
#pragma once

#include "linkvault/audit.hpp"

#include <string>
#include <string_view>

namespace linkvault::capi {

std::string audit_anchors_json(const AuditAnchors& anchors);

AuditAnchors parse_audit_anchors(std::string_view json);

}  // namespace linkvault::capi
