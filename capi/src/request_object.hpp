// One JSON object of a request being read strictly (options, filters, the
// actor, audit anchors). The shim sees only the public headers, so it cannot
// reuse the library's internal JsonObjectReader (src/core), and a public
// header would put simdjson into the installed API: this is the shim's one
// reader, with the same rules. Malformed JSON, a non-object, an unknown or
// repeated key (simdjson's DOM keeps repeats; the last-one-wins rule of other
// parsers would let two readers of the same text disagree) or a wrong type
// is Error(INVALID_ARGUMENT) "<prefix>: <problem>", naming the key.
#pragma once

#include "linkvault/clock.hpp"

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace linkvault::capi {

[[noreturn]] void invalid_request(std::string_view prefix, std::string_view problem);

class RequestObject {
 public:
  // Parses `json` given as `parameter` ("options_json"), which must be one
  // JSON object.
  RequestObject(std::string_view parameter, std::string_view json);
  // A nested object of a document another reader holds (it must outlive
  // this one); `prefix` starts its messages.
  RequestObject(std::string prefix, simdjson::dom::object object);

  // Calls visit(key, value) for each member; `known` lists the accepted keys.
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

  // The members, for an object whose keys are data (tenant ids), not names.
  simdjson::dom::object members() const noexcept { return object_; }

  [[noreturn]] void invalid(std::string_view problem) const;
  [[noreturn]] void wrong_type(std::string_view key, std::string_view expected) const;

  std::string_view string_value(std::string_view key, simdjson::dom::element value) const;
  // null is nullopt.
  std::optional<std::string_view> optional_string(std::string_view key,
                                                  simdjson::dom::element value) const;
  std::optional<TimeMs> optional_time(std::string_view key, simdjson::dom::element value) const;
  // Only a plain integer: 1.5 and numbers beyond int64 are not one.
  std::int64_t integer(std::string_view key, simdjson::dom::element value) const;

  std::string_view prefix() const noexcept { return prefix_; }

 private:
  [[noreturn]] void reject_key(std::string_view problem, std::string_view key) const;

  std::string prefix_;
  std::unique_ptr<simdjson::dom::parser> parser_;  // set when this reader owns the document
  simdjson::dom::object object_;
  std::uint64_t seen_ = 0;
};

}  // namespace linkvault::capi
