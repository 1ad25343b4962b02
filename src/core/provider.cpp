// ProviderSpec from and to JSON (DESIGN.md §5). A spec is host input, so the
// parser is strict (core/json_object_reader.hpp): unknown or repeated keys,
// wrong types, bad identifiers and empty required values are Error(INVALID_ARGUMENT) naming the key by its path
// ("credential_fields[1].type"). to_json() writes the same shape back, with
// every key present, so parse(to_json(spec)) == spec.
#include "linkvault/provider.hpp"

#include "core/json_object_reader.hpp"
#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "core/url_rules.hpp"
#include "linkvault/error.hpp"
#include "linkvault/limits.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace linkvault {
namespace {

// Bounds that keep a catalog entry a small, displayable thing (identifiers
// and credential fields: linkvault/limits.hpp, the same numbers
// validate_credentials() applies).
constexpr std::size_t max_text_bytes = 1024;
constexpr std::size_t max_list_entries = 256;

[[noreturn]] void reject(const std::string& message) {
  throw Error(ErrorCode::invalid_argument, "provider spec: " + message);
}

bool is_identifier(std::string_view text) noexcept {
  if (text.empty() || text.size() > max_identifier_bytes) return false;
  for (const char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string element_path(std::string_view list, std::size_t index) {
  return fmt::format("{}[{}]", list, index);
}

std::string require_text(const JsonObjectReader& reader, const std::string& path,
                         simdjson::dom::element value, bool allow_empty) {
  const std::string_view text = reader.string(path, value);
  if (!allow_empty && text.empty()) reject(fmt::format("{} must not be empty", quote_for_message(path)));
  if (text.size() > max_text_bytes) {
    reject(fmt::format("{} is longer than {} bytes", quote_for_message(path), max_text_bytes));
  }
  return std::string(text);
}

std::string require_identifier(const JsonObjectReader& reader, const std::string& path,
                               simdjson::dom::element value) {
  const std::string_view text = reader.string(path, value);
  if (!is_identifier(text)) {
    reject(fmt::format("{} must match [a-z0-9_]{{1,{}}}, got {}", quote_for_message(path),
                       max_identifier_bytes,
                       quote_for_message(text)));
  }
  return std::string(text);
}

simdjson::dom::array require_array(const JsonObjectReader& reader, const std::string& path,
                                   simdjson::dom::element value) {
  const auto array = reader.array(path, value);
  if (array.size() > max_list_entries) {
    reject(fmt::format("{} has more than {} entries", quote_for_message(path), max_list_entries));
  }
  return array;
}

// An OAuth endpoint: an absolute https:// URL.
std::string require_https_url(const JsonObjectReader& reader, const std::string& path,
                              simdjson::dom::element value) {
  std::string url = require_text(reader, path, value, /*allow_empty=*/false);
  if (!is_absolute_https_url(url)) {
    reject(fmt::format("{} must be an absolute https:// URL with a host and no spaces",
                       quote_for_message(path)));
  }
  return url;
}

// A list of distinct, non-empty strings (scopes, features).
std::vector<std::string> require_string_list(const JsonObjectReader& reader,
                                             const std::string& path,
                                             simdjson::dom::element value) {
  std::vector<std::string> result;
  std::set<std::string, std::less<>> seen;
  std::size_t index = 0;
  for (const auto entry : require_array(reader, path, value)) {
    auto text = require_text(reader, element_path(path, index), entry, /*allow_empty=*/false);
    if (!seen.insert(text).second) {
      reject(fmt::format("{} repeats {}", quote_for_message(path), quote_for_message(text)));
    }
    result.push_back(std::move(text));
    ++index;
  }
  return result;
}

std::map<std::string, std::int64_t> require_rate_limits(const JsonObjectReader& reader,
                                                       const std::string& path,
                                                       simdjson::dom::element value) {
  std::map<std::string, std::int64_t> result;
  const auto object = reader.object(path, value);
  if (object.size() > max_list_entries) {
    reject(fmt::format("{} has more than {} entries", quote_for_message(path), max_list_entries));
  }
  for (const auto [name, limit] : object) {
    if (name.empty() || name.size() > max_identifier_bytes) {
      reject(fmt::format("{} names must be 1 to {} bytes", quote_for_message(path),
                         max_identifier_bytes));
    }
    // Only a plain integer: 60.0 and numbers beyond int64 are rejected.
    if (limit.type() != simdjson::dom::element_type::INT64 ||
        limit.get_int64().value_unsafe() < 0) {
      reject(fmt::format("{} entry {} must be a non-negative integer", quote_for_message(path),
                         quote_for_message(name)));
    }
    // The limits the vault enforces (Tenant::acquire) must let something
    // through; 0 would block the integration for good.
    if ((name == "per_minute" || name == "per_hour") && limit.get_int64().value_unsafe() < 1) {
      reject(fmt::format("{} entry {} must be at least 1", quote_for_message(path),
                         quote_for_message(name)));
    }
    if (!result.emplace(std::string(name), limit.get_int64().value_unsafe()).second) {
      reject(fmt::format("{} repeats {}", quote_for_message(path), quote_for_message(name)));
    }
  }
  return result;
}

CredentialField parse_credential_field(const JsonObjectReader& parent, const std::string& path,
                                       simdjson::dom::element value) {
  CredentialField field;
  JsonObjectReader reader("provider spec", parent.object(path, value),
                          " in " + quote_for_message(path));
  static constexpr std::array<std::string_view, 5> keys{"name", "label", "type", "required",
                                                        "placeholder"};
  reader.for_each(keys, [&](std::string_view key, simdjson::dom::element member) {
    const std::string member_path = fmt::format("{}.{}", path, key);
    if (key == "name") {
      field.name = require_identifier(reader, member_path, member);
    } else if (key == "label") {
      field.label = require_text(reader, member_path, member, /*allow_empty=*/false);
    } else if (key == "type") {
      std::string_view text;
      std::optional<FieldType> type;
      if (member.get(text) == simdjson::SUCCESS) type = parse_field_type(text);
      if (!type) {
        reject(fmt::format("{} must be one of secret, text, url, email",
                           quote_for_message(member_path)));
      }
      field.type = *type;
    } else if (key == "required") {
      field.required = reader.boolean(member_path, member);
    } else {
      field.placeholder = require_text(reader, member_path, member, /*allow_empty=*/true);
    }
  });
  for (const std::string_view required : {"name", "type"}) {
    if (!reader.has(keys, required)) {
      reject(fmt::format("{} is missing {}", quote_for_message(path), quote_for_message(required)));
    }
  }
  if (!reader.has(keys, "label")) field.label = field.name;
  return field;
}

std::vector<CredentialField> require_credential_fields(const JsonObjectReader& reader,
                                                       const std::string& path,
                                                       simdjson::dom::element value) {
  const auto array = require_array(reader, path, value);
  if (array.size() == 0) reject(fmt::format("{} must not be empty", quote_for_message(path)));
  if (array.size() > max_credential_fields) {
    reject(fmt::format("{} has more than {} entries", quote_for_message(path),
                       max_credential_fields));
  }
  std::vector<CredentialField> fields;
  std::set<std::string, std::less<>> names;
  std::size_t index = 0;
  for (const auto entry : array) {
    const std::string entry_path = element_path(path, index);
    auto field = parse_credential_field(reader, entry_path, entry);
    if (!names.insert(field.name).second) {
      reject(fmt::format("{} repeats credential field {}", quote_for_message(entry_path + ".name"),
                         quote_for_message(field.name)));
    }
    fields.push_back(std::move(field));
    ++index;
  }
  return fields;
}

// Default field mappings: the same rules Tenant::set_field_mappings takes,
// at least one (an empty list would mean "no defaults": leave the key out).
std::vector<FieldMapping> require_field_mappings(const std::string& path,
                                                 simdjson::dom::element value) {
  if (!value.is_array() || value.get_array().size() == 0) {
    reject(fmt::format("{} must be a non-empty array of field mapping rules",
                              quote_for_message(path)));
  }
  try {
    return parse_field_mappings_json(simdjson::minify(value));
  } catch (const Error& error) {
    reject(fmt::format("{}: {}", quote_for_message(path), error.what()));
  }
}

void append_string_list(std::string& out, const std::vector<std::string>& list) {
  out.push_back('[');
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i != 0) out.push_back(',');
    append_json_quoted(out, list[i]);
  }
  out.push_back(']');
}

}  // namespace

ProviderSpec parse_provider_spec(std::string_view json) {
  JsonObjectReader reader("provider spec", json);
  static constexpr std::array<std::string_view, 11> keys{
      "key",         "name",          "auth_type",   "credential_fields",
      "scopes",      "rate_limits",   "features",    "authorize_url",
      "token_url",   "record_kind",   "field_mappings"};
  ProviderSpec spec;
  reader.for_each(keys, [&](std::string_view key, simdjson::dom::element value) {
    const std::string path(key);
    if (key == "key") {
      spec.key = require_identifier(reader, path, value);
    } else if (key == "name") {
      spec.name = require_text(reader, path, value, /*allow_empty=*/false);
    } else if (key == "auth_type") {
      std::string_view text;
      std::optional<AuthType> type;
      if (value.get(text) == simdjson::SUCCESS) type = parse_auth_type(text);
      if (!type) reject("'auth_type' must be one of api_key, oauth2, basic");
      spec.auth_type = *type;
    } else if (key == "credential_fields") {
      spec.fields = require_credential_fields(reader, path, value);
    } else if (key == "scopes") {
      spec.scopes = require_string_list(reader, path, value);
    } else if (key == "rate_limits") {
      spec.rate_limits = require_rate_limits(reader, path, value);
    } else if (key == "authorize_url") {
      spec.authorize_url = require_https_url(reader, path, value);
    } else if (key == "token_url") {
      spec.token_url = require_https_url(reader, path, value);
    } else if (key == "record_kind") {
      spec.record_kind = require_identifier(reader, path, value);
    } else if (key == "field_mappings") {
      spec.field_mappings = require_field_mappings(path, value);
    } else {
      spec.features = require_string_list(reader, path, value);
    }
  });
  for (const std::string_view required : {"key", "name", "auth_type", "credential_fields"}) {
    if (!reader.has(keys, required)) {
      reject(fmt::format("missing required key {}", quote_for_message(required)));
    }
  }
  if ((spec.authorize_url || spec.token_url) && spec.auth_type != AuthType::oauth2) {
    reject("'authorize_url' and 'token_url' are for auth_type oauth2 only");
  }
  if (!spec.field_mappings.empty() && spec.record_kind.empty()) {
    reject("'field_mappings' needs a 'record_kind' (the kind of record they map)");
  }
  return spec;
}

std::string to_json(const ProviderSpec& spec) {
  std::string out;
  out.reserve(256 + 128 * spec.fields.size());
  out += R"({"key":)";
  append_json_quoted(out, spec.key);
  out += R"(,"name":)";
  append_json_quoted(out, spec.name);
  out += R"(,"auth_type":")";
  out += to_string(spec.auth_type);
  out += R"(","credential_fields":[)";
  for (std::size_t i = 0; i < spec.fields.size(); ++i) {
    const CredentialField& field = spec.fields[i];
    if (i != 0) out.push_back(',');
    out += R"({"name":)";
    append_json_quoted(out, field.name);
    out += R"(,"label":)";
    append_json_quoted(out, field.label);
    out += R"(,"type":")";
    out += to_string(field.type);
    out += R"(","required":)";
    out += field.required ? "true" : "false";
    out += R"(,"placeholder":)";
    append_json_quoted(out, field.placeholder);
    out.push_back('}');
  }
  out += R"(],"scopes":)";
  append_string_list(out, spec.scopes);
  out += R"(,"rate_limits":{)";
  bool first = true;
  for (const auto& [name, limit] : spec.rate_limits) {
    if (!first) out.push_back(',');
    first = false;
    append_json_quoted(out, name);
    out += fmt::format(":{}", limit);
  }
  out += R"(},"features":)";
  append_string_list(out, spec.features);
  // Written only when set, so specs stored before these keys existed keep
  // their canonical text.
  for (const auto& [key, url] : {std::pair{"authorize_url", &spec.authorize_url},
                                 std::pair{"token_url", &spec.token_url}}) {
    if (!*url) continue;
    out += fmt::format(R"(,"{}":)", key);
    append_json_quoted(out, **url);
  }
  if (!spec.record_kind.empty()) {
    out += R"(,"record_kind":)";
    append_json_quoted(out, spec.record_kind);
  }
  if (!spec.field_mappings.empty()) {
    out += R"(,"field_mappings":)";
    out += to_json(spec.field_mappings);
  }
  out.push_back('}');
  return out;
}

}  // namespace linkvault
