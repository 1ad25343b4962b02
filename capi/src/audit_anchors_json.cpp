#include "audit_anchors_json.hpp"

#include "arguments.hpp"
#include "linkvault/json_text.hpp"
#include "linkvault/error.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <iterator>

namespace linkvault::capi {

namespace {

constexpr std::string_view parameter = "anchors_json";
constexpr std::size_t max_tenant_id_bytes = 128;  // as Vault::tenant()

[[noreturn]] void invalid(std::string_view problem) {
  throw Error(ErrorCode::invalid_argument, fmt::format("{}: {}", parameter, problem));
}

[[noreturn]] void invalid_member(std::string_view tenant, std::string_view problem) {
  invalid(fmt::format("tenant {}: {}", quote_for_message(tenant), problem));
}

int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase too: one spelling, the one lv_audit_heads writes
}

AuditAnchor parse_anchor(std::string_view tenant, simdjson::dom::element value) {
  simdjson::dom::object members;
  if (value.get_object().get(members) != simdjson::SUCCESS) {
    invalid_member(tenant, "must be an object {\"sequence\": int, \"mac\": hex text}");
  }
  AuditAnchor anchor;
  bool has_sequence = false;
  bool has_mac = false;
  for (const auto member : members) {
    if (member.key == "sequence") {
      if (has_sequence) invalid_member(tenant, "duplicate key \"sequence\"");
      has_sequence = true;
      if (member.value.get_int64().get(anchor.sequence) != simdjson::SUCCESS) {
        invalid_member(tenant, "key \"sequence\" must be an integer");
      }
      if (anchor.sequence < 1) {
        invalid_member(tenant, fmt::format("key \"sequence\" must be at least 1, not {}",
                                           anchor.sequence));
      }
    } else if (member.key == "mac") {
      if (has_mac) invalid_member(tenant, "duplicate key \"mac\"");
      has_mac = true;
      std::string_view hex;
      if (member.value.get_string().get(hex) != simdjson::SUCCESS) {
        invalid_member(tenant, "key \"mac\" must be a string");
      }
      bool good = hex.size() == 2 * anchor.mac.size();
      for (std::size_t i = 0; good && i < anchor.mac.size(); ++i) {
        const int high = hex_digit_value(hex[2 * i]);
        const int low = hex_digit_value(hex[2 * i + 1]);
        good = high >= 0 && low >= 0;
        anchor.mac[i] = static_cast<std::uint8_t>((high << 4) | low);
      }
      if (!good) {
        invalid_member(tenant, fmt::format("key \"mac\" must be {} lowercase hex digits",
                                           2 * anchor.mac.size()));
      }
    } else {
      invalid_member(tenant, fmt::format("unknown key {}", quote_for_message(member.key)));
    }
  }
  if (!has_sequence) invalid_member(tenant, "key \"sequence\" is required");
  if (!has_mac) invalid_member(tenant, "key \"mac\" is required");
  return anchor;
}

}  // namespace

std::string audit_anchors_json(const AuditAnchors& anchors) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "{";
  for (const auto& anchored : anchors) {
    if (out.size() > 1) out.push_back(',');
    append_json_quoted(out, anchored.first);
    fmt::format_to(std::back_inserter(out), ":{{\"sequence\":{},\"mac\":\"",
                   anchored.second.sequence);
    for (const std::uint8_t byte : anchored.second.mac) {
      out.push_back(hex[byte >> 4]);
      out.push_back(hex[byte & 0xF]);
    }
    out += "\"}";
  }
  out.push_back('}');
  return out;
}

AuditAnchors parse_audit_anchors(std::string_view json) {
  // The DOM parser needs SIMDJSON_PADDING readable bytes after the text.
  const simdjson::padded_string padded(json);
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (const auto error = parser.parse(padded).get(document); error) {
    invalid(fmt::format("not valid JSON ({})", simdjson::error_message(error)));
  }
  simdjson::dom::object tenants;
  if (document.get_object().get(tenants) != simdjson::SUCCESS) {
    invalid("must be a JSON object of tenant id to {\"sequence\": int, \"mac\": hex text}");
  }
  AuditAnchors anchors;
  for (const auto field : tenants) {
    const std::string_view tenant = field.key;
    if (tenant.empty()) invalid("a tenant id is empty");
    if (tenant.size() > max_tenant_id_bytes) {
      invalid_member(tenant, fmt::format("the tenant id is longer than {} bytes",
                                         max_tenant_id_bytes));
    }
    // simdjson's DOM keeps duplicate keys; refuse them rather than let the
    // last one silently win.
    if (anchors.count(std::string(tenant)) != 0) invalid_member(tenant, "appears twice");
    anchors.emplace(std::string(tenant), parse_anchor(tenant, field.value));
  }
  return anchors;
}

}  // namespace linkvault::capi
