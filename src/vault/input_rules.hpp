// Checks on the plain inputs every vault operation takes (actors, tenant ids,
// names, messages) and the role rule of DESIGN.md §5. Each failure is an
// Error naming the input; none echoes a secret.
#pragma once

#include "linkvault/actor.hpp"
#include "linkvault/limits.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace linkvault {

// Non-empty (unless allow_empty), at most max_bytes, valid UTF-8, no control
// characters; else INVALID_ARGUMENT naming `what`.
void require_text(std::string_view text, std::string_view what, std::size_t max_bytes,
                  bool allow_empty = false);

void require_valid_actor(const Actor& actor);

// admin or system, else PERMISSION_DENIED naming the operation. Checks the
// actor first.
void require_change_permission(const Actor& actor, std::string_view operation);

// Free text from a host or a tester (error messages): valid UTF-8 kept and cut
// to at most max_bytes on a character boundary; invalid UTF-8 replaced by a
// note saying so.
std::string clean_message(std::string_view text, std::size_t max_bytes = max_message_bytes);

}  // namespace linkvault
