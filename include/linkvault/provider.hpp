// ProviderSpec — a provider in the catalog (DESIGN.md §5): its auth type and
// the credential fields connect() validates against. Built-in providers ship
// inside the library; hosts add their own with Vault::register_provider(json).
#pragma once

#include "linkvault/records.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkvault {

enum class AuthType { api_key, oauth2, basic };
enum class FieldType { secret, text, url, email };

const char* to_string(AuthType type) noexcept;  // "api_key", "oauth2", "basic"
const char* to_string(FieldType type) noexcept;  // "secret", "text", ...
std::optional<AuthType> parse_auth_type(std::string_view text) noexcept;
std::optional<FieldType> parse_field_type(std::string_view text) noexcept;

struct CredentialField {
  std::string name;
  std::string label;
  FieldType type = FieldType::secret;
  bool required = true;
  std::string placeholder;
};

struct ProviderSpec {
  std::string key;   // [a-z0-9_]{1,64}
  std::string name;  // display name
  AuthType auth_type = AuthType::api_key;
  std::vector<CredentialField> fields;  // at least one
  std::vector<std::string> scopes;
  // Limits the vault enforces (Tenant::acquire): "per_minute" and
  // "per_hour", each at least 1. Any other name is the provider's published
  // limit, shown to hosts and not enforced.
  std::map<std::string, std::int64_t> rate_limits;
  std::vector<std::string> features;
  // oauth2 providers: the authorization and token endpoints (absolute
  // https:// URLs). begin_oauth needs authorize_url.
  std::optional<std::string> authorize_url;
  std::optional<std::string> token_url;
  // The kind of record the provider's syncs move (e.g. "clients",
  // "events"; [a-z0-9_]{1,64}, "" when none) and the field mappings an
  // integration uses until it sets its own (JSON keys "record_kind",
  // "field_mappings"; validated as Tenant::set_field_mappings validates).
  std::string record_kind;
  std::vector<FieldMapping> field_mappings;
};

// Strict parse of one provider's JSON spec; Error(INVALID_ARGUMENT) naming the
// offending key.
ProviderSpec parse_provider_spec(std::string_view json);
std::string to_json(const ProviderSpec& spec);

}  // namespace linkvault
