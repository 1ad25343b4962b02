#include "vault/credential_rules.hpp"

#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "linkvault/error.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace linkvault {
namespace {

// U+2022 BULLET, four times, in UTF-8.
constexpr std::string_view mask_prefix = "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2";
constexpr std::size_t mask_min_characters = 12;
constexpr std::size_t mask_shown_characters = 4;

[[noreturn]] void reject_field(std::string_view field, std::string_view problem) {
  throw Error(ErrorCode::invalid_argument,
              fmt::format("credential field {} {}", quote_for_message(field), problem));
}

bool is_utf8_continuation(unsigned char byte) noexcept { return (byte & 0xC0) == 0x80; }

// Decodes the code point starting at text[pos] and advances pos. The text must
// be valid UTF-8 (checked before any caller gets here).
std::uint32_t next_code_point(std::string_view text, std::size_t& pos) noexcept {
  const auto lead = static_cast<unsigned char>(text[pos++]);
  if (lead < 0x80) return lead;
  const int continuation = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
  std::uint32_t code_point = lead & (0x3F >> continuation);
  for (int i = 0; i < continuation; ++i) {
    code_point = (code_point << 6) | (static_cast<unsigned char>(text[pos++]) & 0x3F);
  }
  return code_point;
}

// Whitespace and control characters, ASCII and Unicode (C0, DEL, C1, the
// White_Space property, and the BOM that often rides along in pasted text).
bool is_space_or_control(std::uint32_t c) noexcept {
  return c <= 0x20 || c == 0x7F || (c >= 0x80 && c <= 0xA0) || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool is_port(std::string_view text) noexcept {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

// An absolute https:// URL (scheme case-insensitive, RFC 3986) with a
// non-empty host, an optional numeric port and no whitespace or control
// characters anywhere. `url` is valid UTF-8.
bool is_absolute_https_url(std::string_view url) noexcept {
  for (std::size_t pos = 0; pos < url.size();) {
    if (is_space_or_control(next_code_point(url, pos))) return false;
  }
  static constexpr std::string_view scheme = "https://";
  if (!starts_with_ignoring_case(url, scheme)) return false;
  std::string_view authority = url.substr(scheme.size());
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);  // user information is not the host
  }
  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (!authority.empty() && authority.front() == '[') {  // IP literal, "[::1]:8443"
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return false;
  return !port || is_port(*port);
}

bool is_email_address(std::string_view text) noexcept {
  const auto at = text.find('@');
  return at != std::string_view::npos && at != 0 && at + 1 < text.size() &&
         text.find('@', at + 1) == std::string_view::npos;
}

const CredentialField* find_field(const ProviderSpec& spec, std::string_view name) noexcept {
  for (const CredentialField& field : spec.fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

}  // namespace

void validate_credentials(const ProviderSpec& spec, const Credentials& credentials) {
  if (credentials.size() > max_credential_fields) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("too many credential fields for provider {}: {} (at most {})",
                            quote_for_message(spec.key), credentials.size(),
                            max_credential_fields));
  }
  for (const auto& [name, secret] : credentials) {
    const CredentialField* field = find_field(spec, name);
    if (field == nullptr) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("unknown credential field {} for provider {}",
                              quote_for_message(name), quote_for_message(spec.key)));
    }
    const std::string_view value = secret_view(secret);
    if (value.size() > max_credential_value_bytes) {
      reject_field(name, fmt::format("is longer than {} bytes", max_credential_value_bytes));
    }
    if (!is_valid_utf8(value)) reject_field(name, "is not valid UTF-8");
    if (value.empty()) continue;  // an empty required field is reported below
    if (field->type == FieldType::url && !is_absolute_https_url(value)) {
      reject_field(name, "must be an absolute https:// URL with a host and no spaces");
    }
    if (field->type == FieldType::email && !is_email_address(value)) {
      reject_field(name, "must be an e-mail address (one '@' with text on both sides)");
    }
  }
  for (const CredentialField& field : spec.fields) {
    if (!field.required) continue;
    const auto it = credentials.find(field.name);
    if (it == credentials.end()) reject_field(field.name, "is required");
    if (it->second.empty()) reject_field(field.name, "must not be empty");
  }
}

std::string credential_mask(const ProviderSpec& spec, const Credentials& credentials) {
  const CredentialField* first_secret = nullptr;
  for (const CredentialField& field : spec.fields) {
    if (field.type == FieldType::secret) {
      first_secret = &field;
      break;
    }
  }
  std::string mask(mask_prefix);
  if (first_secret == nullptr) return mask;
  const auto it = credentials.find(first_secret->name);
  if (it == credentials.end()) return mask;
  const std::string_view value = secret_view(it->second);
  if (!is_valid_utf8(value)) return mask;

  // Walk back from the end over whole code points; a lead byte (not
  // 10xxxxxx) starts each one. Count until we know there are at least 12.
  std::size_t characters = 0;
  std::size_t tail_start = value.size();
  for (std::size_t pos = value.size(); pos > 0 && characters < mask_min_characters;) {
    --pos;
    if (is_utf8_continuation(static_cast<unsigned char>(value[pos]))) continue;
    ++characters;
    if (characters == mask_shown_characters) tail_start = pos;
  }
  if (characters < mask_min_characters) return mask;
  mask.append(value.substr(tail_start));
  return mask;
}

}  // namespace linkvault
