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

# About the SQLCipher file itself.
pytestmark = pytest.mark.sqlcipher_only

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
    # Schema 4's tables are read (empty here: no OAuth flow ran).
    assert found["oauth"] == {"refresh": {}, "clients": {}, "grants": {}, "buckets": {}}


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


# Schema 4's OAuth rows, written here from FORMAT.md (the engine's Python
# API comes later): a plain SQLite file made by the migrations themselves,
# keys wrapped and blobs sealed as FORMAT.md says, then read by the reader,
# untouched and with one thing broken at a time. In a child process: Python's
# SQLite and linkvault's SQLCipher cannot share one (format_reader.py says why).
OAUTH_ROWS_SCRIPT = r'''
import glob, json, os, shutil, sqlite3, struct, sys, tempfile
sys.path.insert(0, sys.argv[1])
import format_reader as fr
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

wrapping_key, keys = bytes(range(32)), {}

def wrap(tenant, purpose, version, key):
    ad = b"linkvault/v1/keyring" + fr.lp(tenant) + bytes([purpose]) + fr.u32be(version)
    nonce = os.urandom(12)
    return nonce + AESGCM(wrapping_key).encrypt(nonce, key, ad)

def seal(tenant, integration_id, purpose, plaintext):
    header = b"\x01\x01" + fr.u32be(1)
    nonce = os.urandom(12)
    ad = header + fr.lp(tenant) + fr.lp(integration_id) + fr.lp(purpose)
    return header + nonce + AESGCM(keys[tenant]).encrypt(nonce, plaintext, ad)

scratch = tempfile.mkdtemp()
good = os.path.join(scratch, "good.sqlite")
db = sqlite3.connect(good)
for migration in sorted(glob.glob(os.path.join(sys.argv[2], "*.sql"))):
    db.executescript(open(migration).read())
db.execute("PRAGMA user_version = 4")
db.execute("INSERT INTO meta VALUES ('format', 'linkvault'), ('kdf', 'raw-key;hkdf-sha256')")
for tenant in ("", "acme", "globex"):
    keys[tenant] = os.urandom(32)
    db.execute("INSERT INTO keyring VALUES (?, 1, 1, 1, ?, 1)",
               (tenant, wrap(tenant, 1, 1, keys[tenant])))
for tenant, name in (("acme", "i1"), ("acme", "i2"), ("globex", "i1")):
    db.execute("INSERT INTO integrations (id, tenant, provider, name, status, connected_by, "
               "created_at, updated_at) VALUES (?, ?, 'gmail', ?, 'pending_auth', 'u', 1, 1)",
               (tenant + "/" + name, tenant, name))
verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636's example
state_hash = bytes(range(100, 132))
db.execute("INSERT INTO oauth_grants VALUES (?, 'acme', 'acme/i1', ?, "
           "'https://app.example/callback', 1000, 601000)",
           (state_hash, seal("acme", "acme/i1", "pkce_verifier", verifier.encode())))
db.execute("INSERT INTO oauth_clients VALUES ('gmail', 'client-1', ?, 5)",
           (seal("", "gmail", "oauth_client_secret", b"client-secret-1"),))
db.execute("INSERT INTO oauth_clients VALUES ('microsoft_calendar', 'client-2', NULL, 6)")
db.execute("INSERT INTO token_refresh VALUES ('acme', 'acme/i1', 'lease-token', 9000, 2, 7000)")
db.execute("INSERT INTO token_refresh VALUES ('globex', 'globex/i1', '', 0, 0, 0)")
db.execute("INSERT INTO rate_buckets VALUES ('acme', 'acme/i2', 59.5, 3599.25, 8000, 0)")
db.commit()
db.close()

def read(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return fr.read_tables(db, wrapping_key)
    finally:
        db.close()

BROKEN = {
    "grant state hash of 31 bytes":
        "UPDATE oauth_grants SET state_hash = substr(state_hash, 1, 31)",
    "grant expiring when made": "UPDATE oauth_grants SET expires_at = created_at",
    "grant on another tenant's integration": "UPDATE oauth_grants SET tenant = 'globex'",
    "verifier moved to another integration":
        "UPDATE oauth_grants SET integration_id = 'acme/i2'",
    "client secret moved to another provider":
        "UPDATE oauth_clients SET provider = 'google_calendar' WHERE provider = 'gmail'",
    "refresh state on another tenant's integration":
        "UPDATE token_refresh SET tenant = 'globex' WHERE tenant = 'acme'",
    "half a lease": "UPDATE token_refresh SET lease_until = 0 WHERE tenant = 'acme'",
    "bucket on an unknown integration": "UPDATE rate_buckets SET integration_id = 'acme/i9'",
    "bucket tokens as text": "UPDATE rate_buckets SET minute_tokens = 'plenty'",
    "negative bucket tokens": "UPDATE rate_buckets SET hour_tokens = -0.5",
}
caught = {}
for name, sql in BROKEN.items():
    path = os.path.join(scratch, "broken.sqlite")
    shutil.copyfile(good, path)
    db = sqlite3.connect(path)
    assert db.execute(sql).rowcount == 1, name
    db.commit()
    db.close()
    try:
        read(path)
        caught[name] = None
    except Exception as error:  # the reader's AssertionError, or AES-GCM's InvalidTag
        caught[name] = type(error).__name__
print(json.dumps({"oauth": read(good)["oauth"], "caught": caught}))
shutil.rmtree(scratch)
'''


def test_the_reader_opens_and_checks_schema_4_oauth_rows():
    tests_dir = os.path.dirname(READER)
    migrations = os.path.join(tests_dir, "..", "..", "..", "src", "store", "migrations")
    result = subprocess.run([sys.executable, "-c", OAUTH_ROWS_SCRIPT, tests_dir, migrations],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    oauth = found["oauth"]
    assert oauth["clients"] == {
        "gmail": {"client_id": "client-1", "client_secret": "client-secret-1"},
        "microsoft_calendar": {"client_id": "client-2", "client_secret": None}}
    assert oauth["grants"] == {bytes(range(100, 132)).hex(): {
        "tenant": "acme", "integration_id": "acme/i1",
        "redirect_uri": "https://app.example/callback",
        "verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        "created_at": 1000, "expires_at": 601000}}
    assert oauth["refresh"] == {
        "acme/i1": {"lease_held": True, "failures": 2, "cooldown_until": 7000},
        "globex/i1": {"lease_held": False, "failures": 0, "cooldown_until": 0}}
    assert oauth["buckets"] == {"acme/i2": [59.5, 3599.25, 8000, 0]}
    assert found["caught"] == {
        "grant state hash of 31 bytes": "AssertionError",
        "grant expiring when made": "AssertionError",
        "grant on another tenant's integration": "AssertionError",
        "verifier moved to another integration": "InvalidTag",
        "client secret moved to another provider": "InvalidTag",
        "refresh state on another tenant's integration": "AssertionError",
        "half a lease": "AssertionError",
        "bucket on an unknown integration": "AssertionError",
        "bucket tokens as text": "AssertionError",
        "negative bucket tokens": "AssertionError",
    }
