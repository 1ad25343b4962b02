// Merging record counts into a job's summary (job_summary.hpp). Summaries
// are small (64 KiB at most from the host, 100 errors from the vault), so
// each merge parses and rewrites the whole object.
#include "jobs/job_summary.hpp"

#include "core/json_text.hpp"
#include "linkvault/error.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <string_view>

namespace linkvault {

namespace {

constexpr std::array<std::string_view, 5> count_keys{"created", "updated", "unchanged", "failed",
                                                     "deleted"};

bool is_record_key(std::string_view key) {
  for (const std::string_view name : count_keys) {
    if (name == key) return true;
  }
  return key == "errors";
}

// A summary split into the host's members (kept as JSON text, in order) and
// the vault's record keys.
struct SplitSummary {
  std::vector<std::pair<std::string, std::string>> host_members;
  std::array<std::int64_t, 5> counts{};
  std::vector<std::string> errors;  // each one JSON object text
  bool has_record_keys = false;
};

SplitSummary split(const std::optional<std::string>& summary) {
  SplitSummary out;
  if (!summary) return out;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(summary->data(), summary->size(), true).get(object)) {
    // The vault wrote or checked every summary it stores.
    throw Error(ErrorCode::internal, "a stored job summary is not a JSON object");
  }
  for (const auto field : object) {
    if (!is_record_key(field.key)) {
      out.host_members.emplace_back(std::string(field.key), simdjson::minify(field.value));
      continue;
    }
    out.has_record_keys = true;
    if (field.key == "errors") {
      simdjson::dom::array errors;
      if (field.value.get(errors) == simdjson::SUCCESS) {
        for (const auto error : errors) out.errors.push_back(simdjson::minify(error));
      }
      continue;
    }
    for (std::size_t i = 0; i < count_keys.size(); ++i) {
      std::int64_t value = 0;
      if (count_keys[i] == field.key && field.value.get(value) == simdjson::SUCCESS) {
        out.counts[i] = value;
      }
    }
  }
  return out;
}

std::string error_json(const RecordError& error) {
  std::string out = fmt::format(R"({{"index":{},"external_id":)", error.index);
  if (error.external_id) {
    append_json_quoted(out, *error.external_id);
  } else {
    out += "null";
  }
  out += R"(,"field":)";
  append_json_quoted(out, error.field);
  out += R"(,"message":)";
  append_json_quoted(out, error.message);
  out.push_back('}');
  return out;
}

std::string write(const std::vector<std::pair<std::string, std::string>>& host_members,
                  const SplitSummary& records) {
  std::string out = "{";
  for (const auto& [key, value] : host_members) {
    if (out.size() > 1) out.push_back(',');
    append_json_quoted(out, key);
    out.push_back(':');
    out += value;
  }
  if (records.has_record_keys) {
    for (std::size_t i = 0; i < count_keys.size(); ++i) {
      if (out.size() > 1) out.push_back(',');
      out += fmt::format(R"("{}":{})", count_keys[i], records.counts[i]);
    }
    out += R"(,"errors":[)";
    for (std::size_t i = 0; i < records.errors.size(); ++i) {
      if (i != 0) out.push_back(',');
      out += records.errors[i];
    }
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

}  // namespace

std::string add_record_tally(const std::optional<std::string>& summary, const RecordTally& tally) {
  SplitSummary split_summary = split(summary);
  split_summary.has_record_keys = true;
  const std::array<std::int64_t, 5> added{tally.counts.created, tally.counts.updated,
                                          tally.counts.unchanged, tally.counts.failed,
                                          tally.deleted};
  for (std::size_t i = 0; i < added.size(); ++i) split_summary.counts[i] += added[i];
  if (tally.errors) {
    for (const RecordError& error : *tally.errors) {
      if (split_summary.errors.size() >= max_reported_record_errors) break;
      split_summary.errors.push_back(error_json(error));
    }
  }
  return write(split_summary.host_members, split_summary);
}

std::optional<std::string> merge_host_summary(const std::optional<std::string>& stored,
                                              const std::optional<std::string>& host) {
  const SplitSummary records = split(stored);
  if (!records.has_record_keys) return host;
  // The host's members, minus any it named like the vault's record keys.
  const SplitSummary from_host = split(host);
  return write(from_host.host_members, records);
}

}  // namespace linkvault
