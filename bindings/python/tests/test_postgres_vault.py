"""A vault on PostgreSQL, seen from outside the library (issue 11): what it
leaves in its schema, create=False and a wrong key (the counterparts of
test_vault.py's file checks), bad URIs and an unreachable server with the
URI's password in no message — through Python and through the bare C ABI —
and row-level security holding for raw SQL.

The tests that open a vault need the test server (postgres_support.py); the
URI checks need none and run everywhere."""

import ctypes
import json
import re
from ctypes import POINTER, byref, c_char, c_char_p, c_int, c_size_t, c_void_p

import pytest

import linkvault as lv
from conftest import SLACK_TOKEN, TEST_KEY
from postgres_support import query

pytestmark = pytest.mark.postgres_only

OTHER_KEY = bytes([0xA5] * 32)
PASSWORD = "Pw-never-shown-7f3a"
VAULT_TABLES = ["activity", "integrations", "keyring", "meta", "oauth_clients", "oauth_grants",
                "providers", "rate_buckets", "sync_jobs", "tenants", "token_refresh"]


def tables(location):
    """The tables in the location's current schema (the vault's schema)."""
    return [row[0] for row in query(
        location, "SELECT table_name FROM information_schema.tables"
                  " WHERE table_schema = current_schema() ORDER BY table_name;")]


def snapshot(location):
    """Everything the test role can read without the library's key: the
    meta rows, the tenants and the activity (through the 'verify' scope)."""
    return (query(location, "SELECT key, value FROM meta ORDER BY key;"),
            query(location, "SELECT tenant, audit_sequence, encode(audit_head, 'hex')"
                            " FROM tenants ORDER BY tenant;"
                            " SELECT tenant, sequence, action, encode(mac, 'hex')"
                            " FROM activity ORDER BY tenant, sequence;",
                  {"linkvault.scope": "verify"}))


def test_a_vault_is_the_tables_of_its_schema(vault_path, admin):
    assert tables(vault_path) == []
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        integration = vault.tenant("acme").connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    assert set(VAULT_TABLES) <= set(tables(vault_path))
    meta = dict(query(vault_path, "SELECT key, value FROM meta;"))
    assert {"format", "backend", "schema_version", "salt", "kdf", "key_check"} <= set(meta)
    with lv.Vault.open(vault_path, key=TEST_KEY, create=False) as vault:
        assert vault.tenant("acme").get(integration.id) == integration


def test_create_false_on_an_empty_schema_is_not_found_and_creates_nothing(vault_path):
    with pytest.raises(lv.NotFound):
        lv.Vault.open(vault_path, key=TEST_KEY, create=False)
    assert tables(vault_path) == []


@pytest.mark.parametrize("arguments", [{"key": b"\x00" * 31}, {"passphrase": ""}, {}],
                         ids=["short-key", "empty-passphrase", "neither"])
def test_bad_secrets_are_invalid_argument_and_create_nothing(vault_path, arguments):
    with pytest.raises(lv.InvalidArgument):
        lv.Vault.open(vault_path, **arguments)
    assert tables(vault_path) == []


def test_a_wrong_key_is_wrong_key_and_changes_nothing(vault_path, admin):
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        vault.tenant("acme").connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    before = snapshot(vault_path)
    assert before[1]  # the tenant row and its first activity entry are visible
    with pytest.raises(lv.WrongKey) as caught:
        lv.Vault.open(vault_path, key=OTHER_KEY)
    assert caught.value.code == 8
    with pytest.raises(lv.WrongKey):
        lv.Vault.open(vault_path, passphrase="not the key")
    assert snapshot(vault_path) == before
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        assert vault.verify_audit() == {"checked": 1, "ok": True, "first_bad": None}


def test_the_repr_hides_the_password(vault_path):
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        assert repr(vault) == "<linkvault.Vault %r>" % vault_path
    with_password = re.sub(r"^(postgres(?:ql)?://[^:@/?#]+)@", r"\1:%s@" % PASSWORD, vault_path)
    if with_password == vault_path:
        pytest.skip("the test server's URI names no user, or has a password already")
    # The test server trusts its socket: libpq sends a password only if asked.
    with lv.Vault.open(with_password, key=TEST_KEY) as vault:
        assert PASSWORD not in repr(vault)
        assert ":****@" in repr(vault)
        assert vault.path == with_password


# -- URIs that cannot work: no server needed ---------------------------------

UNREACHABLE = [
    "postgresql://linkvault_app:%s@/linkvault?host={socket_dir}" % PASSWORD,
    "postgres://linkvault_app@/linkvault?host={socket_dir}&password=%s" % PASSWORD,
]
MALFORMED = [
    "postgresql://linkvault_app:%s@/linkvault?no_such_option=1" % PASSWORD,
    "postgresql://linkvault_app:%s@[::1/linkvault" % PASSWORD,
    "postgres://linkvault_app@/linkvault?password=%s&sslmode=bogus-mode" % PASSWORD,
]


@pytest.mark.parametrize("template", UNREACHABLE, ids=["userinfo", "parameter"])
def test_an_unreachable_server_is_io_and_the_message_hides_the_password(tmp_path, template):
    uri = template.format(socket_dir=tmp_path)  # a directory without a server's socket
    with pytest.raises(lv.StorageError) as caught:
        lv.Vault.open(uri, key=TEST_KEY)
    assert caught.value.code == 11
    assert PASSWORD not in str(caught.value)
    assert "linkvault_app" in str(caught.value)  # it says where it tried


@pytest.mark.parametrize("uri", MALFORMED, ids=["unknown-option", "bad-host", "bad-sslmode"])
def test_a_malformed_uri_is_refused_and_the_message_hides_the_password(uri):
    with pytest.raises((lv.InvalidArgument, lv.StorageError)) as caught:
        lv.Vault.open(uri, key=TEST_KEY)
    assert PASSWORD not in str(caught.value)


def test_an_unknown_uri_option_is_invalid_argument():
    with pytest.raises(lv.InvalidArgument) as caught:
        lv.Vault.open(MALFORMED[0], key=TEST_KEY)
    assert "no_such_option" in str(caught.value)


# -- the bare C ABI over a URI ------------------------------------------------

def bare_library():
    """liblinkvault_c through plain ctypes: statuses as ints, no binding."""
    library = ctypes.CDLL(lv.library_path())
    library.lv_vault_open.argtypes = [POINTER(c_void_p), c_char_p, c_char_p, c_size_t, c_int]
    library.lv_vault_open.restype = c_int
    library.lv_last_error_message.argtypes = []
    library.lv_last_error_message.restype = c_char_p
    library.lv_audit_verify.argtypes = [c_void_p, POINTER(POINTER(c_char))]
    library.lv_audit_verify.restype = c_int
    library.lv_string_free.argtypes = [POINTER(c_char)]
    library.lv_string_free.restype = None
    library.lv_vault_destroy.argtypes = [c_void_p]
    library.lv_vault_destroy.restype = None
    return library


def test_lv_vault_open_takes_a_uri(vault_path):
    library = bare_library()
    vault = c_void_p()
    status = library.lv_vault_open(byref(vault), vault_path.encode(), TEST_KEY, 32, 1)
    assert status == 0, library.lv_last_error_message()
    try:
        out = POINTER(c_char)()
        assert library.lv_audit_verify(vault, byref(out)) == 0
        try:
            assert json.loads(ctypes.string_at(out)) == {"checked": 0, "ok": True,
                                                         "first_bad": None}
        finally:
            library.lv_string_free(out)
    finally:
        library.lv_vault_destroy(vault)
    assert "meta" in tables(vault_path)


@pytest.mark.parametrize("uri, status", [
    (UNREACHABLE[0], 11),  # LV_IO
    (UNREACHABLE[1], 11),
    (MALFORMED[0], 1),     # LV_INVALID_ARGUMENT
], ids=["unreachable-userinfo", "unreachable-parameter", "malformed"])
def test_lv_vault_open_refuses_a_bad_uri_without_the_password(tmp_path, uri, status):
    library = bare_library()
    vault = c_void_p(1234)  # *out is set to NULL whatever happens
    got = library.lv_vault_open(byref(vault), uri.format(socket_dir=tmp_path).encode(),
                                TEST_KEY, 32, 1)
    message = library.lv_last_error_message().decode()
    assert (got, vault.value) == (status, None), message
    assert message and PASSWORD not in message


# -- row-level security, through raw SQL --------------------------------------

def test_raw_sql_in_one_tenants_context_sees_only_that_tenants_rows(vault, vault_path, admin):
    acme = vault.tenant("acme").connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    globex = vault.tenant("globex").connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    vault.tenant("globex").enqueue_sync(admin, globex.id, "full_import")
    every_table = " ".join("SELECT '%s', tenant FROM %s;" % (table, table) for table in
                           ["integrations", "activity", "keyring", "tenants", "sync_jobs"])
    as_acme = query(vault_path, every_table, {"linkvault.tenant": "=acme"})
    assert {tenant for _, tenant in as_acme} == {"acme"}
    assert {table for table, _ in as_acme} >= {"integrations", "activity", "keyring", "tenants"}
    assert query(vault_path, "SELECT id FROM integrations;",
                 {"linkvault.tenant": "=acme"}) == [[acme.id]]
    # No context: nothing at all. A cross-tenant scope: only what it names.
    assert query(vault_path, every_table) == []
    as_workers = query(vault_path, every_table, {"linkvault.scope": "workers"})
    assert as_workers == [["sync_jobs", "globex"]]
    # Writing another tenant's row from acme's context is refused by the server.
    with pytest.raises(AssertionError, match="row-level security"):
        query(vault_path, "UPDATE integrations SET tenant = 'acme';"
                          " INSERT INTO integrations (id, tenant, provider, name, status,"
                          " connected_by, created_at, updated_at)"
                          " VALUES ('x', 'globex', 'slack', 'x', 'connected', 'u', 0, 0);",
              {"linkvault.tenant": "=acme"})
    assert vault.tenant("globex").get(globex.id).tenant == "globex"
