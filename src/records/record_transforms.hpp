// The field transforms of a mapping rule (docs/SEMANTICS.md, "Records"),
// applied in order to one field's value. A transform either returns the new
// value or says, without quoting the value (customer data), why it could
// not. Pure functions; thread-safe.
#pragma once

#include "linkvault/records.hpp"

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace linkvault {

// One field's value between transforms. Objects and arrays stay in the
// document (`element`); everything a transform makes is a plain value.
struct FieldValue {
  enum class Kind { boolean, integer, unsigned_integer, real, string, element };
  Kind kind = Kind::string;
  bool boolean = false;
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  double real = 0;
  std::string text;
  simdjson::dom::element element;  // Kind::element: an object or an array

  // A non-null scalar, object or array of the document.
  static FieldValue from(simdjson::dom::element value);
};

// Applies `transform` to `value` in place. False (value unspecified) when
// the value cannot take it; `problem` then says why, e.g. "is not a date".
bool apply_transform(Transform transform, FieldValue& value, std::string& problem);

// `value` written canonically (core/canonical_json.hpp).
void append_field_value(std::string& out, const FieldValue& value);

}  // namespace linkvault
