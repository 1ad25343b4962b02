#include "records_json.hpp"

#include "linkvault/json_text.hpp"
#include "linkvault/clock.hpp"
#include "linkvault/sync_config.hpp"

#include <fmt/format.h>

#include <iterator>

namespace linkvault::capi {

namespace {

// Appends `"key":` (with a comma before every key but the first).
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }
  void finish() { out_.push_back('}'); }

  void key(std::string_view name) {
    if (!first_) out_.push_back(',');
    first_ = false;
    append_json_quoted(out_, name);
    out_.push_back(':');
  }
  void string(std::string_view name, std::string_view value) {
    key(name);
    append_json_quoted(out_, value);
  }
  void optional_string(std::string_view name, const std::optional<std::string>& value) {
    if (value) {
      string(name, *value);
    } else {
      raw(name, "null");
    }
  }
  void optional_text(std::string_view name, const char* value) {
    if (value != nullptr) {
      string(name, value);
    } else {
      raw(name, "null");
    }
  }
  void integer(std::string_view name, std::int64_t value) {
    key(name);
    fmt::format_to(std::back_inserter(out_), "{}", value);
  }
  void optional_integer(std::string_view name, const std::optional<std::int64_t>& value) {
    if (value) {
      integer(name, *value);
    } else {
      raw(name, "null");
    }
  }
  void boolean(std::string_view name, bool value) { raw(name, value ? "true" : "false"); }
  void time(std::string_view name, TimeMs value) { string(name, format_rfc3339(value)); }
  void optional_time(std::string_view name, const std::optional<TimeMs>& value) {
    if (value) {
      time(name, *value);
    } else {
      raw(name, "null");
    }
  }
  // `json` is already JSON text.
  void raw(std::string_view name, std::string_view json) {
    key(name);
    out_.append(json);
  }

 private:
  std::string& out_;
  bool first_ = true;
};

void append_integration(std::string& out, const Integration& integration) {
  ObjectWriter object(out);
  object.string("id", integration.id);
  object.string("tenant", integration.tenant);
  object.string("provider", integration.provider);
  object.string("name", integration.name);
  object.optional_string("account", integration.account);
  object.string("status", to_string(integration.status));
  object.string("credential_mask", integration.credential_mask);
  object.key("scopes");
  out.push_back('[');
  for (std::size_t i = 0; i < integration.scopes.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_json_quoted(out, integration.scopes[i]);
  }
  out.push_back(']');
  object.optional_time("expires_at", integration.expires_at);
  object.string("connected_by", integration.connected_by);
  object.optional_time("connected_at", integration.connected_at);
  object.optional_time("disconnected_at", integration.disconnected_at);
  object.optional_time("last_used_at", integration.last_used_at);
  object.optional_time("last_refreshed_at", integration.last_refreshed_at);
  object.integer("refresh_count", integration.refresh_count);
  object.optional_string("last_error", integration.last_error);
  object.raw("sync_config",
             integration.sync_config ? to_json(*integration.sync_config) : std::string("null"));
  object.optional_time("last_sync_at", integration.last_sync_at);
  object.optional_text("last_sync_status",
                       integration.last_sync_status ? to_string(*integration.last_sync_status)
                                                    : nullptr);
  object.time("created_at", integration.created_at);
  object.time("updated_at", integration.updated_at);
  object.finish();
}

void append_activity_entry(std::string& out, const ActivityEntry& entry) {
  ObjectWriter object(out);
  object.string("id", entry.id);
  object.string("tenant", entry.tenant);
  object.optional_string("integration_id", entry.integration_id);
  object.string("action", entry.action);
  object.string("user_id", entry.user_id);
  object.string("user_name", entry.user_name);
  // Stored as a JSON object written by the vault itself.
  object.raw("details", entry.details.empty() ? std::string_view("{}") : entry.details);
  object.time("created_at", entry.created_at);
  object.integer("sequence", entry.sequence);
  object.finish();
}

void append_job(std::string& out, const SyncJob& job) {
  ObjectWriter object(out);
  object.string("id", job.id);
  object.string("tenant", job.tenant);
  object.string("integration_id", job.integration_id);
  object.string("type", to_string(job.type));
  object.string("status", to_string(job.status));
  // Stored as JSON objects, checked by the vault when they came in.
  object.raw("config", job.config.empty() ? std::string_view("{}") : job.config);
  object.integer("progress_percent", job.progress_percent);
  object.integer("records_processed", job.records_processed);
  object.optional_integer("records_total", job.records_total);
  object.integer("attempt", job.attempt);
  object.integer("max_attempts", job.max_attempts);
  object.integer("retry_base_seconds", job.retry_base_seconds);
  object.time("run_after", job.run_after);
  object.optional_string("worker_id", job.worker_id);
  object.optional_time("lease_until", job.lease_until);
  object.boolean("cancel_requested", job.cancel_requested);
  object.optional_string("error", job.error);
  object.optional_text("outcome", job.outcome ? to_string(*job.outcome) : nullptr);
  object.raw("summary", job.summary && !job.summary->empty() ? std::string_view(*job.summary)
                                                              : std::string_view("null"));
  object.time("created_at", job.created_at);
  object.optional_time("started_at", job.started_at);
  object.optional_time("completed_at", job.completed_at);
  object.time("updated_at", job.updated_at);
  object.finish();
}

template <typename Item, typename Append>
std::string json_array(const std::vector<Item>& items, Append append) {
  std::string out;
  out.reserve(64 + items.size() * 512);
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    append(out, items[i]);
  }
  out.push_back(']');
  return out;
}

}  // namespace

std::string integration_json(const Integration& integration) {
  std::string out;
  out.reserve(768);
  append_integration(out, integration);
  return out;
}

std::string optional_integration_json(const std::optional<Integration>& integration) {
  return integration ? integration_json(*integration) : std::string("null");
}

std::string integrations_json(const std::vector<Integration>& integrations) {
  return json_array(integrations, append_integration);
}

std::string job_json(const SyncJob& job) {
  std::string out;
  out.reserve(768 + job.config.size() + (job.summary ? job.summary->size() : 0));
  append_job(out, job);
  return out;
}

std::string optional_job_json(const std::optional<SyncJob>& job) {
  return job ? job_json(*job) : std::string("null");
}

std::string jobs_json(const std::vector<SyncJob>& jobs) { return json_array(jobs, append_job); }

std::string activity_json(const std::vector<ActivityEntry>& entries) {
  return json_array(entries, append_activity_entry);
}

std::string providers_json(const std::vector<ProviderSpec>& specs) {
  return json_array(specs, [](std::string& out, const ProviderSpec& spec) {
    out.append(to_json(spec));
  });
}

std::string test_result_json(const TestResult& result) {
  std::string out;
  ObjectWriter object(out);
  object.boolean("success", result.success);
  object.string("message", result.message);
  object.finish();
  return out;
}

std::string audit_report_json(const AuditReport& report) {
  std::string out;
  ObjectWriter object(out);
  object.integer("checked", report.checked);
  object.boolean("ok", report.ok);
  object.optional_string("first_bad", report.first_bad);
  object.finish();
  return out;
}

std::string purge_report_json(const PurgeReport& report) {
  std::string out;
  ObjectWriter object(out);
  object.integer("integrations", report.integrations);
  object.integer("activity", report.activity);
  object.integer("jobs", report.jobs);
  object.integer("keys", report.keys);
  object.finish();
  return out;
}

std::string refresh_report_json(const RefreshReport& report) {
  std::string out;
  ObjectWriter object(out);
  object.integer("refreshed", report.refreshed);
  object.integer("failed", report.failed);
  object.integer("skipped", report.skipped);
  object.finish();
  return out;
}

std::string oauth_start_json(const OAuthStart& start) {
  std::string out;
  ObjectWriter object(out);
  object.string("authorization_url", start.authorization_url);
  object.string("state", start.state);
  object.string("integration_id", start.integration_id);
  object.finish();
  return out;
}

}  // namespace linkvault::capi
