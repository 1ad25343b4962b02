// RecordMapper (record_mapper.hpp): one simdjson DOM parse of the payload,
// then per record: the external id, each rule (pointer, missing/default,
// transforms) written straight into the record's canonical text, and one
// HMAC over it. Rules are compiled once per mapper: pointers parsed, each
// target's `"target":` prefix written, so the per-record loop only resolves
// and appends.
#include "records/record_mapper.hpp"

#include "core/canonical_json.hpp"
#include "core/json_error_offset.hpp"
#include "core/json_pointer.hpp"
#include "core/message_text.hpp"
#include "linkvault/error.hpp"
#include "records/record_transforms.hpp"

#include <botan/mac.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

namespace linkvault {

namespace {

struct CompiledRule {
  FieldMapping rule;
  JsonPointer source;
  std::size_t parent = 0;  // index into Impl::parents of source.parent()
  std::string prefix;  // `"target":`, with the comma for every rule but the first
};

JsonPointer compile_pointer(std::string_view text, std::string_view what) {
  auto pointer = JsonPointer::parse(text);
  if (!pointer) {
    const char* problem = json_pointer_problem(text);
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} {} is not a JSON Pointer: it {}", what, quote_for_message(text),
                            problem ? problem : "is invalid"));
  }
  return std::move(*pointer);
}

[[noreturn]] void reject_payload(std::string_view payload, simdjson::error_code error) {
  if (error == simdjson::DEPTH_ERROR) {
    throw Error(ErrorCode::invalid_argument,
                "the payload nests deeper than 1024 levels of arrays and objects");
  }
  const std::size_t offset = json_error_offset(payload);
  if (offset > payload.size()) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("the payload is not valid JSON ({})", simdjson::error_message(error)));
  }
  if (offset == payload.size()) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("the payload is not valid JSON: it ends early, at byte offset {}",
                            offset));
  }
  throw Error(ErrorCode::invalid_argument,
              fmt::format("the payload is not valid JSON (or not UTF-8) at byte offset {}",
                          offset));
}

}  // namespace

struct RecordMapper::Impl {
  std::vector<CompiledRule> rules;
  // The distinct parents of the rules' sources ("" and "/custom_fields",
  // say): each is resolved once per record, then every rule under it takes
  // one step from there instead of walking from the record's root.
  std::vector<JsonPointer> parents;
};

RecordMapper::RecordMapper(std::vector<FieldMapping> mappings) : impl_(std::make_unique<Impl>()) {
  impl_->rules.reserve(mappings.size());
  for (FieldMapping& rule : mappings) {
    CompiledRule compiled;
    compiled.source = compile_pointer(rule.source, "source");
    JsonPointer parent = compiled.source.parent();
    std::size_t at = 0;
    while (at < impl_->parents.size() && impl_->parents[at].text() != parent.text()) ++at;
    if (at == impl_->parents.size()) impl_->parents.push_back(std::move(parent));
    compiled.parent = at;
    if (!impl_->rules.empty()) compiled.prefix.push_back(',');
    append_canonical_string(compiled.prefix, rule.target);
    compiled.prefix.push_back(':');
    if (rule.default_json) {
      // Written as the rule's JSON holds it: canonical already when parsed,
      // made canonical here for rules built in C++.
      std::string canonical;
      if (!canonicalize_json(*rule.default_json, canonical)) {
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("field mapping {}: 'default' is not valid JSON",
                                quote_for_message(rule.target)));
      }
      rule.default_json = std::move(canonical);
    }
    compiled.rule = std::move(rule);
    impl_->rules.push_back(std::move(compiled));
  }
}

RecordMapper::~RecordMapper() = default;
RecordMapper::RecordMapper(RecordMapper&&) noexcept = default;
RecordMapper& RecordMapper::operator=(RecordMapper&&) noexcept = default;

MappedPayload RecordMapper::map(std::string_view payload, std::string_view records_at,
                                std::string_view id_at, const SecretBytes& hash_key) const {
  if (payload.size() > max_record_payload_bytes) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("the payload is {} bytes; at most {} are allowed", payload.size(),
                            max_record_payload_bytes));
  }
  const JsonPointer records_pointer = compile_pointer(records_at, "records_at");
  const JsonPointer id_pointer = compile_pointer(id_at, "id_at");

  // A thread's parser and padded copy are reused from call to call: a
  // fresh parser for each page of records would allocate (and fault in)
  // several times the payload's size every time. Payloads above the
  // threshold get their own, freed on return, so no thread keeps a huge one.
  constexpr std::size_t reused_up_to = 32u * 1024 * 1024;
  thread_local simdjson::dom::parser reused_parser;
  thread_local std::vector<char> reused_copy;
  std::optional<simdjson::dom::parser> own_parser;
  std::vector<char> own_copy;
  const bool reuse = payload.size() <= reused_up_to;
  if (!reuse) own_parser.emplace();
  simdjson::dom::parser& parser = reuse ? reused_parser : *own_parser;
  std::vector<char>& copy = reuse ? reused_copy : own_copy;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end.
  if (copy.size() < payload.size() + simdjson::SIMDJSON_PADDING) {
    copy.resize(payload.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(copy.data(), payload.data(), payload.size());
  std::memset(copy.data() + payload.size(), 0, simdjson::SIMDJSON_PADDING);
  simdjson::dom::element root;
  if (const auto error = parser.parse(copy.data(), payload.size(), false).get(root)) {
    reject_payload(payload, error);
  }
  simdjson::dom::element at;
  simdjson::dom::array records;
  if (!records_pointer.resolve(root, at) || at.get(records) != simdjson::SUCCESS) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("records_at {} does not name an array in the payload",
                            quote_for_message(records_at)));
  }

  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  mac->set_key(hash_key);

  MappedPayload out;
  out.mapped.reserve(records.size());
  // The first index of each external id, to refuse repeats. Keys view the
  // parser's strings (alive until return) or, for integer ids, their text
  // kept in a deque (stable addresses).
  std::unordered_map<std::string_view, std::int64_t> first_index;
  first_index.reserve(records.size());
  std::deque<std::string> integer_ids;
  std::string problem;
  std::size_t last_size = 256;
  // Per record: each parent's element, resolved when a rule first needs it.
  enum class Parent : std::uint8_t { unknown, absent, found };
  std::vector<Parent> parent_state(impl_->parents.size());
  std::vector<simdjson::dom::element> parent_element(impl_->parents.size());
  std::int64_t index = -1;
  for (const simdjson::dom::element record : records) {
    ++index;
    auto fail = [&](std::optional<std::string> external_id, std::string_view field,
                    std::string message) {
      out.unmapped.push_back(UnmappedRecord{index, std::move(external_id), std::string(field),
                                            std::move(message)});
    };

    // The external id: a non-empty string without NUL, or an integer.
    simdjson::dom::element id_element;
    if (!id_pointer.resolve(record, id_element)) {
      fail(std::nullopt, id_at, "the record has no external id there");
      continue;
    }
    std::string external_id;
    std::string_view id_string;
    std::string_view id_key;
    if (id_element.get(id_string) == simdjson::SUCCESS) {
      if (id_string.empty() || id_string.size() > max_external_id_bytes ||
          id_string.find('\0') != std::string_view::npos) {
        fail(std::nullopt, id_at,
             fmt::format("the external id must be 1 to {} bytes without NUL",
                         max_external_id_bytes));
        continue;
      }
      external_id.assign(id_string);
      id_key = id_string;
    } else if (id_element.is_int64() || id_element.is_uint64()) {
      if (id_element.is_int64()) {
        append_canonical_integer(external_id, id_element.get_int64().value_unsafe());
      } else {
        append_canonical_unsigned(external_id, id_element.get_uint64().value_unsafe());
      }
      id_key = integer_ids.emplace_back(external_id);
    } else {
      fail(std::nullopt, id_at, "the external id must be a string or an integer");
      continue;
    }
    const auto [first, inserted] = first_index.try_emplace(id_key, index);
    if (!inserted) {
      fail(std::nullopt, id_at,
           fmt::format("duplicate external id: record {} has the same one", first->second));
      continue;
    }

    // The fields, written into the record's canonical text as they come.
    MappedRecord mapped;
    mapped.index = index;
    mapped.record.reserve(last_size + last_size / 4);
    mapped.record.push_back('{');
    bool failed = false;
    std::fill(parent_state.begin(), parent_state.end(), Parent::unknown);
    for (const CompiledRule& compiled : impl_->rules) {
      const FieldMapping& rule = compiled.rule;
      mapped.record += compiled.prefix;
      Parent& state = parent_state[compiled.parent];
      if (state == Parent::unknown) {
        state = impl_->parents[compiled.parent].resolve(record, parent_element[compiled.parent])
                    ? Parent::found
                    : Parent::absent;
      }
      simdjson::dom::element source;
      const bool present = state == Parent::found &&
                           compiled.source.resolve_last(parent_element[compiled.parent], source) &&
                           !source.is_null();
      if (!present) {
        if (rule.default_json) {
          mapped.record += *rule.default_json;
        } else if (rule.required) {
          fail(external_id, rule.target, "the required field is missing");
          failed = true;
          break;
        } else {
          mapped.record += "null";
        }
        continue;
      }
      if (rule.transforms.empty()) {
        std::string_view text;
        if (rule.required && source.get(text) == simdjson::SUCCESS && text.empty()) {
          fail(external_id, rule.target, "the required field is empty");
          failed = true;
          break;
        }
        append_canonical_json(mapped.record, source);
        continue;
      }
      FieldValue value = FieldValue::from(source);
      for (const Transform transform : rule.transforms) {
        if (!apply_transform(transform, value, problem)) {
          fail(external_id, rule.target,
               fmt::format("transform {}: the value {}", to_string(transform), problem));
          failed = true;
          break;
        }
      }
      if (failed) break;
      if (rule.required && value.kind == FieldValue::Kind::string && value.text.empty()) {
        fail(external_id, rule.target, "the required field is empty after its transforms");
        failed = true;
        break;
      }
      append_field_value(mapped.record, value);
    }
    if (failed) {
      // The id stays known (it is this record's); the record is marked seen
      // at commit so a full sync does not forget it.
      out.unmapped.back().external_id = std::move(external_id);
      continue;
    }
    mapped.record.push_back('}');
    last_size = mapped.record.size();
    mac->update(reinterpret_cast<const std::uint8_t*>(mapped.record.data()),
                mapped.record.size());
    mac->final(mapped.hash.data());
    mapped.external_id = std::move(external_id);
    out.mapped.push_back(std::move(mapped));
  }
  return out;
}

std::array<std::uint8_t, 32> record_hash(const SecretBytes& key, std::string_view record) {
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  mac->set_key(key);
  mac->update(reinterpret_cast<const std::uint8_t*>(record.data()), record.size());
  std::array<std::uint8_t, 32> out{};
  mac->final(out.data());
  return out;
}

}  // namespace linkvault
