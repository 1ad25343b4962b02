"""DESIGN.md §5 reveal_credentials and update_credentials."""

import datetime as dt

import pytest

import linkvault as lv
from conftest import SLACK_TOKEN


def test_reveal_returns_the_plaintext_map_and_logs(tenant, admin, slack):
    assert tenant.reveal_credentials(admin, slack.id) == {"bot_token": SLACK_TOKEN}
    newest = tenant.activity(slack.id)[0]
    assert newest.action == "credentials_revealed"
    assert newest.user_id == "u-admin"
    assert SLACK_TOKEN not in repr(newest.details)


def test_each_reveal_is_logged(tenant, admin, system, slack):
    tenant.reveal_credentials(admin, slack.id)
    tenant.reveal_credentials(system, slack.id)
    revealed = [e for e in tenant.activity(slack.id) if e.action == "credentials_revealed"]
    assert [e.user_id for e in revealed] == ["svc-sync", "u-admin"]


def test_reveal_of_every_field(tenant, admin):
    credentials = {"bot_token": SLACK_TOKEN, "signing_secret": "signing-secret-123"}
    integration = tenant.connect(admin, "slack", credentials)
    assert tenant.reveal_credentials(admin, integration.id) == credentials


def test_reveal_after_disconnect_is_failed_precondition(tenant, admin, slack):
    tenant.disconnect(admin, slack.id)
    with pytest.raises(lv.FailedPrecondition) as caught:
        tenant.reveal_credentials(admin, slack.id)
    assert caught.value.code == 6
    assert tenant.activity(slack.id)[0].action == "disconnected"


def test_reveal_of_an_error_integration_works(tenant, admin, slack):
    tenant.mark_error(admin, slack.id, "expired")
    assert tenant.reveal_credentials(admin, slack.id) == {"bot_token": SLACK_TOKEN}


def test_update_credentials_replaces_them(tenant, admin, slack):
    updated = tenant.update_credentials(admin, slack.id, {"bot_token": "xoxb-rotated-000000"})
    assert updated.id == slack.id
    assert updated.updated_at >= slack.updated_at
    assert tenant.reveal_credentials(admin, slack.id) == {"bot_token": "xoxb-rotated-000000"}
    assert [e.action for e in tenant.activity(slack.id)][1:3] == ["credentials_updated", "connected"]


def test_update_credentials_sets_expiry(tenant, admin, slack):
    expires = dt.datetime(2032, 2, 29, 23, 59, 59, tzinfo=dt.timezone.utc)
    updated = tenant.update_credentials(admin, slack.id, {"bot_token": SLACK_TOKEN},
                                        expires_at=expires)
    assert updated.expires_at == expires
    with pytest.raises(lv.InvalidArgument):
        tenant.update_credentials(admin, slack.id, {"bot_token": SLACK_TOKEN},
                                  expires_at=dt.datetime(2032, 1, 1))


def test_update_credentials_validates_like_connect(tenant, admin, slack):
    for credentials, field in (({"bot_token": ""}, "bot_token"),
                               ({"signing_secret": "only-optional"}, "bot_token"),
                               ({"bot_token": SLACK_TOKEN, "extra": "x"}, "extra"),
                               ({"bot_token": 7}, "bot_token")):
        with pytest.raises(lv.InvalidArgument) as caught:
            tenant.update_credentials(admin, slack.id, credentials)
        assert field in caught.value.message
    assert tenant.reveal_credentials(admin, slack.id) == {"bot_token": SLACK_TOKEN}


def test_update_credentials_after_disconnect_is_refused(tenant, admin, slack):
    tenant.disconnect(admin, slack.id)
    with pytest.raises(lv.FailedPrecondition):
        tenant.update_credentials(admin, slack.id, {"bot_token": SLACK_TOKEN})


def test_update_of_a_missing_id_is_not_found(tenant, admin):
    with pytest.raises(lv.NotFound):
        tenant.update_credentials(admin, "missing", {"bot_token": SLACK_TOKEN})


def test_records_may_be_passed_for_ids(tenant, admin, slack):
    assert tenant.get(slack) == slack
    assert tenant.reveal_credentials(admin, slack) == {"bot_token": SLACK_TOKEN}
    with pytest.raises(lv.InvalidArgument):
        tenant.get(12345)
    with pytest.raises(lv.InvalidArgument):
        tenant.get(None)
    with pytest.raises(lv.InvalidArgument):
        tenant.get(slack.id + "\0")
