#include "record_batch_json.hpp"

#include "linkvault/json_text.hpp"

#include <fmt/format.h>

#include <iterator>
#include <optional>
#include <string_view>

namespace linkvault::capi {

namespace {

void append_optional_string(std::string& out, const std::optional<std::string>& value) {
  if (value) {
    append_json_quoted(out, *value);
  } else {
    out += "null";
  }
}

void append_changed(std::string& out, const ChangedRecord& record) {
  out += "{\"external_id\":";
  append_json_quoted(out, record.external_id);
  out += ",\"action\":";
  append_json_quoted(out, to_string(record.action));
  out += ",\"record\":";
  out += record.record;  // canonical JSON object text, written by the mapper
  out += '}';
}

void append_error(std::string& out, const RecordError& error) {
  fmt::format_to(std::back_inserter(out), "{{\"index\":{},\"external_id\":", error.index);
  append_optional_string(out, error.external_id);
  out += ",\"field\":";
  append_json_quoted(out, error.field);
  out += ",\"message\":";
  append_json_quoted(out, error.message);
  out += '}';
}

// Appends `[item, ...]`, each written by append(out, item).
template <typename Items, typename Append>
void append_array(std::string& out, const Items& items, Append append) {
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    append(out, item);
  }
  out += ']';
}

}  // namespace

std::string record_batch_json(const RecordBatch& batch) {
  std::string out;
  std::size_t size = 256;
  for (const auto& record : batch.changed()) size += record.record.size() + 64;
  out.reserve(size);
  out += "{\"integration_id\":";
  append_json_quoted(out, batch.integration_id());
  out += ",\"job_id\":";
  append_optional_string(out, batch.job_id());
  out += ",\"worker_id\":";
  append_optional_string(out, batch.worker_id());
  out += ",\"changed\":";
  append_array(out, batch.changed(), append_changed);
  const RecordCounts& counts = batch.counts();
  fmt::format_to(std::back_inserter(out),
                 ",\"counts\":{{\"created\":{},\"updated\":{},\"unchanged\":{},\"failed\":{}}}",
                 counts.created, counts.updated, counts.unchanged, counts.failed);
  out += ",\"errors\":";
  append_array(out, batch.errors(), append_error);
  out += '}';
  return out;
}

std::string string_array_json(const std::vector<std::string>& values) {
  std::string out;
  append_array(out, values, [](std::string& text, const std::string& value) {
    append_json_quoted(text, value);
  });
  return out;
}

}  // namespace linkvault::capi
