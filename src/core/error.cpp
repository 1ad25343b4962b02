#include "linkvault/error.hpp"

namespace linkvault {

const char* error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::ok: return "OK";
    case ErrorCode::invalid_argument: return "INVALID_ARGUMENT";
    case ErrorCode::not_found: return "NOT_FOUND";
    case ErrorCode::already_exists: return "ALREADY_EXISTS";
    case ErrorCode::permission_denied: return "PERMISSION_DENIED";
    case ErrorCode::quota_exceeded: return "QUOTA_EXCEEDED";
    case ErrorCode::failed_precondition: return "FAILED_PRECONDITION";
    case ErrorCode::conflict: return "CONFLICT";
    case ErrorCode::wrong_key: return "WRONG_KEY";
    case ErrorCode::integrity: return "INTEGRITY";
    case ErrorCode::busy: return "BUSY";
    case ErrorCode::io: return "IO";
    case ErrorCode::cancelled: return "CANCELLED";
    case ErrorCode::upstream: return "UPSTREAM";
    case ErrorCode::internal: return "INTERNAL";
  }
  return "UNKNOWN";
}

}  // namespace linkvault
