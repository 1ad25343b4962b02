"""docs/FORMAT.md is complete: a reader written from it alone
(format_reader.py: OpenSSL through `cryptography`, Python's own SQLite, no
linkvault) opens a vault linkvault wrote, reads every credential and verifies
every activity entry. If FORMAT.md left out or misstated a detail, that
reader would fail."""

import json
import os
import subprocess
import sys

import pytest

import linkvault as lv
from conftest import SLACK_TOKEN, TEST_KEY

pytest.importorskip("cryptography")

READER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "format_reader.py")


def read_independently(vault_path):
    result = subprocess.run([sys.executable, READER, vault_path, TEST_KEY.hex()],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_reader_written_from_format_md_opens_every_credential_and_verifies_every_entry(
        vault_path, admin):
    written = {}
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        for tenant_id in ("acme", "globex", "gone"):
            tenant = vault.tenant(tenant_id)
            for name in ("default", "second"):
                token = "%s-%s-%s" % (SLACK_TOKEN, tenant_id, name)
                integration = tenant.connect(admin, "slack", {"bot_token": token}, name=name)
                if tenant_id != "gone":
                    written[integration.id] = {"bot_token": token}
            tenant.disconnect(admin, integration.id)
            written.pop(integration.id, None)
        vault.purge_tenant(admin, "gone")

    found = read_independently(vault_path)
    assert found["credentials"] == written
    # Per tenant: two connections and one disconnection.
    assert found["verified"] == {"acme": 3, "globex": 3}
    assert found["destroyed_keys"]["gone"] >= 2  # its credentials and audit keys


def test_the_reader_checks_sync_jobs_in_every_state(vault_path, admin):
    expected = {}
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        tenant = vault.tenant("acme")
        ids = [tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, name="n%d" % n).id
               for n in range(5)]
        done = tenant.enqueue_sync(admin, ids[0], "full_import", config={"since": "2026-01-01"})
        vault.claim_job("w-1")
        vault.complete_job(done.id, "w-1", summary={"created": 3})
        expected[done.id] = "completed"
        failed = tenant.enqueue_sync(admin, ids[1], "export", max_attempts=1)
        vault.claim_job("w-1")
        vault.fail_job(failed.id, "w-1", "provider said no", retryable=True)
        expected[failed.id] = "failed"
        running = tenant.enqueue_sync(admin, ids[2], "incremental_sync")
        vault.claim_job("w-2")
        vault.heartbeat(running.id, "w-2", processed=5, total=10)
        expected[running.id] = "running"
        cancelled = tenant.enqueue_sync(admin, ids[3], "field_mapping_update")
        tenant.cancel_job(admin, cancelled.id)
        expected[cancelled.id] = "cancelled"
        pending = tenant.enqueue_sync(admin, ids[4], "full_import")
        expected[pending.id] = "pending"
    assert read_independently(vault_path)["jobs"] == expected
