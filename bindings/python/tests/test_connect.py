"""DESIGN.md §5 connect: validation, ALREADY_EXISTS, reconnect in place,
quota, options (name, account, scopes, expires_at, sync_config)."""

import datetime as dt

import pytest

import linkvault as lv
from conftest import SLACK_TOKEN

UTC = dt.timezone.utc


def test_connect_success(tenant, admin):
    integration = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    assert integration.status == "connected"
    assert integration.credential_mask == "••••tail"
    assert integration.connected_by == "u-admin"
    assert integration.connected_at is not None
    assert integration.name == "default"
    assert tenant.get(integration.id) == integration
    (entry,) = tenant.activity(integration.id)
    assert entry.action == "connected"
    assert SLACK_TOKEN not in repr(entry.details)


def test_connect_with_every_option(tenant, admin):
    expires = dt.datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    config = {"auto_sync": True, "interval_minutes": 15, "direction": "bidirectional",
              "conflict_resolution": "manual_review", "import_historical": True}
    integration = tenant.connect(
        admin, "slack", {"bot_token": SLACK_TOKEN, "signing_secret": "signing-secret-value"},
        name="workspace-2", account="team@example.com", scopes=["chat:write", "users:read"],
        expires_at=expires, sync_config=config)
    assert integration.name == "workspace-2"
    assert integration.account == "team@example.com"
    assert integration.scopes == ("chat:write", "users:read")
    assert integration.expires_at == expires
    assert integration.sync_config == config
    assert tenant.find("slack", name="workspace-2") == integration
    assert tenant.find("slack") is None


def test_scopes_may_be_any_iterable_of_text(tenant, admin):
    integration = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN},
                                 scopes=("a", "b"))
    assert integration.scopes == ("a", "b")


def test_name_none_means_default(tenant, admin):
    assert tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, name=None).name == "default"


# ---- expires_at --------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (dt.datetime(2030, 6, 1, 12, 0, tzinfo=UTC), dt.datetime(2030, 6, 1, 12, 0, tzinfo=UTC)),
    (dt.datetime(2030, 6, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
     dt.datetime(2030, 6, 1, 12, 0, tzinfo=UTC)),
    (1906545600, dt.datetime(2030, 6, 1, 12, 0, tzinfo=UTC)),
    (1906545600.25, dt.datetime(2030, 6, 1, 12, 0, 0, 250000, tzinfo=UTC)),
    (0, dt.datetime(1970, 1, 1, tzinfo=UTC)),
], ids=["aware-utc", "aware-offset", "epoch-int", "epoch-float", "epoch-zero"])
def test_expires_at_accepts_aware_datetimes_and_epoch_seconds(tenant, admin, value, expected):
    integration = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, expires_at=value)
    assert integration.expires_at == expected
    assert integration.expires_at.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("value", [
    dt.datetime(2030, 6, 1, 12, 0),        # naive: UTC or local?
    "2030-06-01T12:00:00Z",                # text is not accepted
    True,                                   # a bool is not a time
    float("nan"), float("inf"),
    dt.date(2030, 6, 1),
    10 ** 20,
], ids=["naive", "text", "bool", "nan", "inf", "date", "huge"])
def test_expires_at_rejects_ambiguous_or_wrong_values(tenant, admin, value):
    with pytest.raises(lv.InvalidArgument) as caught:
        tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, expires_at=value)
    assert "expires_at" in caught.value.message
    assert tenant.list() == []


# ---- validation --------------------------------------------------------------

INVALID_CONNECTS = {
    # name: (provider, credentials, field the message must name)
    "unknown-provider": ("nosuchprovider", {"token": "x"}, "nosuchprovider"),
    "missing-required": ("slack", {"signing_secret": "only-the-optional-one"}, "bot_token"),
    "empty-required": ("slack", {"bot_token": ""}, "bot_token"),
    "no-credentials": ("slack", {}, "bot_token"),
    "unknown-field": ("slack", {"bot_token": SLACK_TOKEN, "webhook": "x"}, "webhook"),
    "int-value": ("slack", {"bot_token": 12345678901234}, "bot_token"),
    "null-value": ("slack", {"bot_token": None}, "bot_token"),
    "list-value": ("slack", {"bot_token": ["a"]}, "bot_token"),
    "dict-value": ("slack", {"bot_token": {"a": "b"}}, "bot_token"),
    "bool-value": ("slack", {"bot_token": True}, "bot_token"),
    "bytes-value": ("slack", {"bot_token": b"xoxb-bytes"}, "bot_token"),
    "missing-second-required": ("custom", {"api_key": "k" * 16}, "base_url"),
    "http-url": ("custom", {"api_key": "k" * 16, "base_url": "http://api.example.com"}, "base_url"),
    "relative-url": ("custom", {"api_key": "k" * 16, "base_url": "/api/v1"}, "base_url"),
    "schemeless-url": ("custom", {"api_key": "k" * 16, "base_url": "api.example.com"}, "base_url"),
    "hostless-url": ("custom", {"api_key": "k" * 16, "base_url": "https://"}, "base_url"),
    "ftp-url": ("custom", {"api_key": "k" * 16, "base_url": "ftp://api.example.com"}, "base_url"),
    "javascript-url": ("custom", {"api_key": "k" * 16, "base_url": "javascript:alert(1)"}, "base_url"),
    "spaced-url": ("custom", {"api_key": "k" * 16, "base_url": "https://api example.com"}, "base_url"),
    "basic-missing-password": ("lightblue", {"username": "studio"}, "password"),
}


@pytest.mark.parametrize("case", sorted(INVALID_CONNECTS))
def test_connect_validation_is_invalid_argument_naming_the_field(tenant, admin, case):
    provider, credentials, field = INVALID_CONNECTS[case]
    with pytest.raises(lv.InvalidArgument) as caught:
        tenant.connect(admin, provider, credentials)
    assert field in caught.value.message
    assert tenant.list() == []
    assert tenant.activity() == []


def test_validation_messages_never_contain_the_secret(tenant, admin):
    secret = "very-secret-value-do-not-log"
    for credentials in ({"bot_token": secret, "unknown": secret},
                        {"signing_secret": secret}):
        with pytest.raises(lv.InvalidArgument) as caught:
            tenant.connect(admin, "slack", credentials)
        assert secret not in caught.value.message
    with pytest.raises(lv.InvalidArgument) as caught:
        tenant.connect(admin, "custom", {"api_key": secret, "base_url": "http://" + secret})
    assert secret not in caught.value.message


@pytest.mark.parametrize("credentials", [None, "bot_token=x", [("bot_token", "x")], {1: "x"}],
                         ids=["none", "str", "list", "int-key"])
def test_credentials_must_be_a_dict_of_text(tenant, admin, credentials):
    with pytest.raises(lv.InvalidArgument):
        tenant.connect(admin, "slack", credentials)


def test_credentials_with_lone_surrogates_are_refused(tenant, admin):
    with pytest.raises(lv.InvalidArgument) as caught:
        tenant.connect(admin, "slack", {"bot_token": "xoxb-\ud800-broken"})
    assert "\ud800" not in caught.value.message


def test_credentials_with_nul_and_unicode_round_trip(tenant, admin):
    secret = "xoxb-ünï\u0000cødé-🔑-token"
    integration = tenant.connect(admin, "slack", {"bot_token": secret})
    assert tenant.reveal_credentials(admin, integration.id) == {"bot_token": secret}


@pytest.mark.parametrize("sync_config", [
    {"interval_minutes": 14}, {"interval_minutes": 1441}, {"interval_minutes": "60"},
    {"interval_minutes": 60.5}, {"auto_sync": "yes"}, {"direction": "sideways"},
    {"conflict_resolution": "coin_flip"}, {"import_historical": 1}, {"colour": "blue"},
    "auto_sync", [("auto_sync", True)],
], ids=["interval-14", "interval-1441", "interval-text", "interval-float", "auto-sync-text",
        "direction", "conflict", "historical-int", "unknown-key", "text", "list"])
def test_bad_sync_config_is_invalid_argument(tenant, admin, sync_config):
    with pytest.raises(lv.InvalidArgument):
        tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, sync_config=sync_config)
    assert tenant.list() == []


@pytest.mark.parametrize("minutes", [15, 1440])
def test_sync_config_interval_bounds_are_inclusive(tenant, admin, minutes):
    integration = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN},
                                 sync_config={"interval_minutes": minutes})
    assert integration.sync_config["interval_minutes"] == minutes


@pytest.mark.parametrize("options", [
    {"scopes": "chat:write"}, {"scopes": [1, 2]}, {"account": 5}, {"name": ""},
    {"name": 3}, {"name": "a\0b"},
], ids=["scopes-str", "scopes-ints", "account-int", "name-empty", "name-int", "name-nul"])
def test_bad_options_are_invalid_argument(tenant, admin, options):
    with pytest.raises(lv.InvalidArgument):
        tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, **options)


def test_provider_must_be_text(tenant, admin):
    with pytest.raises(lv.InvalidArgument):
        tenant.connect(admin, None, {"bot_token": SLACK_TOKEN})
    with pytest.raises(lv.InvalidArgument):
        tenant.connect(admin, "sla\0ck", {"bot_token": SLACK_TOKEN})


# ---- uniqueness and reconnect -----------------------------------------------

def test_same_provider_and_name_is_already_exists(tenant, admin, slack):
    with pytest.raises(lv.AlreadyExists) as caught:
        tenant.connect(admin, "slack", {"bot_token": "xoxb-another-token-0"})
    assert caught.value.code == 3
    assert tenant.list() == [slack]
    assert tenant.reveal_credentials(admin, slack.id) == {"bot_token": SLACK_TOKEN}


def test_an_error_integration_still_blocks_a_new_connect(tenant, admin, slack):
    tenant.mark_error(admin, slack.id, "token revoked")
    with pytest.raises(lv.AlreadyExists):
        tenant.connect(admin, "slack", {"bot_token": "xoxb-another-token-0"})


def test_another_name_is_another_integration(tenant, admin, slack):
    second = tenant.connect(admin, "slack", {"bot_token": "xoxb-second-workspace"}, name="second")
    assert second.id != slack.id
    assert {i.name for i in tenant.list(provider="slack")} == {"default", "second"}


def test_reconnect_after_disconnect_keeps_the_id(tenant, admin, slack):
    tenant.disconnect(admin, slack.id)
    again = tenant.connect(admin, "slack", {"bot_token": "xoxb-reconnected-9999"},
                           account="again@example.com")
    assert again.id == slack.id
    assert again.status == "connected"
    assert again.credential_mask == "••••9999"
    assert again.account == "again@example.com"
    assert again.disconnected_at is None
    assert again.created_at == slack.created_at
    assert tenant.reveal_credentials(admin, again.id) == {"bot_token": "xoxb-reconnected-9999"}
    assert [e.action for e in tenant.activity(slack.id)] == [
        "credentials_revealed", "connected", "disconnected", "connected"]
    assert len(tenant.list()) == 1


# ---- quota -------------------------------------------------------------------

def test_quota_blocks_the_connect_that_would_exceed_it(tenant, admin):
    tenant.set_quota(2)
    assert tenant.quota() == 2
    tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    tenant.connect(admin, "gmail", {"access_token": "ya29.quota-test"})
    with pytest.raises(lv.QuotaExceeded) as caught:
        tenant.connect(admin, "tave", {"api_key": "tave-key-0123456789"})
    assert caught.value.code == 5
    assert len(tenant.list()) == 2
    assert tenant.find("tave") is None


def test_disconnected_integrations_do_not_count(tenant, admin, slack):
    tenant.set_quota(1)
    tenant.disconnect(admin, slack.id)
    gmail = tenant.connect(admin, "gmail", {"access_token": "ya29.quota-test"})
    assert gmail.status == "connected"
    # reconnecting the disconnected one would make two
    with pytest.raises(lv.QuotaExceeded):
        tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    assert tenant.get(slack.id).status == "disconnected"


def test_error_integrations_count(tenant, admin, slack):
    tenant.set_quota(1)
    tenant.mark_error(admin, slack.id, "broken")
    with pytest.raises(lv.QuotaExceeded):
        tenant.connect(admin, "gmail", {"access_token": "ya29.quota-test"})


def test_quota_zero_and_removal(tenant, admin):
    tenant.set_quota(0)
    assert tenant.quota() == 0
    with pytest.raises(lv.QuotaExceeded):
        tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    tenant.set_quota(None)
    assert tenant.quota() is None
    tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})


def test_lowering_the_quota_below_the_count_blocks_only_new_connects(tenant, admin, slack):
    tenant.connect(admin, "gmail", {"access_token": "ya29.quota-test"})
    tenant.set_quota(1)
    assert len(tenant.list(status="connected")) == 2
    with pytest.raises(lv.QuotaExceeded):
        tenant.connect(admin, "tave", {"api_key": "tave-key-0123456789"})
    tenant.update_credentials(admin, slack.id, {"bot_token": "xoxb-still-allowed-1"})


@pytest.mark.parametrize("value", [-1, 1.5, "3", True, 2 ** 63], ids=["negative", "float", "text", "bool", "too-big"])
def test_bad_quota_is_invalid_argument(tenant, value):
    with pytest.raises(lv.InvalidArgument):
        tenant.set_quota(value)
    assert tenant.quota() is None


def test_quota_persists(vault_path, admin):
    from conftest import TEST_KEY
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        vault.tenant("acme").set_quota(7)
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        assert vault.tenant("acme").quota() == 7
