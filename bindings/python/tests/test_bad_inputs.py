"""Every bad input through the public Python API is a linkvault.Error.

Wrong types, None where a value is needed, bytes for str, NaN/inf/huge
numbers, 100,000-deep nesting, non-dict credentials, a tester that is not
callable, bad datetimes: each raises the mapped linkvault exception (here
InvalidArgument) with a message saying what was wrong — never TypeError,
RecursionError or OverflowError — and changes nothing.
"""

from datetime import datetime, timedelta, timezone

import pytest

import linkvault as lv

from conftest import TEST_KEY

DEPTH = 100_000


def deep_list(depth=DEPTH):
    value = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def deep_dict(depth=DEPTH):
    value = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


DEEP_JSON_TEXT = "[" * DEPTH + "]" * DEPTH
NAIVE = datetime(2030, 1, 1)
FAR_EAST_YEAR_1 = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
GOOD_SYNC = {"auto_sync": True, "interval_minutes": 60, "direction": "import_only",
             "conflict_resolution": "local_wins", "import_historical": False}


def spec(**overrides):
    base = {"key": "acme_crm", "name": "Acme CRM", "auth_type": "api_key",
            "credential_fields": [{"name": "api_key", "label": "API key", "type": "secret",
                                   "required": True}]}
    base.update(overrides)
    return base


def open_vault(path, **arguments):
    return lv.Vault.open(path, **arguments)


# (id, call(vault, tenant, admin, integration, path)) — every call must raise
# InvalidArgument.
CASES = [
    # Vault.open
    ("open path None", lambda v, t, a, i, p: lv.Vault.open(None, key=TEST_KEY)),
    ("open path int", lambda v, t, a, i, p: lv.Vault.open(5, key=TEST_KEY)),
    ("open path list", lambda v, t, a, i, p: lv.Vault.open(["x"], key=TEST_KEY)),
    ("open path NUL", lambda v, t, a, i, p: lv.Vault.open(p + "\0x", key=TEST_KEY)),
    ("open no secret", lambda v, t, a, i, p: lv.Vault.open(p)),
    ("open both secrets", lambda v, t, a, i, p: lv.Vault.open(p, key=TEST_KEY, passphrase="pw")),
    ("open key str", lambda v, t, a, i, p: lv.Vault.open(p, key="k" * 32)),
    ("open key int", lambda v, t, a, i, p: lv.Vault.open(p, key=5)),
    ("open key list", lambda v, t, a, i, p: lv.Vault.open(p, key=[1] * 32)),
    ("open key short", lambda v, t, a, i, p: lv.Vault.open(p, key=b"short")),
    ("open key float", lambda v, t, a, i, p: lv.Vault.open(p, key=1.5)),
    ("open passphrase int", lambda v, t, a, i, p: lv.Vault.open(p, passphrase=5)),
    ("open passphrase NUL", lambda v, t, a, i, p: lv.Vault.open(p, passphrase="a\0b")),
    ("open passphrase surrogate", lambda v, t, a, i, p: lv.Vault.open(p, passphrase="\ud800")),
    ("open create str", lambda v, t, a, i, p: lv.Vault.open(p, key=TEST_KEY, create="no")),
    ("open create None", lambda v, t, a, i, p: lv.Vault.open(p, key=TEST_KEY, create=None)),
    # Vault
    ("tenant None", lambda v, t, a, i, p: v.tenant(None)),
    ("tenant int", lambda v, t, a, i, p: v.tenant(5)),
    ("tenant bytes", lambda v, t, a, i, p: v.tenant(b"acme")),
    ("tenant empty", lambda v, t, a, i, p: v.tenant("")),
    ("tenant too long", lambda v, t, a, i, p: v.tenant("t" * 200)),
    ("register None", lambda v, t, a, i, p: v.register_provider(None)),
    ("register int", lambda v, t, a, i, p: v.register_provider(5)),
    ("register bytes", lambda v, t, a, i, p: v.register_provider(b"{}")),
    ("register list", lambda v, t, a, i, p: v.register_provider([])),
    ("register not JSON", lambda v, t, a, i, p: v.register_provider("{not json")),
    ("register deep dict", lambda v, t, a, i, p: v.register_provider(spec(features=deep_dict()))),
    ("register deep list", lambda v, t, a, i, p: v.register_provider(spec(scopes=deep_list()))),
    ("register deep text", lambda v, t, a, i, p: v.register_provider(DEEP_JSON_TEXT)),
    ("register NaN", lambda v, t, a, i, p: v.register_provider(spec(name=float("nan")))),
    ("register huge int", lambda v, t, a, i, p: v.register_provider(spec(rate_limits={"x": 10 ** 100}))),
    ("register non-str key", lambda v, t, a, i, p: v.register_provider({5: "x"})),
    ("purge actor None", lambda v, t, a, i, p: v.purge_tenant(None, "acme")),
    ("purge tenant None", lambda v, t, a, i, p: v.purge_tenant(a, None)),
    ("purge tenant int", lambda v, t, a, i, p: v.purge_tenant(a, 5)),
    # Actor
    ("actor id None", lambda v, t, a, i, p: lv.Actor(None)),
    ("actor id empty", lambda v, t, a, i, p: lv.Actor("")),
    ("actor id bytes", lambda v, t, a, i, p: lv.Actor(b"u-1")),
    ("actor name None", lambda v, t, a, i, p: lv.Actor("u-1", None)),
    ("actor role None", lambda v, t, a, i, p: lv.Actor("u-1", "A", role=None)),
    ("actor role unknown", lambda v, t, a, i, p: lv.Actor("u-1", "A", role="root")),
    ("actor role list", lambda v, t, a, i, p: lv.Actor("u-1", "A", role=["admin"])),
    # reads
    ("get None", lambda v, t, a, i, p: t.get(None)),
    ("get int", lambda v, t, a, i, p: t.get(5)),
    ("get bytes", lambda v, t, a, i, p: t.get(i.id.encode())),
    ("find provider None", lambda v, t, a, i, p: t.find(None)),
    ("find name int", lambda v, t, a, i, p: t.find("slack", name=5)),
    ("list provider int", lambda v, t, a, i, p: t.list(provider=5)),
    ("list status unknown", lambda v, t, a, i, p: t.list(status="sleeping")),
    ("list status bytes", lambda v, t, a, i, p: t.list(status=b"connected")),
    ("activity id int", lambda v, t, a, i, p: t.activity(5)),
    ("activity limit None", lambda v, t, a, i, p: t.activity(i.id, limit=None)),
    ("activity limit str", lambda v, t, a, i, p: t.activity(i.id, limit="5")),
    ("activity limit float", lambda v, t, a, i, p: t.activity(i.id, limit=1.5)),
    ("activity limit NaN", lambda v, t, a, i, p: t.activity(i.id, limit=float("nan"))),
    ("activity limit bool", lambda v, t, a, i, p: t.activity(i.id, limit=True)),
    ("activity limit huge", lambda v, t, a, i, p: t.activity(i.id, limit=10 ** 30)),
    ("activity limit zero", lambda v, t, a, i, p: t.activity(i.id, limit=0)),
    ("activity before int", lambda v, t, a, i, p: t.activity(i.id, before=5)),
    # connect
    ("connect actor None", lambda v, t, a, i, p: t.connect(None, "slack", {"bot_token": "x"}, name="n")),
    ("connect actor str", lambda v, t, a, i, p: t.connect("admin", "slack", {"bot_token": "x"}, name="n")),
    ("connect provider None", lambda v, t, a, i, p: t.connect(a, None, {"bot_token": "x"}, name="n")),
    ("connect provider bytes", lambda v, t, a, i, p: t.connect(a, b"slack", {"bot_token": "x"}, name="n")),
    ("connect credentials None", lambda v, t, a, i, p: t.connect(a, "slack", None, name="n")),
    ("connect credentials list", lambda v, t, a, i, p: t.connect(a, "slack", [("bot_token", "x")], name="n")),
    ("connect credentials str", lambda v, t, a, i, p: t.connect(a, "slack", '{"bot_token":"x"}', name="n")),
    ("connect value None", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": None}, name="n")),
    ("connect value int", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": 5}, name="n")),
    ("connect value NaN", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": float("nan")}, name="n")),
    ("connect value bytes", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": b"x"}, name="n")),
    ("connect value deep list", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": deep_list()}, name="n")),
    ("connect value deep dict", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x", "signing_secret": deep_dict()}, name="n")),
    ("connect field int", lambda v, t, a, i, p: t.connect(a, "slack", {5: "x"}, name="n")),
    ("connect value surrogate", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "\ud800"}, name="n")),
    ("connect name int", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name=5)),
    ("connect name empty", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="")),
    ("connect name deep", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name=deep_list())),
    ("connect account int", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", account=5)),
    ("connect scopes str", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", scopes="chat:write")),
    ("connect scopes int", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", scopes=5)),
    ("connect scopes of int", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", scopes=[5])),
    ("connect scopes deep", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", scopes=[deep_list()])),
    ("connect expires str", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", expires_at="2030-01-01")),
    ("connect expires naive", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", expires_at=NAIVE)),
    ("connect expires NaN", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", expires_at=float("nan"))),
    ("connect expires inf", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", expires_at=float("inf"))),
    ("connect expires huge", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", expires_at=10 ** 30)),
    ("connect expires huge float", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", expires_at=-1e300)),
    ("connect expires before 1970", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", expires_at=-86400)),
    ("connect expires year 1", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", expires_at=FAR_EAST_YEAR_1)),
    ("connect expires bool", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", expires_at=True)),
    ("connect sync int", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", sync_config=5)),
    ("connect sync list", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", sync_config=[])),
    ("connect sync str", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", sync_config="{}")),
    ("connect sync deep", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", sync_config=deep_dict())),
    ("connect sync deep value", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", sync_config=dict(GOOD_SYNC, auto_sync=deep_list()))),
    ("connect sync NaN", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", sync_config=dict(GOOD_SYNC, interval_minutes=float("nan")))),
    ("connect sync inf", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", sync_config=dict(GOOD_SYNC, interval_minutes=float("inf")))),
    ("connect sync huge", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", sync_config=dict(GOOD_SYNC, interval_minutes=10 ** 100))),
    ("connect sync float", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", sync_config=dict(GOOD_SYNC, interval_minutes=60.5))),
    ("connect sync non-str key", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", sync_config={5: True})),
    ("connect sync unknown key", lambda v, t, a, i, p: t.connect(a, "slack", {"bot_token": "x"}, name="n", sync_config={"bogus": 1})),
    # update_credentials
    ("update id None", lambda v, t, a, i, p: t.update_credentials(a, None, {"bot_token": "x"})),
    ("update credentials None", lambda v, t, a, i, p: t.update_credentials(a, i.id, None)),
    ("update credentials deep", lambda v, t, a, i, p: t.update_credentials(a, i.id, {"bot_token": deep_dict()})),
    ("update value bytes", lambda v, t, a, i, p: t.update_credentials(a, i.id, {"bot_token": b"x"})),
    ("update expires naive", lambda v, t, a, i, p: t.update_credentials(a, i.id, {"bot_token": "x"}, expires_at=NAIVE)),
    ("update expires NaN", lambda v, t, a, i, p: t.update_credentials(a, i.id, {"bot_token": "x"}, expires_at=float("nan"))),
    ("update expires str", lambda v, t, a, i, p: t.update_credentials(a, i.id, {"bot_token": "x"}, expires_at="soon")),
    ("update expires year 1", lambda v, t, a, i, p: t.update_credentials(a, i.id, {"bot_token": "x"}, expires_at=FAR_EAST_YEAR_1)),
    # reveal, test, disconnect, mark_error
    ("reveal actor None", lambda v, t, a, i, p: t.reveal_credentials(None, i.id)),
    ("reveal id None", lambda v, t, a, i, p: t.reveal_credentials(a, None)),
    ("test tester None", lambda v, t, a, i, p: t.test(a, i.id, None)),
    ("test tester str", lambda v, t, a, i, p: t.test(a, i.id, "lambda c: (True, '')")),
    ("test id int", lambda v, t, a, i, p: t.test(a, 5, lambda c: (True, ""))),
    ("test actor None", lambda v, t, a, i, p: t.test(None, i.id, lambda c: (True, ""))),
    ("disconnect id None", lambda v, t, a, i, p: t.disconnect(a, None)),
    ("mark_error message None", lambda v, t, a, i, p: t.mark_error(a, i.id, None)),
    ("mark_error message int", lambda v, t, a, i, p: t.mark_error(a, i.id, 5)),
    ("mark_error message bytes", lambda v, t, a, i, p: t.mark_error(a, i.id, b"down")),
    ("mark_error message empty", lambda v, t, a, i, p: t.mark_error(a, i.id, "")),
    # set_quota
    ("quota str", lambda v, t, a, i, p: t.set_quota("3")),
    ("quota negative", lambda v, t, a, i, p: t.set_quota(-1)),
    ("quota float", lambda v, t, a, i, p: t.set_quota(1.5)),
    ("quota NaN", lambda v, t, a, i, p: t.set_quota(float("nan"))),
    ("quota bool", lambda v, t, a, i, p: t.set_quota(True)),
    ("quota huge", lambda v, t, a, i, p: t.set_quota(10 ** 30)),
    ("quota actor str", lambda v, t, a, i, p: t.set_quota(3, actor="admin")),
    # OAuth: refresh
    ("expiring str", lambda v, t, a, i, p: t.expiring("900")),
    ("expiring None", lambda v, t, a, i, p: t.expiring(None)),
    ("expiring float", lambda v, t, a, i, p: t.expiring(1.5)),
    ("expiring huge", lambda v, t, a, i, p: t.expiring(10 ** 30)),
    ("valid refresher None", lambda v, t, a, i, p: t.valid_credentials(a, i.id, None)),
    ("valid refresher str", lambda v, t, a, i, p: t.valid_credentials(a, i.id, "refresh")),
    ("valid actor None", lambda v, t, a, i, p: t.valid_credentials(None, i.id, dict)),
    ("valid id None", lambda v, t, a, i, p: t.valid_credentials(a, None, dict)),
    ("valid margin str", lambda v, t, a, i, p: t.valid_credentials(a, i.id, dict, margin_seconds="9")),
    ("valid margin huge", lambda v, t, a, i, p: t.valid_credentials(a, i.id, dict, margin_seconds=10 ** 30)),
    ("valid force None", lambda v, t, a, i, p: t.valid_credentials(a, i.id, dict, force=None)),
    ("valid lease NaN", lambda v, t, a, i, p: t.valid_credentials(a, i.id, dict, lease_seconds=float("nan"))),
    ("valid lease str", lambda v, t, a, i, p: t.valid_credentials(a, i.id, dict, lease_seconds="30")),
    ("valid wait inf", lambda v, t, a, i, p: t.valid_credentials(a, i.id, dict, max_wait_seconds=float("inf"))),
    ("refresh_expiring None", lambda v, t, a, i, p: v.refresh_expiring(None)),
    ("refresh_expiring list", lambda v, t, a, i, p: v.refresh_expiring([dict])),
    ("refresh_expiring value None", lambda v, t, a, i, p: v.refresh_expiring({"gmail": None})),
    ("refresh_expiring key int", lambda v, t, a, i, p: v.refresh_expiring({5: dict})),
    ("refresh_expiring within NaN", lambda v, t, a, i, p: v.refresh_expiring({}, within_seconds=float("nan"))),
    # OAuth: PKCE flow
    ("oauth client provider None", lambda v, t, a, i, p: v.configure_oauth_client(None, "id")),
    ("oauth client id None", lambda v, t, a, i, p: v.configure_oauth_client("gmail", None)),
    ("oauth client id huge", lambda v, t, a, i, p: v.configure_oauth_client("gmail", "x" * 1_000_000)),
    ("oauth client secret int", lambda v, t, a, i, p: v.configure_oauth_client("gmail", "id", 5)),
    ("oauth client not oauth2", lambda v, t, a, i, p: v.configure_oauth_client("slack", "id")),
    ("begin provider None", lambda v, t, a, i, p: t.begin_oauth(a, None, "https://app.example/cb")),
    ("begin redirect None", lambda v, t, a, i, p: t.begin_oauth(a, "gmail", None)),
    ("begin redirect huge", lambda v, t, a, i, p: t.begin_oauth(a, "gmail", "https://app.example/" + "x" * 1_000_000)),
    ("begin scopes str", lambda v, t, a, i, p: t.begin_oauth(a, "gmail", "https://app.example/cb", scopes="mail")),
    ("begin scopes deep", lambda v, t, a, i, p: t.begin_oauth(a, "gmail", "https://app.example/cb", scopes=[deep_list()])),
    ("begin actor None", lambda v, t, a, i, p: t.begin_oauth(None, "gmail", "https://app.example/cb")),
    ("complete state None", lambda v, t, a, i, p: t.complete_oauth(a, None, "code", lambda c, v, r: {})),
    ("complete state huge", lambda v, t, a, i, p: t.complete_oauth(a, "s" * 1_000_000, "code", lambda c, v, r: {})),
    ("complete code int", lambda v, t, a, i, p: t.complete_oauth(a, "state", 5, lambda c, v, r: {})),
    ("complete exchange None", lambda v, t, a, i, p: t.complete_oauth(a, "state", "code", None)),
    # OAuth: rate limits
    ("acquire id None", lambda v, t, a, i, p: t.acquire(None)),
    ("acquire cost str", lambda v, t, a, i, p: t.acquire(i.id, cost="1")),
    ("acquire cost float", lambda v, t, a, i, p: t.acquire(i.id, cost=1.5)),
    ("acquire cost zero", lambda v, t, a, i, p: t.acquire(i.id, cost=0)),
    ("acquire cost huge", lambda v, t, a, i, p: t.acquire(i.id, cost=10 ** 30)),
    ("penalize None", lambda v, t, a, i, p: t.penalize(i.id, None)),
    ("penalize NaN", lambda v, t, a, i, p: t.penalize(i.id, float("nan"))),
    ("penalize negative", lambda v, t, a, i, p: t.penalize(i.id, -1)),
    ("penalize huge", lambda v, t, a, i, p: t.penalize(i.id, 10 ** 30)),
]


@pytest.mark.parametrize("call", [case[1] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_invalid_argument(vault, tenant, admin, slack, vault_path, tmp_path, call):
    other_path = str(tmp_path / "other.vault")
    before = [(x.id, x.status, x.updated_at) for x in tenant.list()]
    with pytest.raises(lv.InvalidArgument) as caught:
        call(vault, tenant, admin, slack, other_path)
    assert caught.value.code == 1
    message = str(caught.value)
    assert message and len(message) < 1000  # says what was wrong, briefly
    assert "leaf" not in message  # never echoes the (possibly secret) value
    # Nothing changed: same integrations, same activity, no quota.
    assert [(x.id, x.status, x.updated_at) for x in tenant.list()] == before
    assert len(tenant.activity(slack.id)) == 1
    assert tenant.quota() is None


def test_a_rejected_open_creates_no_file(tmp_path):
    path = str(tmp_path / "never.vault")
    with pytest.raises(lv.InvalidArgument):
        lv.Vault.open(path, key=TEST_KEY, create="yes")
    with pytest.raises(lv.InvalidArgument):
        lv.Vault.open(path, key=b"short")
    import os
    assert not os.path.exists(path)


def test_the_vault_still_works_after_deep_input(vault, tenant, admin, slack):
    with pytest.raises(lv.InvalidArgument):
        tenant.update_credentials(admin, slack.id, {"bot_token": deep_list()})
    # The interpreter's recursion state is intact and the vault still answers.
    updated = tenant.update_credentials(admin, slack.id, {"bot_token": "xoxb-new-token-value-1"})
    assert updated.credential_mask.endswith("ue-1")
    assert tenant.reveal_credentials(admin, slack.id) == {"bot_token": "xoxb-new-token-value-1"}
