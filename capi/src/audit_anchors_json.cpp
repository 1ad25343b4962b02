#include "audit_anchors_json.hpp"

#include "arguments.hpp"
#include "request_object.hpp"
#include "linkvault/json_text.hpp"
#include "linkvault/limits.hpp"
#include "linkvault/error.hpp"
#include "linkvault/message_text.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <iterator>

namespace linkvault::capi {

namespace {

constexpr std::string_view parameter = "anchors_json";

[[noreturn]] void invalid(std::string_view problem) { invalid_request(parameter, problem); }

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
  RequestObject request(fmt::format("{}: tenant {}", parameter, quote_for_message(tenant)), members);
  static constexpr std::array<std::string_view, 2> keys{"sequence", "mac"};
  AuditAnchor anchor;
  request.for_each(keys, [&](std::string_view key, simdjson::dom::element member) {
    if (key == "sequence") {
      anchor.sequence = request.integer(key, member);
      if (anchor.sequence < 1) {
        request.invalid(fmt::format("key 'sequence' must be at least 1, not {}", anchor.sequence));
      }
    } else {
      const std::string_view hex = request.string_value(key, member);
      bool good = hex.size() == 2 * anchor.mac.size();
      for (std::size_t i = 0; good && i < anchor.mac.size(); ++i) {
        const int high = hex_digit_value(hex[2 * i]);
        const int low = hex_digit_value(hex[2 * i + 1]);
        good = high >= 0 && low >= 0;
        anchor.mac[i] = static_cast<std::uint8_t>((high << 4) | low);
      }
      if (!good) {
        request.invalid(fmt::format("key 'mac' must be {} lowercase hex digits",
                                    2 * anchor.mac.size()));
      }
    }
  });
  for (const std::string_view required : keys) {
    if (!request.has(keys, required)) {
      request.invalid(fmt::format("key {} is required", quote_for_message(required)));
    }
  }
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
  const RequestObject request(parameter, json);
  AuditAnchors anchors;
  for (const auto field : request.members()) {
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
