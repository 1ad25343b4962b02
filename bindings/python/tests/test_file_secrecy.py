"""DESIGN.md §10: the database file, its -wal and -shm never contain a
secret's bytes and are not plain SQLite — even when Python's own sqlite3
(a different libsqlite3) was loaded into the process first."""

import os
import subprocess
import sys
import textwrap

import pytest

import linkvault as lv
from conftest import TEST_KEY, subprocess_environment

# About the SQLCipher file itself.
pytestmark = pytest.mark.sqlcipher_only

SQLITE_HEADER = b"SQLite format 3\x00"

CHILD = textwrap.dedent(r'''
    import os, sqlite3, sys
    # Python's own SQLite, loaded and used before linkvault is imported.
    connection = sqlite3.connect(":memory:")
    connection.execute("create table t(x)")
    connection.execute("insert into t values ('plain sqlite works')")
    assert "linkvault" not in sys.modules

    import linkvault as lv

    path = sys.argv[1]
    secrets = sys.argv[2:]
    admin = lv.Actor("u-1", "Alice", role="admin")
    vault = lv.Vault.open(path, key=bytes(range(32)))
    tenant = vault.tenant("acme")
    slack = tenant.connect(admin, "slack", {"bot_token": secrets[0], "signing_secret": secrets[1]})
    tenant.update_credentials(admin, slack.id, {"bot_token": secrets[2]})
    gmail = tenant.connect(admin, "gmail", {"access_token": secrets[3]})
    tenant.test(admin, gmail.id, lambda creds: (True, "ok"))
    assert tenant.reveal_credentials(admin, slack.id) == {"bot_token": secrets[2]}
    tenant.disconnect(admin, gmail.id)

    def check(stage):
        for suffix in ("", "-wal", "-shm", "-journal"):
            name = path + suffix
            if not os.path.exists(name):
                continue
            with open(name, "rb") as handle:
                data = handle.read()
            if suffix == "":
                assert len(data) > 0, stage
                assert not data.startswith(b"SQLite format 3"), stage + ": plain SQLite header"
            for secret in secrets:
                for encoding in ("utf-8", "utf-16-le"):
                    assert secret.encode(encoding) not in data, "%s: secret in %s" % (stage, suffix or "db")
        print(stage, "clean", sorted(f for f in os.listdir(os.path.dirname(path))))

    check("open")            # the -wal is live now
    vault.close()
    check("closed")
    # Python's sqlite3 cannot read it.
    try:
        sqlite3.connect(path).execute("select count(*) from sqlite_master").fetchall()
    except sqlite3.DatabaseError as error:
        print("sqlite3 refused:", error)
    else:
        raise AssertionError("plain sqlite3 read the vault")
    # and the vault still opens and verifies
    with lv.Vault.open(path, key=bytes(range(32))) as again:
        assert again.verify_audit()["ok"]
        assert again.tenant("acme").reveal_credentials(admin, slack.id) == {"bot_token": secrets[2]}
    print("ok")
''')

SECRETS = ["xoxb-TOPSECRET-bot-token-0123456789", "SIGNING-secret-ABCDEF-987654",
           "xoxb-ROTATED-secret-token-55555", "ya29.GMAIL-secret-access-77777"]


def test_sqlite3_imported_first_vault_is_still_encrypted(tmp_path):
    path = str(tmp_path / "secrecy.vault")
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, path] + SECRETS,
        env=subprocess_environment(), capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "open clean" in completed.stdout
    assert "closed clean" in completed.stdout
    assert "sqlite3 refused" in completed.stdout
    assert completed.stdout.strip().endswith("ok")


def test_in_process_files_hold_no_secret(vault_path, admin):
    secret = "xoxb-IN-PROCESS-secret-424242"
    vault = lv.Vault.open(vault_path, key=TEST_KEY)
    tenant = vault.tenant("acme")
    integration = tenant.connect(admin, "slack", {"bot_token": secret})
    tenant.reveal_credentials(admin, integration.id)
    for stage in ("open", "closed"):
        for suffix in ("", "-wal", "-shm"):
            name = vault_path + suffix
            if os.path.exists(name):
                with open(name, "rb") as handle:
                    data = handle.read()
                assert secret.encode() not in data, (stage, suffix)
                assert not data.startswith(SQLITE_HEADER) or suffix != ""
        vault.close()
    with open(vault_path, "rb") as handle:
        assert not handle.read(16).startswith(b"SQLite format 3")
    # a disconnect wipes; the token never reappears in the file
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        vault.tenant("acme").disconnect(admin, integration.id)
    with open(vault_path, "rb") as handle:
        assert secret.encode() not in handle.read()
