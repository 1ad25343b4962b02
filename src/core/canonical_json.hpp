// The canonical writing of a JSON value (docs/FORMAT.md, "The canonical
// record and its hash"): no whitespace, strings escaped exactly as
// json_quote does, integers in decimal, other numbers in their shortest
// round-trip form, object members in their order (repeats kept). Mapped
// records are written this way so that their hashes only change when their
// content does. Pure functions; thread-safe.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace linkvault {

// A JSON string literal: the same bytes as append_json_quoted (core/
// json_text.hpp) writes, copying runs that need no escape at once (this is
// the mapper's hot path). `text` must be valid UTF-8.
void append_canonical_string(std::string& out, std::string_view text);

// A double in the shortest form that reads back to the same value
// (std::to_chars): fixed or exponent notation, whichever is shorter, e.g.
// 0.1, 1.5e-07, 1e+21, -0. Integral values print without a fraction (3.0 -> 3);
// from 2^53 on always with an exponent (4.444444444444444e+19), so that no
// reader takes a double for a (maybe out-of-range) integer.
void append_canonical_double(std::string& out, double value);
void append_canonical_integer(std::string& out, std::int64_t value);
void append_canonical_unsigned(std::string& out, std::uint64_t value);

// `value` (any JSON value of a simdjson DOM) written canonically.
void append_canonical_json(std::string& out, simdjson::dom::element value);

// `json` (one JSON value, surrounding whitespace allowed) written
// canonically; false when it is not valid JSON.
bool canonicalize_json(std::string_view json, std::string& out);

}  // namespace linkvault
