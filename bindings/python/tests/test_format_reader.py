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
