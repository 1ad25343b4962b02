// linkvault C++ quickstart: open a vault, connect a provider, test it with a
// (fake) tester, reveal, run a sync job with visible progress, import a page
// of CRM clients inside a job, disconnect, print the activity, verify the
// audit.
//
//   quickstart_cpp [vault-path]        (default ./linkvault-quickstart-cpp.vault)
#include <linkvault/linkvault.hpp>

#include <botan/system_rng.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

namespace {

// A page of clients as HoneyBook's API returns them (a real worker fetches it
// over HTTP). The catalog's HoneyBook carries default mappings for them.
constexpr const char* crm_page = R"({"data": [
  {"id": 101, "first_name": "Ada", "last_name": "Lovelace", "email": " Ada@Example.com",
   "phone": "+44 20 7946 0101", "project": {"event_date": "2026-09-12T16:00:00Z"}},
  {"id": 102, "first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"},
  {"id": 103, "first_name": "Alan", "last_name": "Turing", "email": "alan@example.com"},
  {"id": 104, "first_name": "Edsger", "last_name": "Dijkstra", "email": "EWD@example.com"},
  {"id": 105, "first_name": "Barbara", "last_name": "Liskov", "email": "barbara@example.com",
   "project": {"event_date": "20261121", "venue": "City Hall"}}]})";

void print_counts(const char* what, const linkvault::RecordCounts& counts) {
  std::printf("%s: created %lld, updated %lld, unchanged %lld\n", what,
              static_cast<long long>(counts.created), static_cast<long long>(counts.updated),
              static_cast<long long>(counts.unchanged));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "linkvault-quickstart-cpp.vault";
  std::filesystem::remove(path);  // a fresh demo every run
  try {
    // A real host keeps this 32-byte master key in its secret manager and
    // passes the same key on every open; a random one is fine for a demo.
    linkvault::SecretBytes key(32);
    Botan::system_rng().randomize(key.data(), key.size());
    linkvault::Vault vault =
        linkvault::Vault::open(path, linkvault::MasterSecret::from_key(std::move(key)));

    const linkvault::Actor admin{"u-1", "Alice", linkvault::Role::admin};
    linkvault::Tenant acme = vault.tenant("acme");

    // Connect: credentials are validated against the provider's fields, sealed
    // with acme's own key, and the connection is logged.
    linkvault::Credentials credentials;
    credentials.emplace("bot_token", linkvault::make_secret("xoxb-demo-0000-1111-2222"));
    linkvault::ConnectOptions options;
    options.account = "#general @ acme";
    const linkvault::Integration slack = acme.connect(admin, "slack", credentials, options);
    std::printf("connected %s (%s), status %s, credentials %s\n", slack.provider.c_str(),
                slack.id.c_str(), linkvault::to_string(slack.status),
                slack.credential_mask.c_str());

    // Test: the host checks the credentials against the provider; here a fake.
    const auto result = acme.test(admin, slack.id, [](const linkvault::Credentials& c) {
      const bool looks_right = linkvault::secret_view(c.at("bot_token")).rfind("xoxb-", 0) == 0;
      return linkvault::TestResult{looks_right, looks_right ? "auth.test ok" : "not a bot token"};
    });
    std::printf("test: %s (%s)\n", result.success ? "passed" : "failed", result.message.c_str());

    // Reveal: the plaintext, in secure memory, and the reveal is logged.
    const linkvault::Credentials revealed = acme.reveal_credentials(admin, slack.id);
    std::printf("revealed %zu field(s); bot_token has %zu characters\n", revealed.size(),
                revealed.at("bot_token").size());

    // Sync: the host queues a job; a worker (any thread or process) claims it
    // under a lease, reports progress with heartbeats, and completes it.
    const linkvault::SyncJob queued =
        acme.enqueue_sync(admin, slack.id, linkvault::JobType::full_import);
    const std::optional<linkvault::SyncJob> job = vault.claim_job("worker-1");
    if (!job) return 1;  // nothing due: cannot happen right after the enqueue
    std::printf("job %s: %s, %s\n", queued.id.c_str(), linkvault::to_string(job->type),
                linkvault::to_string(job->status));
    for (std::int64_t imported = 40; imported <= 120; imported += 40) {
      const linkvault::SyncJob beat =
          vault.heartbeat(job->id, "worker-1", linkvault::JobProgress{imported, 120});
      std::printf("  progress %3d%% (%lld of %lld records)\n", beat.progress_percent,
                  static_cast<long long>(beat.records_processed),
                  static_cast<long long>(beat.records_total.value_or(0)));
    }
    const linkvault::SyncJob done = vault.complete_job(job->id, "worker-1",
                                                       linkvault::SyncOutcome::success,
                                                       R"({"imported":120})");
    std::printf("job %s, outcome %s\n", linkvault::to_string(done.status),
                linkvault::to_string(*done.outcome));

    // A CRM import: the worker maps a page of the provider's clients into the
    // host's fields, stores the changed ones, and commits the batch inside
    // the job, which counts them. The same page again holds nothing new.
    linkvault::Credentials crm_credentials;
    crm_credentials.emplace("access_token", linkvault::make_secret("hb-demo-access-token"));
    const linkvault::Integration crm = acme.connect(admin, "honeybook", crm_credentials);
    acme.enqueue_sync(admin, crm.id, linkvault::JobType::full_import);
    const std::optional<linkvault::SyncJob> import = vault.claim_job("worker-1");
    if (!import) return 1;
    vault.heartbeat(import->id, "worker-1", linkvault::JobProgress{std::nullopt, 5});
    linkvault::MapOptions page_options;
    page_options.records_at = "/data";
    page_options.job_id = import->id;
    page_options.worker_id = "worker-1";
    const linkvault::RecordBatch batch = acme.map_records(crm.id, crm_page, page_options);
    for (const auto& changed : batch.changed()) {  // a real host upserts these
      std::printf("  %-7s %s: %.60s\n", linkvault::to_string(changed.action),
                  changed.external_id.c_str(), changed.record.c_str());
    }
    acme.commit_records(batch);
    const linkvault::SyncJob imported = vault.heartbeat(import->id, "worker-1");
    std::printf("import progress %d%%\n", imported.progress_percent);
    vault.complete_job(import->id, "worker-1");
    print_counts("imported", batch.counts());
    linkvault::MapOptions again;
    again.records_at = "/data";
    print_counts("the same page again", acme.map_records(crm.id, crm_page, again).counts());

    // Disconnect: credentials wiped, row and history kept.
    acme.disconnect(admin, slack.id);

    std::printf("activity, newest first:\n");
    for (const auto& entry : acme.activity(slack.id)) {
      std::printf("  #%lld %-22s by %-8s at %s\n", static_cast<long long>(entry.sequence),
                  entry.action.c_str(), entry.user_name.c_str(),
                  linkvault::format_rfc3339(entry.created_at).c_str());
    }
    const linkvault::AuditReport audit = vault.verify_audit();
    std::printf("audit chain: %lld entries checked, %s\n", static_cast<long long>(audit.checked),
                audit.ok ? "intact" : "TAMPERED");
    return audit.ok ? 0 : 1;
  } catch (const linkvault::Error& error) {
    std::fprintf(stderr, "linkvault error %s: %s\n", linkvault::error_code_name(error.code()),
                 error.what());
    return 1;
  }
}
