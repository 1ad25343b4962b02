// Field mapping rules from and to JSON, and their validation (docs/
// SEMANTICS.md, "Field mappings"). Rules are host input, so parsing is
// strict (core/json_object_reader.hpp): an unknown or repeated key or a
// value of the wrong type is Error(INVALID_ARGUMENT) naming the rule by its
// index (from 0) and target: "field mapping 3 ('email'): ...".
#include "linkvault/records.hpp"

#include "core/json_object_reader.hpp"
#include "core/json_text.hpp"
#include "core/message_text.hpp"
#include "linkvault/error.hpp"
#include "core/canonical_json.hpp"
#include "core/json_pointer.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <set>
#include <string>
#include <utility>

namespace linkvault {
namespace {

constexpr std::size_t max_target_bytes = 128;
constexpr std::size_t max_transforms = 16;
constexpr std::size_t max_default_bytes = 4096;

constexpr std::string_view transform_list =
    "trim, lower, upper, digits, date, number, boolean, string";

std::string rule_subject(std::size_t index, std::string_view target, bool target_known) {
  if (!target_known) return fmt::format("field mapping {}", index);
  return fmt::format("field mapping {} ({})", index, quote_for_message(target));
}

[[noreturn]] void reject_rule(std::size_t index, const FieldMapping& rule,
                              std::string_view problem) {
  throw Error(ErrorCode::invalid_argument,
              fmt::format("{}: {}", rule_subject(index, rule.target, true), problem));
}

// C0 controls, DEL and the C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F):
// a target is a field name the host shows and stores.
bool has_control_character(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F) return true;
    if (byte == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
  }
  return false;
}

void validate_rule(std::size_t index, const FieldMapping& rule) {
  if (rule.target.empty()) reject_rule(index, rule, "'target' must not be empty");
  if (rule.target.size() > max_target_bytes) {
    reject_rule(index, rule, fmt::format("'target' is longer than {} bytes", max_target_bytes));
  }
  if (!is_valid_utf8(rule.target)) reject_rule(index, rule, "'target' must be valid UTF-8");
  if (has_control_character(rule.target)) {
    reject_rule(index, rule, "'target' must not contain control characters");
  }
  if (const char* problem = json_pointer_problem(rule.source)) {
    reject_rule(index, rule, fmt::format("'source' is not a JSON Pointer: it {}", problem));
  }
  if (rule.transforms.size() > max_transforms) {
    reject_rule(index, rule,
                fmt::format("'transform' has more than {} entries", max_transforms));
  }
  for (const Transform transform : rule.transforms) {
    if (!parse_transform(to_string(transform))) {
      reject_rule(index, rule, fmt::format("'transform' must hold only {}", transform_list));
    }
  }
  if (rule.default_json) {
    if (rule.required) reject_rule(index, rule, "'required' and 'default' exclude each other");
    if (rule.default_json->size() > max_default_bytes) {
      reject_rule(index, rule, fmt::format("'default' is longer than {} bytes", max_default_bytes));
    }
    std::string canonical;
    if (!canonicalize_json(*rule.default_json, canonical)) {
      reject_rule(index, rule, "'default' must be one valid JSON value");
    }
    // In JSON a null default means none; a set null would not read back.
    if (canonical == "null") reject_rule(index, rule, "'default' must not be null (leave it unset)");
  }
}

FieldMapping parse_rule(std::size_t index, simdjson::dom::element entry) {
  simdjson::dom::object object;
  if (entry.get(object) != simdjson::SUCCESS) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("field mapping {}: must be a JSON object", index));
  }
  // The subject names the target when the rule has a string one, so that
  // every later message (an unknown key before "target" too) names the rule.
  std::string_view target;
  bool target_known = false;
  for (const auto field : object) {
    if (field.key == "target") {
      target_known = field.value.get(target) == simdjson::SUCCESS;
      break;
    }
  }
  JsonObjectReader reader(rule_subject(index, target, target_known), object, "");
  static constexpr std::array<std::string_view, 5> keys{"target", "source", "transform",
                                                        "required", "default"};
  FieldMapping rule;
  reader.for_each(keys, [&](std::string_view key, simdjson::dom::element value) {
    if (key == "target") {
      rule.target = std::string(reader.string(key, value));
    } else if (key == "source") {
      rule.source = std::string(reader.string(key, value));
    } else if (key == "transform") {
      const auto list = reader.array(key, value);
      if (list.size() > max_transforms) {
        reader.reject(fmt::format("'transform' has more than {} entries", max_transforms));
      }
      std::size_t position = 0;
      for (const auto item : list) {
        std::string_view name;
        std::optional<Transform> transform;
        if (item.get(name) == simdjson::SUCCESS) transform = parse_transform(name);
        if (!transform) {
          reader.reject(fmt::format("'transform[{}]' must be one of {}", position, transform_list));
        }
        rule.transforms.push_back(*transform);
        ++position;
      }
    } else if (key == "required") {
      rule.required = reader.boolean(key, value);
    } else {
      if (value.is_null()) return;  // none
      std::string text;
      append_canonical_json(text, value);
      rule.default_json = std::move(text);
    }
  });
  for (const std::string_view required : {"target", "source"}) {
    if (!reader.has(keys, required)) {
      reader.reject(fmt::format("missing required key {}", quote_for_message(required)));
    }
  }
  return rule;
}

}  // namespace

std::vector<FieldMapping> parse_field_mappings_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (json.empty()) {
    throw Error(ErrorCode::invalid_argument, "field mappings: not valid JSON (empty text)");
  }
  if (const auto error = parser.parse(json.data(), json.size()).get(root)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("field mappings: not valid JSON ({})", simdjson::error_message(error)));
  }
  simdjson::dom::array array;
  if (root.get(array) != simdjson::SUCCESS) {
    throw Error(ErrorCode::invalid_argument, "field mappings: must be a JSON array of rules");
  }
  if (array.size() > max_field_mappings) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("field mappings: more than {} rules", max_field_mappings));
  }
  std::vector<FieldMapping> mappings;
  mappings.reserve(array.size());
  std::size_t index = 0;
  for (const auto entry : array) mappings.push_back(parse_rule(index++, entry));
  validate_field_mappings(mappings);
  return mappings;
}

std::string to_json(const std::vector<FieldMapping>& mappings) {
  std::string out = "[";
  for (std::size_t index = 0; index < mappings.size(); ++index) {
    const FieldMapping& rule = mappings[index];
    if (index != 0) out.push_back(',');
    out += "{\"target\":";
    append_json_quoted(out, rule.target);
    out += ",\"source\":";
    append_json_quoted(out, rule.source);
    out += ",\"transform\":[";
    for (std::size_t i = 0; i < rule.transforms.size(); ++i) {
      if (i != 0) out.push_back(',');
      append_json_quoted(out, to_string(rule.transforms[i]));
    }
    out += "],\"required\":";
    out += rule.required ? "true" : "false";
    if (rule.default_json) {
      out += ",\"default\":";
      // Canonical, so that equal rules always read the same; text that is
      // not JSON would make the whole array unreadable.
      if (!canonicalize_json(*rule.default_json, out)) {
        reject_rule(index, rule, "'default' must be one valid JSON value");
      }
    }
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

void validate_field_mappings(const std::vector<FieldMapping>& mappings) {
  // An empty set is valid: Tenant::set_field_mappings reads it as "back to
  // the provider's defaults", and a provider may have none.
  if (mappings.size() > max_field_mappings) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("field mappings: more than {} rules", max_field_mappings));
  }
  std::set<std::string_view> targets;
  for (std::size_t index = 0; index < mappings.size(); ++index) {
    validate_rule(index, mappings[index]);
    if (!targets.insert(mappings[index].target).second) {
      reject_rule(index, mappings[index], "'target' repeats an earlier rule's target");
    }
  }
}

}  // namespace linkvault
