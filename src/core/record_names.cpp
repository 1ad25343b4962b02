// The names the record path's enums have in JSON, in the C ABI and in
// Python (docs/SEMANTICS.md, "Records").
#include "linkvault/records.hpp"

#include <array>
#include <utility>

namespace linkvault {

namespace {

constexpr std::array<std::pair<Transform, std::string_view>, 8> transform_names{{
    {Transform::trim, "trim"},
    {Transform::lower, "lower"},
    {Transform::upper, "upper"},
    {Transform::digits, "digits"},
    {Transform::date, "date"},
    {Transform::number, "number"},
    {Transform::boolean, "boolean"},
    {Transform::string, "string"},
}};

}  // namespace

const char* to_string(Transform transform) noexcept {
  for (const auto& [value, name] : transform_names) {
    if (value == transform) return name.data();
  }
  return "unknown";
}

std::optional<Transform> parse_transform(std::string_view text) noexcept {
  for (const auto& [value, name] : transform_names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

const char* to_string(RecordAction action) noexcept {
  switch (action) {
    case RecordAction::created: return "created";
    case RecordAction::updated: return "updated";
  }
  return "unknown";
}

}  // namespace linkvault
