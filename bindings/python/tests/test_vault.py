"""Vault.open with a key or a passphrase, wrong secrets, create=False,
close/with/double close, and use of a closed vault (DESIGN.md §3, §7, §10).

The tests that look at the vault's file are sqlcipher_only; their
PostgreSQL counterparts (what a wrong key or create=False leaves in the
schema) are in test_postgres_vault.py."""

import os
import re

import pytest

import linkvault as lv
from conftest import SLACK_TOKEN, TEST_KEY

OTHER_KEY = bytes([0xA5] * 32)
PASSPHRASE = "correct horse battery staple"


def directory_snapshot(path):
    """{file name: bytes} of every file in the vault's directory."""
    directory = os.path.dirname(path)
    snapshot = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as handle:
            snapshot[name] = handle.read()
    return snapshot


def test_version_and_abi():
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", lv.library_version())
    assert lv.ABI_VERSION == 1
    assert os.path.isfile(lv.library_path())
    assert lv.__version__ == "0.1.0"


@pytest.mark.sqlcipher_only
def test_open_with_key_creates_the_file_and_reopens(vault_path, admin):
    assert not os.path.exists(vault_path)
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        integration = vault.tenant("acme").connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    assert os.path.isfile(vault_path)
    with lv.Vault.open(vault_path, key=TEST_KEY, create=False) as vault:
        assert vault.tenant("acme").get(integration.id) == integration


@pytest.mark.parametrize("make_key", [bytes, bytearray, memoryview], ids=["bytes", "bytearray", "memoryview"])
def test_key_may_be_any_bytes_like(vault_path, make_key):
    with lv.Vault.open(vault_path, key=make_key(TEST_KEY)) as vault:
        assert vault.verify_audit()["ok"]


def test_path_may_be_a_pathlib_path(tmp_path):
    path = tmp_path / "pathlib.vault"
    with lv.Vault.open(path, key=TEST_KEY) as vault:
        assert vault.path is path  # what the caller gave, not a conversion
    assert path.is_file()


def test_open_with_passphrase_and_reopen(vault_path, admin):
    with lv.Vault.open(vault_path, passphrase=PASSPHRASE) as vault:
        integration = vault.tenant("acme").connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    with lv.Vault.open(vault_path, passphrase=PASSPHRASE) as vault:
        assert vault.tenant("acme").get(integration.id).credential_mask == "••••tail"


@pytest.mark.sqlcipher_only
def test_wrong_passphrase_is_wrong_key_and_changes_nothing(vault_path, admin):
    with lv.Vault.open(vault_path, passphrase=PASSPHRASE) as vault:
        vault.tenant("acme").connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    before = directory_snapshot(vault_path)
    with pytest.raises(lv.WrongKey):
        lv.Vault.open(vault_path, passphrase="incorrect horse")
    assert directory_snapshot(vault_path) == before


@pytest.mark.sqlcipher_only
def test_wrong_key_is_wrong_key_and_leaves_the_file_byte_for_byte_unchanged(vault_path, admin):
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        vault.tenant("acme").connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    before = directory_snapshot(vault_path)
    with pytest.raises(lv.WrongKey) as caught:
        lv.Vault.open(vault_path, key=OTHER_KEY)
    assert caught.value.code == 8
    with pytest.raises(lv.WrongKey):
        lv.Vault.open(vault_path, key=OTHER_KEY, create=False)
    assert directory_snapshot(vault_path) == before
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        assert vault.verify_audit() == {"checked": 1, "ok": True, "first_bad": None}


def test_key_vault_refuses_a_passphrase_and_vice_versa(vault_path, another_vault_path):
    lv.Vault.open(vault_path, key=TEST_KEY).close()
    with pytest.raises(lv.WrongKey):
        lv.Vault.open(vault_path, passphrase=PASSPHRASE)
    other = another_vault_path
    lv.Vault.open(other, passphrase=PASSPHRASE).close()
    with pytest.raises(lv.WrongKey):
        lv.Vault.open(other, key=TEST_KEY)


@pytest.mark.sqlcipher_only
def test_create_false_on_a_missing_file_is_not_found_and_creates_nothing(vault_path):
    with pytest.raises(lv.NotFound) as caught:
        lv.Vault.open(vault_path, key=TEST_KEY, create=False)
    assert "test.vault" in caught.value.message
    assert os.listdir(os.path.dirname(vault_path)) == []


@pytest.mark.sqlcipher_only
@pytest.mark.parametrize("arguments", [
    {},                                            # neither secret
    {"key": TEST_KEY, "passphrase": PASSPHRASE},   # both
    {"key": b"\x00" * 31},                         # short key
    {"key": b"\x00" * 33},                         # long key
    {"key": b""},                                  # empty key
    {"key": "0" * 32},                             # text is not a key
    {"key": 12345},                                # not bytes-like
    {"passphrase": ""},                            # empty passphrase
    {"passphrase": "pass\0word"},                  # NUL would truncate
    {"passphrase": 42},                            # not text
], ids=["neither", "both", "short-key", "long-key", "empty-key", "str-key", "int-key",
        "empty-passphrase", "nul-passphrase", "int-passphrase"])
def test_bad_secrets_are_invalid_argument(vault_path, arguments):
    with pytest.raises(lv.InvalidArgument):
        lv.Vault.open(vault_path, **arguments)
    assert not os.path.exists(vault_path)


def test_path_with_nul_is_invalid_argument(tmp_path):
    with pytest.raises(lv.InvalidArgument):
        lv.Vault.open(str(tmp_path / "a\0b.vault"), key=TEST_KEY)


def test_with_closes_and_double_close_is_harmless(vault_path):
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        assert not vault.closed
    assert vault.closed
    vault.close()
    vault.close()
    assert vault.closed


def test_with_closes_when_the_block_raises(vault_path):
    with pytest.raises(RuntimeError):
        with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
            raise RuntimeError("host failure")
    assert vault.closed
    with pytest.raises(lv.FailedPrecondition):
        vault.providers()


CLOSED_VAULT_OPERATIONS = {
    "providers": lambda v, t, a, i: v.providers(),
    "register_provider": lambda v, t, a, i: v.register_provider(
        {"key": "late", "name": "Late", "auth_type": "api_key",
         "credential_fields": [{"name": "token", "type": "secret"}]}),
    "verify_audit": lambda v, t, a, i: v.verify_audit(),
    "purge_tenant": lambda v, t, a, i: v.purge_tenant(a, "acme"),
    "connect": lambda v, t, a, i: t.connect(a, "slack", {"bot_token": SLACK_TOKEN}, name="n2"),
    "get": lambda v, t, a, i: t.get(i),
    "find": lambda v, t, a, i: t.find("slack"),
    "list": lambda v, t, a, i: t.list(),
    "update_credentials": lambda v, t, a, i: t.update_credentials(a, i, {"bot_token": SLACK_TOKEN}),
    "reveal_credentials": lambda v, t, a, i: t.reveal_credentials(a, i),
    "test": lambda v, t, a, i: t.test(a, i, lambda creds: (True, "ok")),
    "disconnect": lambda v, t, a, i: t.disconnect(a, i),
    "mark_error": lambda v, t, a, i: t.mark_error(a, i, "boom"),
    "set_quota": lambda v, t, a, i: t.set_quota(3),
    "quota": lambda v, t, a, i: t.quota(),
    "activity": lambda v, t, a, i: t.activity(i),
    "activity_tenant": lambda v, t, a, i: t.activity(),
    "new_tenant_handle": lambda v, t, a, i: v.tenant("later").list(),
}


@pytest.mark.parametrize("operation", sorted(CLOSED_VAULT_OPERATIONS))
def test_every_operation_on_a_closed_vault_is_failed_precondition(vault_path, admin, operation):
    vault = lv.Vault.open(vault_path, key=TEST_KEY)
    tenant = vault.tenant("acme")  # obtained while open, used after close
    integration_id = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}).id
    vault.close()
    with pytest.raises(lv.FailedPrecondition):
        CLOSED_VAULT_OPERATIONS[operation](vault, tenant, admin, integration_id)


def test_closed_vault_can_be_reopened_and_kept_everything(vault_path, admin):
    vault = lv.Vault.open(vault_path, key=TEST_KEY)
    integration = vault.tenant("acme").connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    vault.close()
    with lv.Vault.open(vault_path, key=TEST_KEY) as reopened:
        assert reopened.tenant("acme").get(integration.id) == integration


def test_two_vault_objects_on_one_file_see_each_other(vault_path, admin):
    with lv.Vault.open(vault_path, key=TEST_KEY) as first, \
            lv.Vault.open(vault_path, key=TEST_KEY) as second:
        integration = first.tenant("acme").connect(admin, "slack", {"bot_token": SLACK_TOKEN})
        assert second.tenant("acme").get(integration.id) == integration


def test_dropping_an_open_vault_frees_it(vault_path):
    vault = lv.Vault.open(vault_path, key=TEST_KEY)
    del vault  # __del__ destroys the handle without close(); must not crash
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        assert vault.verify_audit()["ok"]


@pytest.mark.parametrize("tenant_id", ["", "x" * 129, "é" * 65, "ac\0me", None, 7, b"acme"],
                         ids=["empty", "129-bytes", "130-utf8-bytes", "nul", "none", "int", "bytes"])
def test_bad_tenant_ids_are_invalid_argument(vault, tenant_id):
    with pytest.raises(lv.InvalidArgument):
        vault.tenant(tenant_id)


def test_longest_and_unicode_tenant_ids_work(vault, admin):
    for tenant_id in ("x" * 128, "é" * 64, "tenant/with spaces:and-ünïcode"):
        tenant = vault.tenant(tenant_id)
        assert tenant.id == tenant_id
        assert tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}).tenant == tenant_id


def test_purge_tenant_checks_its_tenant_id(vault, admin):
    with pytest.raises(lv.InvalidArgument):
        vault.purge_tenant(admin, "")
    with pytest.raises(lv.InvalidArgument):
        vault.purge_tenant(admin, "ac\0me")


def test_repr_names_the_path(vault, vault_path):
    assert vault_path in repr(vault)
    assert "acme" in repr(vault.tenant("acme"))

