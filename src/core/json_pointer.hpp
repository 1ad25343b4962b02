// JSON Pointers (RFC 6901) for the record path: a field mapping's source,
// MapOptions' records_at and id_at. A pointer is parsed once (validated,
// its reference tokens unescaped, array indexes decoded) and then resolved
// against many records, which is the mapper's hot path. Plain values;
// thread-safe to read.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

// The longest pointer a rule or MapOptions may hold (bytes).
inline constexpr std::size_t max_json_pointer_bytes = 1024;

// Why `text` is not a valid pointer ("" or "/..."; '~' only as ~0 or ~1;
// valid UTF-8; at most max_json_pointer_bytes), or nullptr when it is one.
const char* json_pointer_problem(std::string_view text) noexcept;

class JsonPointer {
 public:
  JsonPointer() = default;  // "": the whole document

  // nullopt when json_pointer_problem(text) names a problem.
  static std::optional<JsonPointer> parse(std::string_view text);

  const std::string& text() const noexcept { return text_; }

  // The element the pointer names in `root`, or false when it does not
  // resolve: a missing key, an index past the end or not written as a
  // decimal without leading zeros, "-", or a step into a scalar. Of an
  // object's repeated keys, the first is the one named.
  bool resolve(simdjson::dom::element root, simdjson::dom::element& out) const noexcept;

  // The pointer without its last reference token ("" stays ""): mappers
  // resolve a shared parent (e.g. "/custom_fields") once per record.
  JsonPointer parent() const;
  bool empty() const noexcept { return tokens_.empty(); }
  // Applies only the last reference token to `parent` (what parent() names).
  bool resolve_last(simdjson::dom::element parent, simdjson::dom::element& out) const noexcept;

 private:
  static constexpr std::size_t not_an_index = static_cast<std::size_t>(-1);

  struct Token {
    std::string key;                  // unescaped (~1 -> '/', ~0 -> '~')
    std::size_t index = not_an_index;  // the key as an array index, when it is one
  };

  static bool step(const Token& token, simdjson::dom::element& current) noexcept;

  std::string text_;
  std::vector<Token> tokens_;
};

}  // namespace linkvault
