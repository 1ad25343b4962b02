// Strict reading of one JSON object from host input (a sync config, a
// provider spec and its nested objects). Malformed JSON, a non-object, an
// unknown key, a repeated key or a value of the wrong type is
// Error(INVALID_ARGUMENT) "<subject>: <problem>", naming the key. simdjson's
// DOM keeps repeated keys, and the last-one-wins rule of other parsers would
// let two readers of the same text disagree, so repeats are refused here.
#pragma once

#include "core/message_text.hpp"

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace linkvault {

class JsonObjectReader {
 public:
  // Parses `json`, which must be one JSON object. `subject` starts every
  // message ("sync_config", "provider spec").
  JsonObjectReader(std::string subject, std::string_view json);
  // A nested object of a document another reader holds (it must outlive this
  // one); `where` ends the key messages (" in 'credential_fields[0]'").
  JsonObjectReader(std::string subject, simdjson::dom::object object, std::string where);

  // Calls visit(key, value) for each member in order; `known` lists the
  // accepted keys. An unknown or repeated key is refused when met.
  template <std::size_t N, typename Visit>
  void for_each(const std::array<std::string_view, N>& known, Visit&& visit) {
    static_assert(N <= 64, "seen_ holds one bit per known key");
    for (const auto field : object_) {
      std::size_t index = 0;
      while (index < N && known[index] != field.key) ++index;
      if (index == N) reject_key("unknown key", field.key);
      if (seen_ & (std::uint64_t{1} << index)) reject_key("duplicate key", field.key);
      seen_ |= std::uint64_t{1} << index;
      visit(field.key, field.value);
    }
  }

  // Whether for_each met `key` (one of `known`).
  template <std::size_t N>
  bool has(const std::array<std::string_view, N>& known, std::string_view key) const {
    for (std::size_t index = 0; index < N; ++index) {
      if (known[index] == key) return (seen_ & (std::uint64_t{1} << index)) != 0;
    }
    return false;
  }

  std::size_t size() const { return object_.size(); }

  [[noreturn]] void reject(std::string_view problem) const;

  // Typed getters: the wrong type is "'<path>' must be <what>".
  bool boolean(std::string_view path, simdjson::dom::element value) const;
  std::string_view string(std::string_view path, simdjson::dom::element value) const;
  simdjson::dom::object object(std::string_view path, simdjson::dom::element value) const;
  simdjson::dom::array array(std::string_view path, simdjson::dom::element value) const;
  // Only a plain integer: 60.0 and numbers beyond int64 are not one.
  std::int64_t integer(std::string_view path, simdjson::dom::element value,
                       std::string_view what = "an integer") const;

 private:
  [[noreturn]] void reject_key(std::string_view problem, std::string_view key) const;

  std::string subject_;
  std::string where_;
  std::unique_ptr<simdjson::dom::parser> parser_;  // set when this reader owns the document
  simdjson::dom::object object_;
  std::uint64_t seen_ = 0;
};

}  // namespace linkvault
