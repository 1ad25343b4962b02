#include "vault/credential_rules.hpp"

#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "core/url_rules.hpp"
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

bool is_utf8_continuation(unsigned char byte) noexcept { return (byte & 0xC0) == 0x80; }

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
