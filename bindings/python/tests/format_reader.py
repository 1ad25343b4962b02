#!/usr/bin/python3
"""A second reader of a vault file, written from docs/FORMAT.md alone.

    format_reader.py <vault path> <64 hex digits of the raw master key>

Derives the keys; checks every page's HMAC-SHA1 and decrypts it with OpenSSL
(through the `cryptography` package); rebuilds a plain SQLite file that
Python's own sqlite3 (no SQLCipher) reads; unwraps the keyring, opens every
credential blob and verifies every tenant's activity chain against its head;
from schema 3 checks the sync jobs, from schema 4 the OAuth tables (opening
every sealed client secret and PKCE verifier), from schema 5 the record
tables (field mappings and remembered records). Prints {"credentials":
{integration id: fields}, "verified": {tenant: n}, "destroyed_keys": {tenant:
n}, "jobs": {job id: status}, "oauth": {...}, "records": {...}} as JSON; any
mismatch is an AssertionError (or the AES-GCM tag failing: InvalidTag).

A separate process on purpose: linkvault's SQLCipher and Python's SQLite
export the same symbols and cannot share one process.
"""
import hashlib
import hmac
import json
import sqlite3
import struct
import sys
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PAGE_SIZE = 4096
RESERVE = 48
IV_AT = PAGE_SIZE - RESERVE
HMAC_AT = IV_AT + 16
SQLITE_MAGIC = b"SQLite format 3\0"
PURPOSE_CREDENTIALS, PURPOSE_AUDIT, PURPOSE_RECORDS = 1, 2, 3
STATE_DESTROYED = 3


def u32be(n):
    return struct.pack(">I", n)


def lp(text):
    data = text.encode("utf-8")
    return u32be(len(data)) + data


def i64(n):
    return struct.pack(">q", n)


def hkdf(root, salt, label):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=label.encode("ascii")).derive(root)


def decrypt_to_plain_sqlite(vault_bytes, page_key, salt):
    """Every page checked (HMAC-SHA1) and decrypted (AES-256-CBC)."""
    assert len(vault_bytes) % PAGE_SIZE == 0
    hmac_key = hashlib.pbkdf2_hmac("sha1", page_key, bytes(b ^ 0x3A for b in salt), 2, 32)
    plain = bytearray()
    for index in range(len(vault_bytes) // PAGE_SIZE):
        number = index + 1
        page = vault_bytes[index * PAGE_SIZE:(index + 1) * PAGE_SIZE]
        start = 16 if number == 1 else 0
        expected = hmac.new(hmac_key, page[start:HMAC_AT] + struct.pack("<I", number),
                            "sha1").digest()
        assert page[HMAC_AT:HMAC_AT + 20] == expected, "page %d fails its HMAC" % number
        decryptor = Cipher(algorithms.AES(page_key), modes.CBC(page[IV_AT:HMAC_AT])).decryptor()
        body = decryptor.update(page[start:IV_AT]) + decryptor.finalize()
        plain += (SQLITE_MAGIC if number == 1 else b"") + body + bytes(RESERVE)
    # Bytes 18-19 say WAL (2, 2); as 1, 1 a read-only reader needs no -shm.
    assert plain[18:20] == b"\x02\x02"
    plain[18:20] = b"\x01\x01"
    return bytes(plain)


def decode_credentials(plaintext):
    assert plaintext[0] == 0x01
    (count,) = struct.unpack(">I", plaintext[1:5])
    at, fields = 5, {}
    for _ in range(count):
        (length,) = struct.unpack(">I", plaintext[at:at + 4])
        name = plaintext[at + 4:at + 4 + length].decode("utf-8")
        at += 4 + length
        (length,) = struct.unpack(">I", plaintext[at:at + 4])
        fields[name] = plaintext[at + 4:at + 4 + length].decode("utf-8")
        at += 4 + length
    assert at == len(plaintext)
    return fields


def canonical_activity(row):
    (tenant, sequence, entry_id, integration_id, action, user_id, user_name, details,
     created_at, key_version) = row
    return (lp("linkvault/v1/activity") + lp(tenant) + i64(sequence) + lp(entry_id)
            + (b"\x01" if integration_id is not None else b"\x00")
            + lp(integration_id if integration_id is not None else "")
            + lp(action) + lp(user_id) + lp(user_name) + lp(details)
            + i64(created_at) + u32be(key_version))



def open_sealed(keys, blob, tenant, integration_id, purpose):
    """A sealed blob (format 0x01, AES-256-GCM) under the tenant's credentials key."""
    assert len(blob) >= 34 and blob[0:2] == b"\x01\x01"
    (version,) = struct.unpack(">I", blob[2:6])
    ad = blob[:6] + lp(tenant) + lp(integration_id) + lp(purpose)
    return AESGCM(keys[(tenant, PURPOSE_CREDENTIALS, version)]).decrypt(
        blob[6:18], blob[18:], ad)


def read_vault(vault_path, raw_key):
    vault_bytes = Path(vault_path).read_bytes()
    salt = vault_bytes[:16]
    page_key = hkdf(raw_key, salt, "linkvault/v1/sqlcipher-key")
    wrapping_key = hkdf(raw_key, salt, "linkvault/v1/keyring-wrapping-key")
    with tempfile.TemporaryDirectory() as scratch:
        plain_path = Path(scratch) / "plain.sqlite"
        plain_path.write_bytes(decrypt_to_plain_sqlite(vault_bytes, page_key, salt))
        db = sqlite3.connect("file:%s?mode=ro" % plain_path, uri=True)
        try:
            return read_tables(db, wrapping_key)
        finally:
            db.close()


def read_tables(db, wrapping_key):
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # Schema 1's tables; later migrations add tables, not change these.
    assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    meta = dict(db.execute("SELECT key, value FROM meta"))
    assert meta["format"] == "linkvault"
    assert meta["kdf"] == "raw-key;hkdf-sha256"

    keys, destroyed = {}, {}
    for tenant, purpose, version, state, wrapped in db.execute(
            "SELECT tenant, purpose, version, state, wrapped FROM keyring"):
        assert purpose in (PURPOSE_CREDENTIALS, PURPOSE_AUDIT, PURPOSE_RECORDS)
        if state == STATE_DESTROYED:
            assert wrapped is None
            destroyed[tenant] = destroyed.get(tenant, 0) + 1
            continue
        assert len(wrapped) == 60
        ad = b"linkvault/v1/keyring" + lp(tenant) + bytes([purpose]) + u32be(version)
        keys[(tenant, purpose, version)] = AESGCM(wrapping_key).decrypt(
            wrapped[:12], wrapped[12:], ad)

    credentials = {}
    for integration_id, tenant, status, blob in db.execute(
            "SELECT id, tenant, status, credentials FROM integrations"):
        if status == "disconnected":
            assert blob is None
            continue
        if status == "pending_auth" and blob is None:
            continue  # a new OAuth flow: no credentials until it completes
        plaintext = open_sealed(keys, blob, tenant, integration_id, "credentials")
        credentials[integration_id] = decode_credentials(plaintext)

    verified = {}
    for tenant, head_sequence, head in db.execute(
            "SELECT tenant, audit_sequence, audit_head FROM tenants").fetchall():
        previous, count = bytes(32), 0
        for row in db.execute(
                "SELECT tenant, sequence, id, integration_id, action, user_id, user_name, "
                "details, created_at, key_version, mac FROM activity WHERE tenant = ? "
                "ORDER BY sequence", (tenant,)):
            assert row[1] == count + 1, "%s: sequence %d after %d" % (tenant, row[1], count)
            key = keys[(tenant, PURPOSE_AUDIT, row[9])]
            mac = hmac.new(key, previous + canonical_activity(row[:10]), "sha256").digest()
            assert mac == row[10], "%s entry %d fails its MAC" % (tenant, row[1])
            previous, count = mac, count + 1
        assert head_sequence == count
        assert (head is None and count == 0) or head == previous
        verified[tenant] = count
    orphans = db.execute("SELECT count(*) FROM activity WHERE tenant NOT IN "
                         "(SELECT tenant FROM tenants)").fetchone()[0]
    assert orphans == 0
    schema = db.execute("PRAGMA user_version").fetchone()[0]
    jobs = read_jobs(db) if schema >= 3 else {}
    oauth = read_oauth(db, keys) if schema >= 4 else {}
    records = read_records(db, keys) if schema >= 5 else {}
    return {"credentials": credentials, "verified": verified, "destroyed_keys": destroyed,
            "jobs": jobs, "oauth": oauth, "records": records}


JOB_TYPES = ("full_import", "incremental_sync", "export", "field_mapping_update")
FINISHED = ("completed", "failed", "cancelled")


def read_jobs(db):
    """Schema 3's sync_jobs, checked against FORMAT.md's invariants."""
    jobs, active = {}, set()
    for (job_id, tenant, integration_id, job_type, status, config, progress, attempt,
         max_attempts, worker_id, lease_token, lease_until, started_at, outcome,
         summary) in db.execute(
            "SELECT id, tenant, integration_id, type, status, config, progress_percent, "
            "attempt, max_attempts, worker_id, lease_token, lease_until, started_at, "
            "outcome, summary FROM sync_jobs"):
        assert job_type in JOB_TYPES
        assert isinstance(json.loads(config), dict)
        assert 0 <= progress <= 100
        assert 1 <= max_attempts <= 20 and 0 <= attempt
        owner = db.execute("SELECT tenant FROM integrations WHERE id = ?",
                           (integration_id,)).fetchone()
        assert owner == (tenant,), "job %s is not on an integration of its tenant" % job_id
        if status in ("pending", "running"):
            assert integration_id not in active, "two active jobs on %s" % integration_id
            active.add(integration_id)
        if status == "running":
            assert lease_token != "" and lease_until is not None
            assert worker_id is not None and started_at is not None
        else:
            assert status in ("pending",) + FINISHED
            assert lease_token == "" and lease_until is None
        if status in ("completed", "failed"):
            assert outcome == ("failed" if status == "failed" else outcome)
            assert outcome in ("success", "partial", "failed")
        if summary is not None:
            assert isinstance(json.loads(summary), dict)
        jobs[job_id] = status
    return jobs


BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
VAULT_KEYRING = ""  # the reserved tenant whose keyring seals OAuth client secrets


def integration_tenant(db, integration_id):
    row = db.execute("SELECT tenant FROM integrations WHERE id = ?", (integration_id,)).fetchone()
    return row[0] if row else None


def read_oauth(db, keys):
    """Schema 4's OAuth tables, checked against FORMAT.md's invariants.

    Returns {"refresh": {integration id: {lease_held, failures, cooldown_until}},
    "clients": {provider: {client_id, client_secret}}, "grants": {state hash hex:
    {tenant, integration_id, redirect_uri, verifier, created_at, expires_at}},
    "buckets": {integration id: [minute_tokens, hour_tokens, refilled_at,
    blocked_until]}}."""
    refresh = {}
    for tenant, integration_id, lease_token, lease_until, failures, cooldown_until in db.execute(
            "SELECT tenant, integration_id, lease_token, lease_until, failures, cooldown_until "
            "FROM token_refresh"):
        assert integration_tenant(db, integration_id) == tenant, \
            "refresh state of %s is not on an integration of tenant %r" % (integration_id, tenant)
        # Released as a pair ('' and 0), taken as a pair (a token and a time).
        assert (lease_token == "") == (lease_until == 0), "half a lease on %s" % integration_id
        assert failures >= 0 and cooldown_until >= 0
        refresh[integration_id] = {"lease_held": lease_token != "", "failures": failures,
                                   "cooldown_until": cooldown_until}

    clients = {}
    for provider, client_id, sealed_secret, updated_at in db.execute(
            "SELECT provider, client_id, sealed_secret, updated_at FROM oauth_clients"):
        assert provider and client_id and updated_at > 0
        secret = None
        if sealed_secret is not None:
            secret = open_sealed(keys, sealed_secret, VAULT_KEYRING, provider,
                                 "oauth_client_secret").decode("utf-8")
        clients[provider] = {"client_id": client_id, "client_secret": secret}

    grants = {}
    for state_hash, tenant, integration_id, sealed_verifier, redirect_uri, created_at, \
            expires_at in db.execute(
                "SELECT state_hash, tenant, integration_id, sealed_verifier, redirect_uri, "
                "created_at, expires_at FROM oauth_grants"):
        assert isinstance(state_hash, bytes) and len(state_hash) == 32, "state hash not 32 bytes"
        assert expires_at > created_at, "grant expires before it was made"
        assert integration_tenant(db, integration_id) == tenant, \
            "grant for %s is not on an integration of tenant %r" % (integration_id, tenant)
        verifier = open_sealed(keys, sealed_verifier, tenant, integration_id,
                               "pkce_verifier").decode("ascii")
        assert len(verifier) == 43 and set(verifier) <= BASE64URL, "not a 32-byte PKCE verifier"
        assert redirect_uri.startswith(("https://", "http://"))
        grants[state_hash.hex()] = {"tenant": tenant, "integration_id": integration_id,
                                    "redirect_uri": redirect_uri, "verifier": verifier,
                                    "created_at": created_at, "expires_at": expires_at}

    buckets = {}
    for tenant, integration_id, minute_tokens, hour_tokens, refilled_at, blocked_until in \
            db.execute("SELECT tenant, integration_id, minute_tokens, hour_tokens, refilled_at, "
                       "blocked_until FROM rate_buckets"):
        assert integration_tenant(db, integration_id) == tenant, \
            "rate bucket of %s is not on an integration of tenant %r" % (integration_id, tenant)
        for tokens in (minute_tokens, hour_tokens):
            # REAL, refilled continuously: fractional, finite, never negative.
            assert isinstance(tokens, float) and 0.0 <= tokens < float("inf")
        assert refilled_at > 0 and blocked_until >= 0
        buckets[integration_id] = [minute_tokens, hour_tokens, refilled_at, blocked_until]
    return {"refresh": refresh, "clients": clients, "grants": grants, "buckets": buckets}


def read_records(db, keys):
    """Schema 5's record tables, checked against FORMAT.md's invariants.
    Record values are not stored (only their HMACs), so nothing here can be
    opened; what is checked is the rows' shape and where they belong.

    Returns {"field_mappings": {integration id: [rule, ...]}, "remembered":
    {integration id: {"rows": n, "stale": n}}}."""
    field_mappings = {}
    for tenant, integration_id, rules, updated_by, updated_at in db.execute(
            "SELECT tenant, integration_id, rules, updated_by, updated_at FROM field_mappings"):
        assert integration_tenant(db, integration_id) == tenant, \
            "field mappings of %s are not on an integration of tenant %r" % (integration_id, tenant)
        parsed = json.loads(rules)
        assert isinstance(parsed, list) and 1 <= len(parsed) <= 256, "rules are not 1..256 rules"
        for rule in parsed:
            assert isinstance(rule, dict) and isinstance(rule.get("target"), str) \
                and isinstance(rule.get("source"), str), "a rule without target and source"
        assert isinstance(updated_by, str) and isinstance(updated_at, int) and updated_at >= 0
        field_mappings[integration_id] = parsed

    remembered = {}
    has_records_key = {tenant for tenant, purpose, _ in keys if purpose == PURPOSE_RECORDS}
    for tenant, integration_id, external_id, digest, stale, seen_job, seen_at in db.execute(
            "SELECT tenant, integration_id, external_id, hash, stale, seen_job, seen_at "
            "FROM records"):
        assert integration_tenant(db, integration_id) == tenant, \
            "records of %s are not on an integration of tenant %r" % (integration_id, tenant)
        assert isinstance(external_id, str) and external_id, "an empty external id"
        assert isinstance(digest, bytes) and len(digest) == 32, "a record hash not 32 bytes"
        assert stale in (0, 1), "stale is not 0 or 1"
        assert not stale or digest == bytes(32), "a stale record keeps an old hash"
        # An HMAC was made: the tenant has a live records key.
        assert tenant in has_records_key, "records of tenant %r without a records key" % tenant
        if seen_job is not None:
            job = db.execute("SELECT tenant, integration_id FROM sync_jobs WHERE id = ?",
                             (seen_job,)).fetchone()
            assert job == (tenant, integration_id), \
                "a record of %s seen by a job of another integration" % integration_id
        assert isinstance(seen_at, int) and seen_at >= 0
        counts = remembered.setdefault(integration_id, {"rows": 0, "stale": 0})
        counts["rows"] += 1
        counts["stale"] += stale
    return {"field_mappings": field_mappings, "remembered": remembered}


if __name__ == "__main__":
    print(json.dumps(read_vault(sys.argv[1], bytes.fromhex(sys.argv[2]))))
