#include "vault/input_rules.hpp"

#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "linkvault/error.hpp"
#include "linkvault/limits.hpp"
#include "linkvault/utf8.hpp"

#include <fmt/format.h>

namespace linkvault {

void require_text(std::string_view text, std::string_view what, std::size_t max_bytes,
                  bool allow_empty) {
  if (text.empty() && !allow_empty) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{} must not be empty", what));
  }
  if (text.size() > max_bytes) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} is too long ({} bytes, at most {})", what, text.size(),
                            max_bytes));
  }
  if (!is_valid_utf8(text)) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{} is not valid UTF-8", what));
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("{} contains a control character", what));
    }
  }
}

void require_valid_actor(const Actor& actor) {
  require_text(actor.user_id, "actor user_id", max_actor_text_bytes);
  require_text(actor.user_name, "actor user_name", max_actor_text_bytes,
               /*allow_empty=*/true);
  if (actor.role != Role::admin && actor.role != Role::member && actor.role != Role::system) {
    throw Error(ErrorCode::invalid_argument, "actor role is not admin, member or system");
  }
}

void require_change_permission(const Actor& actor, std::string_view operation) {
  require_valid_actor(actor);
  if (actor.role != Role::admin && actor.role != Role::system) {
    throw Error(ErrorCode::permission_denied,
                fmt::format("{} needs role admin or system; actor {} has role {}",
                            operation, quote_for_message(actor.user_id), to_string(actor.role)));
  }
}

std::string clean_message(std::string_view text, std::size_t max_bytes) {
  if (!is_valid_utf8(text)) return "(message was not valid UTF-8)";
  return std::string(text.substr(0, utf8_prefix_length(text, max_bytes)));
}

}  // namespace linkvault
