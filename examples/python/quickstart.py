#!/usr/bin/env python3
"""linkvault quickstart (Python): two tenants, four integrations, a sync job, a CRM import, a token refresh, one encrypted file.

    PYTHONPATH=bindings/python LINKVAULT_LIBRARY=build/capi/liblinkvault_c.so \\
        python3 examples/python/quickstart.py [VAULT_PATH]

VAULT_PATH defaults to ./linkvault-demo.vault. The library is found like the
tests find it: LINKVAULT_LIBRARY, else next to the package, else the build
tree of this checkout. Run it twice: the second run opens the same file,
clears the demo tenants and starts again.
"""

import datetime as dt
import json
import os
import sys

# Run from a checkout without PYTHONPATH too.
_CHECKOUT_BINDINGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                  "bindings", "python")
if os.path.isdir(_CHECKOUT_BINDINGS):
    sys.path.append(os.path.normpath(_CHECKOUT_BINDINGS))

import linkvault as lv  # noqa: E402

# DEMO ONLY. A real host keeps its 32-byte master key in a secret manager or
# KMS and passes it as key=...; it never hard-codes a passphrase. Set
# LINKVAULT_DEMO_KEY to 64 hex digits to try the raw-key form.
DEMO_PASSPHRASE = "linkvault demo passphrase - do not use for real data"


def open_demo_vault(path):
    hex_key = os.environ.get("LINKVAULT_DEMO_KEY")
    if hex_key:
        print("Opening %s with the 32-byte key from LINKVAULT_DEMO_KEY" % path)
        return lv.Vault.open(path, key=bytes.fromhex(hex_key))
    print("Opening %s with the demo passphrase (Argon2id: this takes a moment)" % path)
    return lv.Vault.open(path, passphrase=DEMO_PASSPHRASE)


def fake_tester(credentials):
    """Stands in for a call to the provider's API (Slack's auth.test, Gmail's
    users.getProfile...). Here: tokens that say 'revoked' fail."""
    token = next(iter(credentials.values()))
    if "revoked" in token:
        return False, "invalid_auth: the token was revoked"
    return True, "token accepted"


def fake_refresher(credentials):
    """Stands in for a POST to Google's token endpoint with the refresh token
    (grant_type=refresh_token). The provider rotates the refresh token."""
    print("  refresher called with a refresh token ending in ...%s"
          % credentials["refresh_token"][-4:])
    return {"access_token": "ya29.acme-gmail-refreshed-tokenAC03",
            "refresh_token": "1//demo-refresh-rotated", "expires_in": 3600}


# A page of clients as HoneyBook's API returns them (a real worker fetches it
# over HTTP). The catalog's HoneyBook carries default mappings for them.
CRM_PAGE = json.dumps({"data": [
    {"id": 101, "first_name": "Ada", "last_name": "Lovelace", "email": " Ada@Example.com",
     "phone": "+44 20 7946 0101", "project": {"event_date": "2026-09-12T16:00:00Z",
                                             "venue": "Old Mill"}},
    {"id": 102, "first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",
     "project": {"event_date": "2026-10-03"}, "custom_fields": {"guests": 80}},
    {"id": 103, "first_name": "Alan", "last_name": "Turing", "email": "alan@example.com",
     "phone": "(555) 010-0103", "notes": "prefers e-mail"},
    {"id": 104, "first_name": "Edsger", "last_name": "Dijkstra", "email": "EWD@example.com"},
    {"id": 105, "first_name": "Barbara", "last_name": "Liskov", "email": "barbara@example.com",
     "project": {"event_date": "20261121", "venue": "City Hall"}},
]})


def print_counts(what, counts):
    print("  %s: created %d, updated %d, unchanged %d"
          % (what, counts["created"], counts["updated"], counts["unchanged"]))


def print_activity(tenant):
    entries = tenant.activity(limit=50)  # the whole tenant, newest first
    names = {integration.id: "%s/%s" % (integration.provider, integration.name)
             for integration in tenant.list()}
    print("\n  Activity of tenant %r, newest first:" % tenant.id)
    print("  %-4s %-12s %-22s %-16s %-13s %s" % ("seq", "time (UTC)", "action", "integration",
                                                "by", "details"))
    print("  " + "-" * 96)
    for entry in entries:
        details = ", ".join("%s=%s" % item for item in sorted(entry.details.items()))
        print("  %-4d %-12s %-22s %-16s %-13s %s" % (
            entry.sequence, entry.created_at.strftime("%H:%M:%S.%f")[:-3], entry.action,
            names.get(entry.integration_id, "-"), entry.user_name, details[:48]))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "./linkvault-demo.vault"
    print("linkvault %s (library %s, loaded from %s)\n"
          % (lv.__version__, lv.library_version(), lv.library_path()))

    with open_demo_vault(path) as vault:
        admin = lv.Actor("u-alice", "Alice", role="admin")
        viewer = lv.Actor("u-bob", "Bob", role="member")

        for tenant_id in ("acme", "globex"):
            counts = vault.purge_tenant(admin, tenant_id)  # a clean slate on every run
            if counts["integrations"]:
                print("Cleared the previous run's %r: %d integrations, %d sync jobs, "
                      "%d activity entries" % (tenant_id, counts["integrations"], counts["jobs"],
                                               counts["activity"]))

        print("\nThe catalog has %d providers: %s"
              % (len(vault.providers()), ", ".join(p["key"] for p in vault.providers())))

        # 1. Connect slack + gmail for two tenants.
        acme, globex = vault.tenant("acme"), vault.tenant("globex")
        connected = {}
        for tenant, slack_token, gmail_token in (
                (acme, "xoxb-acme-0001-slack-bot-tokenAC01", "ya29.acme-gmail-access-tokenAC02"),
                (globex, "xoxb-globex-revoked-bot-tokenGX01", "ya29.globex-gmail-accessGX02")):
            slack = tenant.connect(admin, "slack", {"bot_token": slack_token},
                                   scopes=["chat:write"])
            gmail = tenant.connect(
                admin, "gmail", {"access_token": gmail_token, "refresh_token": "1//demo-refresh"},
                account="ops@%s.example" % tenant.id,
                expires_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10),
                sync_config={"auto_sync": True, "interval_minutes": 30})
            connected[tenant.id] = (slack, gmail)
            print("\n%s connected:" % tenant.id)
            for integration in (slack, gmail):
                print("  %-6s id=%s status=%s mask=%s" % (integration.provider, integration.id,
                                                          integration.status,
                                                          integration.credential_mask))

        # 2. Tenancy: globex cannot see acme's integration, not even that it exists.
        acme_slack = connected["acme"][0]
        try:
            globex.get(acme_slack.id)
        except lv.NotFound as error:
            print("\nglobex asking for acme's Slack id -> NotFound (%s)" % error)

        # 3. Roles: a member may read but not change.
        try:
            acme.reveal_credentials(viewer, acme_slack.id)
        except lv.PermissionDenied as error:
            print("Bob (member) tries to reveal -> PermissionDenied (%s)" % error)

        # 4. Test with the host's tester: acme's token passes, globex's fails.
        print()
        for tenant in (acme, globex):
            slack = connected[tenant.id][0]
            result = tenant.test(admin, slack.id, fake_tester)
            after = tenant.get(slack.id)
            print("Test %s/slack: %s (%s) -> status %s"
                  % (tenant.id, "passed" if result.success else "FAILED", result.message,
                     after.status))

        # 5. Reveal (logged as credentials_revealed).
        revealed = acme.reveal_credentials(admin, acme_slack.id)
        print("\nAlice reveals acme/slack: fields %s (values not printed)" % sorted(revealed))
        del revealed

        # 6. Disconnect one: credentials wiped, the row and its history stay.
        globex_gmail = connected["globex"][1]
        gone = globex.disconnect(admin, globex_gmail.id)
        print("Disconnected globex/gmail: status=%s, mask=%r, disconnected_at=%s"
              % (gone.status, gone.credential_mask, gone.disconnected_at.isoformat()))
        try:
            globex.reveal_credentials(admin, gone.id)
        except lv.FailedPrecondition as error:
            print("Revealing it now -> FailedPrecondition (%s)" % error)

        # 7. Sync: queue a job, then run it as a worker would (any thread or
        #    process that opens the vault): claim, report progress, complete.
        acme_gmail = connected["acme"][1]
        job = acme.enqueue_sync(admin, acme_gmail.id, "full_import", config={"folders": ["INBOX"]})
        print("\nQueued %s on acme/gmail: job %s is %s" % (job.type, job.id, job.status))
        job = vault.claim_job("worker-1", lease_seconds=30)
        print("worker-1 claimed it (attempt %d, lease until %s)"
              % (job.attempt, job.lease_until.strftime("%H:%M:%S")))
        total = 100  # a real worker learns this from the provider's API
        for processed in range(0, total + 1, 20):
            job = vault.heartbeat(job.id, "worker-1", processed=processed, total=total)
            print("  sync %s: %d%% (%d/%d)" % (job.type, job.progress_percent,
                                              job.records_processed, job.records_total))
        job = vault.complete_job(job.id, "worker-1", summary={"messages_imported": total})
        print("Job %s: status=%s outcome=%s summary=%s; acme/gmail last_sync_status=%s"
              % (job.id, job.status, job.outcome, job.summary,
                 acme.get(acme_gmail.id).last_sync_status))

        # 7b. A CRM import: the worker maps a page of the provider's clients
        #     (HoneyBook's default field mappings), hands the host only what
        #     changed, and commits inside the job, which counts them.
        crm = acme.connect(admin, "honeybook", {"access_token": "hb-demo-access-tokenAC04"})
        job = acme.enqueue_sync(admin, crm.id, "full_import")
        job = vault.claim_job("worker-1", lease_seconds=30)
        print("\nworker-1 imports acme/honeybook's clients (job %s):" % job.id)
        vault.heartbeat(job.id, "worker-1", total=5)
        with acme.map_records(crm.id, CRM_PAGE, records_at="/data",
                              job_id=job.id, worker_id="worker-1") as batch:
            for item in batch.changed:  # a real host upserts these into its database
                client = item["record"]
                print("  %-7s %s: %s %s <%s>, event %s" % (
                    item["action"], item["external_id"], client["first_name"],
                    client["last_name"], client["email"], client["event_date"] or "-"))
            acme.commit_records(batch)  # stored: remember them
        job = vault.heartbeat(job.id, "worker-1")
        print("  progress %d%% (%d/%d)" % (job.progress_percent, job.records_processed,
                                          job.records_total))
        job = vault.complete_job(job.id, "worker-1")
        print_counts("job summary", job.summary)
        with acme.map_records(crm.id, CRM_PAGE, records_at="/data") as batch:
            print_counts("the same page again", batch.counts)

        # 8. Token refresh: acme/gmail's token expires within the 15-minute
        #    margin, so valid_credentials refreshes it once (whichever threads
        #    and processes ask at the same time), commits it, then returns it.
        print("\nacme/gmail's token expires at %s, within 15 minutes; a worker asks for it:"
              % acme.get(acme_gmail.id).expires_at.strftime("%H:%M:%S"))
        fresh = acme.valid_credentials(admin, acme_gmail.id, fake_refresher)
        refreshed = acme.get(acme_gmail.id)
        print("  got a token ending in ...%s; refresh_count=%d, now expires at %s"
              % (fresh["access_token"][-4:], refreshed.refresh_count,
                 refreshed.expires_at.strftime("%H:%M:%S")))
        del fresh
        # Rate limits: gmail's per_minute bucket, shared by every process.
        wait = acme.acquire(acme_gmail.id, cost=5)
        print("  acquire(cost=5) -> wait %.1f s (0 = go now)" % wait)

        # 9. The activity log, newest first.
        print_activity(acme)
        print_activity(globex)

        # 10. Verify the tamper-evident chain of every tenant.
        report = vault.verify_audit()
        print("\nAudit chain: %d entries checked, %s"
              % (report["checked"], "intact" if report["ok"] else
                 "BROKEN at entry %s" % report["first_bad"]))
        if not report["ok"]:
            return 1

    print("\nDone. Everything above lives encrypted in %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
