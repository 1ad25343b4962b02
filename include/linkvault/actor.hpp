// Actor — who performs an operation, and with which role (DESIGN.md §5).
// Reads are open to every role; every change needs admin or system.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace linkvault {

enum class Role { admin, member, system };

const char* to_string(Role role) noexcept;  // "admin", "member", "system"
std::optional<Role> parse_role(std::string_view text) noexcept;

struct Actor {
  std::string user_id;    // non-empty
  std::string user_name;
  Role role = Role::member;
};

}  // namespace linkvault
