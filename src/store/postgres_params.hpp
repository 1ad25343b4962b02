// pg::ParamList — the bound parameters of one statement, built in order,
// for statements with more parameters than an initializer list reads well
// with (a whole job row), or with optional values. Numbers are sent as text
// (the server converts them to the column's BIGINT or DOUBLE PRECISION);
// the list owns those texts, so its Params stay valid as long as it lives.
#pragma once

#include "store/postgres_connection.hpp"

#include <charconv>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace linkvault::pg {

// A double as the shortest text that reads back as exactly that double
// (std::to_chars' shortest form; PostgreSQL parses it exactly).
inline std::string real_text(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (error != std::errc()) throw Error(ErrorCode::internal, "a number could not be written");
  return std::string(buffer, end);
}

// A PostgreSQL array literal of `values`, for a `$n::text[]` parameter
// (bound like any text, never spliced into SQL). Every element is
// double-quoted with `"` and `\` backslash-escaped, so any text (commas,
// braces, spaces, quotes, the word NULL) stays one element, exactly as
// written. Error(INVALID_ARGUMENT) for an element holding a NUL byte, which
// PostgreSQL text cannot hold; the message names `what` and the element's
// index, never its value (it may be customer data).
template <typename Range>
std::string text_array(const Range& values, std::string_view what) {
  std::string array = "{";
  std::size_t index = 0;
  for (const auto& element : values) {
    const std::string_view value(element);
    if (value.find('\0') != std::string_view::npos) {
      throw Error(ErrorCode::invalid_argument,
                  std::string(what) + " " + std::to_string(index) +
                      " holds a NUL byte, which PostgreSQL text cannot store");
    }
    if (index > 0) array += ',';
    array += '"';
    for (const char c : value) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
    ++index;
  }
  array += '}';
  return array;
}

class ParamList {
 public:
  ParamList() = default;
  ParamList(const ParamList&) = delete;  // the Params point into texts_
  ParamList& operator=(const ParamList&) = delete;

  // The text is the caller's: it must outlive the list's use.
  ParamList& text(std::string_view value) {
    params_.push_back(Param::of(value));
    return *this;
  }
  ParamList& optional_text(const std::optional<std::string>& value) {
    params_.push_back(value ? Param::of(*value) : Param::null_value());
    return *this;
  }
  ParamList& integer(std::int64_t value) { return owned(std::to_string(value)); }
  ParamList& optional_integer(std::optional<std::int64_t> value) {
    if (!value) {
      params_.push_back(Param::null_value());
      return *this;
    }
    return integer(*value);
  }
  ParamList& real(double value) { return owned(real_text(value)); }
  // The bytes are the caller's, like text().
  ParamList& bytes(std::span<const std::uint8_t> value) {
    params_.push_back(Param::of_bytes(value));
    return *this;
  }
  ParamList& null() {
    params_.push_back(Param::null_value());
    return *this;
  }

  std::span<const Param> params() const noexcept { return params_; }

 private:
  ParamList& owned(std::string text) {
    // A deque never moves its elements on push_back, so earlier Params'
    // views stay valid.
    params_.push_back(Param::of(texts_.emplace_back(std::move(text))));
    return *this;
  }

  std::deque<std::string> texts_;
  std::vector<Param> params_;
};

}  // namespace linkvault::pg
