"""docs/FORMAT.md "PostgreSQL", checked by an independent reader
(postgres_format_reader.py, run as its own process): the key check
recomputes from the master key, the keyring unwraps, every sealed credential
opens and every audit chain verifies with the file format's own rules — the
blobs, wrapped keys and MACs are byte-for-byte those of a file vault.
"""

import json
import os
import subprocess
import sys

import pytest

import linkvault as lv
from conftest import SLACK_TOKEN, TEST_KEY

pytestmark = pytest.mark.postgres_only

READER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "postgres_format_reader.py")


def read_independently(location):
    result = subprocess.run([sys.executable, READER, location, TEST_KEY.hex()],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_key_check_vector_of_format_md():
    code = ("import postgres_format_reader as r; "
            "print(r.key_check(bytes(range(32)), "
            "bytes.fromhex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=os.path.dirname(READER), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "5674714047790289b49c3cc483455ffb84034f6cd81283de6d40b7b303a4f692")


def test_an_independent_reader_opens_every_blob_and_verifies_every_chain(
        vault_path, admin):
    vault = lv.Vault.open(vault_path, key=TEST_KEY)
    expected = {}
    for tenant_id in ("acme", "globex"):
        tenant = vault.tenant(tenant_id)
        kept = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, name="kept")
        gone = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, name="gone")
        tenant.disconnect(admin, gone.id)
        tenant.enqueue_sync(admin, kept.id, "full_import")
        expected[kept.id] = {"bot_token": SLACK_TOKEN}
    vault.close()

    read = read_independently(vault_path)
    assert read["credentials"] == expected
    # connected twice, disconnected, sync_queued: four entries per tenant.
    assert read["verified"] == {"acme": 4, "globex": 4}
    assert len(read["jobs"]) == 2


def test_the_reader_refuses_a_wrong_key(vault_path, admin):
    vault = lv.Vault.open(vault_path, key=TEST_KEY)
    vault.tenant("acme").connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    vault.close()
    result = subprocess.run([sys.executable, READER, vault_path, bytes(32).hex()],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "key check mismatch" in result.stderr
