#include "vault/credential_codec.hpp"

#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "linkvault/error.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

namespace linkvault {
namespace {

// ---- binary encoding ------------------------------------------------------

void append_u32_be(SecretBytes& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 24));
  out.push_back(static_cast<std::uint8_t>(value >> 16));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

[[noreturn]] void malformed() {
  throw Error(ErrorCode::integrity, "sealed credentials are malformed");
}

// Reads the encoding front to back; every read is bounds-checked.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }

  std::uint8_t byte() {
    if (remaining() < 1) malformed();
    return bytes_[pos_++];
  }

  std::uint32_t u32_be() {
    if (remaining() < 4) malformed();
    const std::uint32_t value = (std::uint32_t{bytes_[pos_]} << 24) |
                                (std::uint32_t{bytes_[pos_ + 1]} << 16) |
                                (std::uint32_t{bytes_[pos_ + 2]} << 8) |
                                std::uint32_t{bytes_[pos_ + 3]};
    pos_ += 4;
    return value;
  }

  std::span<const std::uint8_t> take(std::size_t count) {
    if (remaining() < count) malformed();
    const auto result = bytes_.subspan(pos_, count);
    pos_ += count;
    return result;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

// ---- JSON -----------------------------------------------------------------

[[noreturn]] void reject_json(const std::string& message) {
  throw Error(ErrorCode::invalid_argument, "credentials JSON: " + message);
}

// The key whose body starts at `body` (just after its opening quote), read up
// to its closing quote — stage 1 has checked that the string is well formed —
// and unescaped by us (see parse_credentials_json).
std::string unescaped_key(simdjson::ondemand::raw_json_string key, const char* text_end) {
  const char* const body = key.raw();
  const char* end = body;
  while (end < text_end && *end != '"') end += *end == '\\' ? 2 : 1;
  if (end >= text_end) reject_json("not valid JSON (unterminated key)");
  SecretBytes unescaped;  // the same unescaping as values; wiped all the same
  if (!unescape_json_string(std::string_view(body, static_cast<std::size_t>(end - body)),
                            unescaped)) {
    reject_json("a key has an invalid escape");
  }
  return std::string(secret_view(unescaped));
}

// Appends `text` as a JSON string literal, quotes included (the escaping of
// append_json_quoted, written into secure memory).
void append_json_quoted_secret(SecretBytes& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  const auto put = [&out](std::string_view piece) { out.insert(out.end(), piece.begin(), piece.end()); };
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"': put("\\\""); break;
      case '\\': put("\\\\"); break;
      case '\n': put("\\n"); break;
      case '\r': put("\\r"); break;
      case '\t': put("\\t"); break;
      case '\b': put("\\b"); break;
      case '\f': put("\\f"); break;
      default: {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20) {
          put("\\u00");
          out.push_back(static_cast<std::uint8_t>(hex[byte >> 4]));
          out.push_back(static_cast<std::uint8_t>(hex[byte & 0xF]));
        } else {
          out.push_back(byte);
        }
      }
    }
  }
  out.push_back('"');
}

// Length of append_json_quoted_secret(text), so the output is sized once.
std::size_t json_quoted_size(std::string_view text) noexcept {
  std::size_t size = 2;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
      size += 2;
    } else if (byte < 0x20) {
      size += 6;
    } else {
      size += 1;
    }
  }
  return size;
}

}  // namespace

SecretBytes encode_credentials(const Credentials& credentials) {
  constexpr std::size_t max_length = std::numeric_limits<std::uint32_t>::max();
  std::size_t total = 1 + 4;
  for (const auto& [name, value] : credentials) {
    if (name.size() > max_length || value.size() > max_length) {
      throw Error(ErrorCode::invalid_argument,
                  "credential field " + quote_for_message(name) + " is too large to encode");
    }
    total += 4 + name.size() + 4 + value.size();
  }
  if (credentials.size() > max_length) {
    throw Error(ErrorCode::invalid_argument, "too many credential fields to encode");
  }
  SecretBytes out;
  out.reserve(total);  // one allocation: no stray copies left by growth
  out.push_back(credential_encoding_version);
  append_u32_be(out, credentials.size());
  for (const auto& [name, value] : credentials) {  // std::map: name order
    append_u32_be(out, name.size());
    out.insert(out.end(), name.begin(), name.end());
    append_u32_be(out, value.size());
    out.insert(out.end(), value.begin(), value.end());
  }
  return out;
}

Credentials decode_credentials(std::span<const std::uint8_t> encoded) {
  Reader reader(encoded);
  if (reader.byte() != credential_encoding_version) malformed();
  const std::uint32_t count = reader.u32_be();
  // Each field needs at least its two length words: refuse a count the bytes
  // cannot hold before looping on it.
  if (count > reader.remaining() / 8) malformed();
  Credentials credentials;
  const std::string* previous_name = nullptr;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto name_bytes = reader.take(reader.u32_be());
    std::string name(name_bytes.begin(), name_bytes.end());
    // Canonical form: names strictly increasing, which also rules out repeats.
    if (previous_name != nullptr && !(*previous_name < name)) malformed();
    const auto value_bytes = reader.take(reader.u32_be());
    const auto [it, inserted] = credentials.emplace(
        std::move(name), SecretBytes(value_bytes.begin(), value_bytes.end()));
    if (!inserted) malformed();
    previous_name = &it->first;
  }
  if (reader.remaining() != 0) malformed();
  return credentials;
}

Credentials parse_credentials_json(std::string_view json) {
  if (json.size() > max_credentials_json_bytes) {
    reject_json(fmt::format("larger than {} bytes", max_credentials_json_bytes));
  }
  // simdjson reads SIMDJSON_PADDING bytes past the end; this padded copy is the
  // only copy of the text we make, and it is in secure memory.
  SecretBytes padded(json.size() + simdjson::SIMDJSON_PADDING, 0);
  std::copy(json.begin(), json.end(), padded.begin());
  const simdjson::padded_string_view input(reinterpret_cast<const char*>(padded.data()),
                                           json.size(), padded.size());
  // On-Demand checks only what it visits: a stray ':' after a value would
  // pass. The whole grammar is checked first.
  if (const auto error = json_grammar_error(json)) reject_json("not valid JSON (" + *error + ")");

  const char* const text_end = reinterpret_cast<const char*>(padded.data()) + json.size();

  // On-Demand, and nothing is ever unescaped by simdjson: we take each raw
  // token and unescape it ourselves. simdjson unescapes into its parser's
  // string buffer (ordinary heap, freed unwiped) and copies whole blocks
  // while it does, so unescaping even a key would carry the bytes after it —
  // the value — into that buffer. Keys are not secret, but that copy is.
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document document;
  simdjson::ondemand::object object;
  const auto fail = [](simdjson::error_code error) {
    if (error == simdjson::INCORRECT_TYPE) reject_json("must be a JSON object");
    reject_json(fmt::format("not valid JSON ({})", simdjson::error_message(error)));
  };
  if (const auto error = parser.iterate(input).get(document)) fail(error);
  if (const auto error = document.get_object().get(object)) fail(error);

  Credentials credentials;
  for (auto field_or_error : object) {
    simdjson::ondemand::field field;
    if (const auto error = std::move(field_or_error).get(field)) fail(error);
    std::string name = unescaped_key(field.key(), text_end);
    simdjson::ondemand::value value = std::move(field).value();
    simdjson::ondemand::json_type type;
    if (const auto error = value.type().get(type)) fail(error);
    if (type != simdjson::ondemand::json_type::string) {
      reject_json("the value of " + quote_for_message(name) + " must be a string");
    }
    // The raw token runs from the opening quote to the next structural
    // character, trailing whitespace included.
    std::string_view token = value.raw_json_token();
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t' ||
                              token.back() == '\n' || token.back() == '\r')) {
      token.remove_suffix(1);
    }
    if (token.size() < 2 || token.front() != '"' || token.back() != '"') {
      reject_json("the value of " + quote_for_message(name) + " is not a valid string");
    }
    SecretBytes secret;
    if (!unescape_json_string(token.substr(1, token.size() - 2), secret)) {
      reject_json("the value of " + quote_for_message(name) + " has an invalid escape");
    }
    if (credentials.count(name) != 0) reject_json("duplicate key " + quote_for_message(name));
    credentials.emplace(std::move(name), std::move(secret));
  }
  // Anything after the object ("{} {}", "{}}") leaves the iterator in bounds.
  const char* trailing = nullptr;
  if (document.current_location().get(trailing) == simdjson::SUCCESS) {
    reject_json("unexpected content after the object");
  }
  return credentials;
}

SecretBytes json_escaped_secret(std::string_view value) {
  SecretBytes out;
  out.reserve(json_quoted_size(value));
  append_json_quoted_secret(out, value);
  // Drop the quotes in place: no reallocation, so no stray copy.
  out.erase(out.begin());
  out.pop_back();
  return out;
}

SecretBytes credentials_to_json(const Credentials& credentials) {
  std::size_t total = 2;
  for (const auto& [name, secret] : credentials) {
    const std::string_view value = secret_view(secret);
    if (!is_valid_utf8(name)) {
      throw Error(ErrorCode::invalid_argument,
                  "credential field " + quote_for_message(name) + " has a name that is not valid UTF-8");
    }
    if (!is_valid_utf8(value)) {
      throw Error(ErrorCode::invalid_argument,
                  "credential field " + quote_for_message(name) + " is not valid UTF-8");
    }
    total += json_quoted_size(name) + 1 + json_quoted_size(value) + 1;
  }
  SecretBytes out;
  out.reserve(total);
  out.push_back('{');
  bool first = true;
  for (const auto& [name, secret] : credentials) {
    if (!first) out.push_back(',');
    first = false;
    append_json_quoted_secret(out, name);
    out.push_back(':');
    append_json_quoted_secret(out, secret_view(secret));
  }
  out.push_back('}');
  return out;
}

}  // namespace linkvault
