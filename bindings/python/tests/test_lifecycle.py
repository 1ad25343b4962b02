"""DESIGN.md §5 disconnect and mark_error; get, find and list."""

import pytest

import linkvault as lv
from conftest import GMAIL_TOKEN, SLACK_TOKEN


def test_disconnect_keeps_the_row_and_history_and_wipes_the_mask(tenant, admin, slack):
    tenant.test(admin, slack.id, lambda creds: (True, "ok"))
    disconnected = tenant.disconnect(admin, slack.id)
    assert disconnected.id == slack.id
    assert disconnected.status == "disconnected"
    assert disconnected.credential_mask == ""
    assert disconnected.disconnected_at is not None
    assert disconnected.disconnected_at >= slack.connected_at
    assert tenant.get(slack.id) == disconnected
    assert tenant.list() == [disconnected]
    assert [e.action for e in tenant.activity(slack.id)] == ["disconnected", "test_success", "connected"]
    assert tenant.activity(slack.id)[0].user_id == "u-admin"


def test_disconnect_twice_is_failed_precondition(tenant, admin, slack):
    tenant.disconnect(admin, slack.id)
    with pytest.raises(lv.FailedPrecondition):
        tenant.disconnect(admin, slack.id)
    assert [e.action for e in tenant.activity(slack.id)].count("disconnected") == 1


def test_disconnect_of_an_error_integration(tenant, admin, slack):
    tenant.mark_error(admin, slack.id, "boom")
    assert tenant.disconnect(admin, slack.id).status == "disconnected"


def test_mark_error(tenant, admin, system, slack):
    marked = tenant.mark_error(system, slack.id, "token revoked upstream")
    assert marked.status == "error"
    assert marked.last_error == "token revoked upstream"
    entry = tenant.activity(slack.id)[0]
    assert entry.action == "status_error"
    assert entry.user_id == "svc-sync"
    assert tenant.reveal_credentials(admin, slack.id) == {"bot_token": SLACK_TOKEN}


def test_mark_error_after_disconnect_is_failed_precondition(tenant, admin, slack):
    tenant.disconnect(admin, slack.id)
    with pytest.raises(lv.FailedPrecondition):
        tenant.mark_error(admin, slack.id, "late")


def test_mark_error_message_must_be_text(tenant, admin, slack):
    with pytest.raises(lv.InvalidArgument):
        tenant.mark_error(admin, slack.id, None)


def test_get_of_a_missing_id_is_not_found(tenant):
    for missing in ("", "nope", "01900000-0000-7000-8000-000000000000", "x" * 10_000):
        with pytest.raises((lv.NotFound, lv.InvalidArgument)):
            tenant.get(missing)
    with pytest.raises(lv.NotFound):
        tenant.get("01900000-0000-7000-8000-000000000000")


def test_find_by_provider_and_name(tenant, admin, slack):
    second = tenant.connect(admin, "slack", {"bot_token": "xoxb-second-0000"}, name="second")
    assert tenant.find("slack") == slack
    assert tenant.find("slack", name="default") == slack
    assert tenant.find("slack", name="second") == second
    assert tenant.find("slack", name="third") is None
    assert tenant.find("gmail") is None
    assert tenant.find("slack", name=None) == slack


def test_find_returns_a_disconnected_integration(tenant, admin, slack):
    tenant.disconnect(admin, slack.id)
    assert tenant.find("slack").status == "disconnected"


def test_list_and_its_filters(tenant, admin, slack):
    gmail = tenant.connect(admin, "gmail", {"access_token": GMAIL_TOKEN})
    tave = tenant.connect(admin, "tave", {"api_key": "tave-0123456789abc"})
    tenant.disconnect(admin, tave.id)
    tenant.mark_error(admin, gmail.id, "expired")
    assert {i.id for i in tenant.list()} == {slack.id, gmail.id, tave.id}
    assert [i.id for i in tenant.list(provider="gmail")] == [gmail.id]
    assert [i.id for i in tenant.list(status="connected")] == [slack.id]
    assert [i.id for i in tenant.list(status="error")] == [gmail.id]
    assert [i.id for i in tenant.list(status="disconnected")] == [tave.id]
    assert tenant.list(status="pending_auth") == []
    assert tenant.list(provider="gmail", status="connected") == []
    assert tenant.list(provider="honeybook") == []


@pytest.mark.parametrize("criteria", [{"status": "broken"}, {"status": 1}, {"provider": 5}],
                         ids=["unknown-status", "int-status", "int-provider"])
def test_bad_list_filter_is_invalid_argument(tenant, criteria):
    with pytest.raises(lv.InvalidArgument):
        tenant.list(**criteria)


def test_list_of_an_empty_tenant(vault):
    assert vault.tenant("nobody-here").list() == []
