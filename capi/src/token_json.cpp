#include "token_json.hpp"

#include "linkvault/clock.hpp"
#include "linkvault/credentials_json.hpp"
#include "linkvault/limits.hpp"
#include "linkvault/message_text.hpp"
#include "request_object.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace linkvault::capi {

namespace ondemand = simdjson::ondemand;

namespace {

constexpr TimeMs last_representable_time = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

class TokenReader {
 public:
  TokenReader(std::string_view parameter, std::string_view json)
      : parameter_(parameter),
        // simdjson reads SIMDJSON_PADDING bytes past the end: this padded
        // copy is the only copy of the text, and it is in secure memory.
        padded_(json.size() + simdjson::SIMDJSON_PADDING, 0) {
    std::copy(json.begin(), json.end(), padded_.begin());
    text_end_ = reinterpret_cast<const char*>(padded_.data()) + json.size();
  }

  TokenGrant read() {
    const simdjson::padded_string_view input(reinterpret_cast<const char*>(padded_.data()),
                                             size(), padded_.size());
    check_grammar();
    ondemand::parser parser;
    ondemand::document document;
    ondemand::object object;
    if (const auto error = parser.iterate(input).get(document)) fail(error);
    if (const auto error = document.get_object().get(object)) {
      if (error == simdjson::INCORRECT_TYPE) invalid("must be a JSON object");
      fail(error);
    }
    TokenGrant grant;
    bool has_access_token = false;
    std::optional<std::int64_t> expires_in;
    std::set<std::string, std::less<>> seen;
    for (auto field_or_error : object) {
      ondemand::field field;
      if (const auto error = std::move(field_or_error).get(field)) fail(error);
      std::string key = key_of(field);
      if (!seen.insert(key).second) invalid("duplicate key " + quote_for_message(key));
      ondemand::value value = field.value();
      if (key == "access_token") {
        grant.access_token = token_of(key, value);
        if (grant.access_token.empty()) invalid("key 'access_token' must not be empty");
        has_access_token = true;
      } else if (key == "refresh_token") {
        if (is_null(value)) continue;
        grant.refresh_token = token_of(key, value);
        if (grant.refresh_token->empty()) {
          invalid("key 'refresh_token' must not be empty (null keeps the stored one)");
        }
      } else if (key == "expires_in") {
        if (!is_null(value)) expires_in = expires_in_of(value);
      } else if (key == "expires_at") {
        if (!is_null(value)) grant.expires_at = time_of(key, value);
      } else {
        check_value(value);
      }
    }
    // Anything after the object ("{} {}") leaves the iterator in bounds.
    const char* trailing = nullptr;
    if (document.current_location().get(trailing) == simdjson::SUCCESS) {
      invalid("unexpected content after the object");
    }
    if (!has_access_token) invalid("key 'access_token' is required");
    grant.expires_in = expires_in;
    return grant;
  }

 private:
  [[noreturn]] void invalid(std::string_view problem) const {
    invalid_request(parameter_, problem);
  }
  [[noreturn]] void fail(simdjson::error_code error) const {
    invalid(fmt::format("not valid JSON ({})", simdjson::error_message(error)));
  }

  std::size_t size() const noexcept {
    return static_cast<std::size_t>(text_end_ - reinterpret_cast<const char*>(padded_.data()));
  }

  // On-Demand checks only what it reads and skips the rest on trust
  // ({"a":"b":1}} gets through): the whole grammar is checked first, on a
  // masked copy (linkvault/credentials_json.hpp).
  void check_grammar() const {
    if (const auto error = json_grammar_error(std::string_view(
            reinterpret_cast<const char*>(padded_.data()), size()))) {
      invalid(fmt::format("not valid JSON ({})", *error));
    }
  }


  // The key, up to its closing quote (stage 1 has checked the string is
  // well formed), unescaped by us: simdjson's unescaping copies whole blocks
  // and would carry the bytes after the key — the token — into its buffer.
  std::string key_of(ondemand::field& field) const {
    const char* const body = field.key().raw();
    const char* end = body;
    while (end < text_end_ && *end != '"') end += *end == '\\' ? 2 : 1;
    if (end >= text_end_) invalid("not valid JSON (unterminated key)");
    SecretBytes unescaped;
    if (!unescape_json_string(std::string_view(body, static_cast<std::size_t>(end - body)),
                              unescaped)) {
      invalid("a key has an invalid escape");
    }
    return std::string(secret_view(unescaped));
  }

  // Whether the value is null (and a well-formed null: not "nul" or "nullx").
  bool is_null(ondemand::value& value) const {
    ondemand::json_type type;
    if (const auto error = value.type().get(type)) fail(error);
    if (type != ondemand::json_type::null) return false;
    bool null = false;
    if (const auto error = value.is_null().get(null)) fail(error);
    if (!null) fail(simdjson::N_ATOM_ERROR);
    return true;
  }

  // The body of a string value (between its quotes), still escaped: a view
  // into the secure copy. Empty optional when the value is not a string.
  std::optional<std::string_view> raw_string(ondemand::value& value) const {
    ondemand::json_type type;
    if (const auto error = value.type().get(type)) fail(error);
    if (type != ondemand::json_type::string) return std::nullopt;
    // The raw token runs from the opening quote to the next structural
    // character, trailing whitespace included.
    std::string_view token = value.raw_json_token();
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t' ||
                              token.back() == '\n' || token.back() == '\r')) {
      token.remove_suffix(1);
    }
    if (token.size() < 2 || token.front() != '"' || token.back() != '"') {
      invalid("not valid JSON (a string is not terminated)");
    }
    return token.substr(1, token.size() - 2);
  }

  SecretBytes string_of(std::string_view key, ondemand::value& value) const {
    const auto body = raw_string(value);
    if (!body) invalid(fmt::format("key {} must be a string", quote_for_message(key)));
    SecretBytes text;
    if (!unescape_json_string(*body, text)) {
      invalid(fmt::format("key {} has an invalid escape", quote_for_message(key)));
    }
    return text;
  }

  // A token: a string the vault can store as a credential value.
  SecretBytes token_of(std::string_view key, ondemand::value& value) const {
    SecretBytes token = string_of(key, value);
    if (token.size() > max_credential_value_bytes) {
      invalid(fmt::format("key {} is longer than {} bytes", quote_for_message(key),
                          max_credential_value_bytes));
    }
    return token;
  }

  TimeMs time_of(std::string_view key, ondemand::value& value) const {
    const SecretBytes text = string_of(key, value);
    const auto time = parse_rfc3339(secret_view(text));
    // The vault keeps times from 1970 to 9999.
    if (!time || *time < 0 || *time > last_representable_time) {
      invalid(fmt::format("key {} is not an RFC 3339 time from 1970 to 9999",
                          quote_for_message(key)));
    }
    return *time;
  }

  std::int64_t expires_in_of(ondemand::value& value) const {
    const auto out_of_range = [this]() {
      invalid(fmt::format("key 'expires_in' must be an integer from 0 to {}",
                          max_expires_in_seconds));
    };
    ondemand::json_type type;
    if (const auto error = value.type().get(type)) fail(error);
    if (type != ondemand::json_type::number) out_of_range();
    ondemand::number number;
    if (const auto error = value.get_number().get(number)) {
      if (error == simdjson::NUMBER_ERROR) fail(error);
      out_of_range();
    }
    if (number.get_number_type() != ondemand::number_type::signed_integer &&
        number.get_number_type() != ondemand::number_type::unsigned_integer) {
      out_of_range();
    }
    if (number.get_number_type() == ondemand::number_type::unsigned_integer &&
        number.get_uint64() > static_cast<std::uint64_t>(max_expires_in_seconds)) {
      out_of_range();
    }
    const std::int64_t seconds = number.get_number_type() == ondemand::number_type::signed_integer
                                     ? number.get_int64()
                                     : static_cast<std::int64_t>(number.get_uint64());
    if (seconds < 0 || seconds > max_expires_in_seconds) out_of_range();
    return seconds;
  }

  // An ignored member's value: read to its end, so that malformed JSON is
  // refused there too; its strings are unescaped (into secure memory, an
  // id_token is a secret as well) only to check their escapes.
  void check_value(ondemand::value value) const {
    ondemand::json_type type;
    if (const auto error = value.type().get(type)) fail(error);
    switch (type) {
      case ondemand::json_type::object: {
        ondemand::object object;
        if (const auto error = value.get_object().get(object)) fail(error);
        for (auto field_or_error : object) {
          ondemand::field field;
          if (const auto error = std::move(field_or_error).get(field)) fail(error);
          key_of(field);
          check_value(field.value());
        }
        return;
      }
      case ondemand::json_type::array: {
        ondemand::array array;
        if (const auto error = value.get_array().get(array)) fail(error);
        for (auto item_or_error : array) {
          ondemand::value item;
          if (const auto error = std::move(item_or_error).get(item)) fail(error);
          check_value(item);
        }
        return;
      }
      case ondemand::json_type::string: {
        SecretBytes scratch;
        if (!unescape_json_string(*raw_string(value), scratch)) {
          invalid("not valid JSON (a string has an invalid escape)");
        }
        return;
      }
      case ondemand::json_type::number: {
        ondemand::number number;
        if (const auto error = value.get_number().get(number)) fail(error);
        return;
      }
      case ondemand::json_type::boolean: {
        bool flag = false;
        if (const auto error = value.get_bool().get(flag)) fail(error);
        return;
      }
      case ondemand::json_type::null:
        is_null(value);
        return;
    }
    fail(simdjson::TAPE_ERROR);
  }

  std::string_view parameter_;
  SecretBytes padded_;
  const char* text_end_ = nullptr;
};

}  // namespace

TokenGrant parse_token_grant(std::string_view parameter, std::string_view json) {
  return TokenReader(parameter, json).read();
}

}  // namespace linkvault::capi
