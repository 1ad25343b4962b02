"""Integration, ActivityEntry and TestResult: read-only, exactly the attributes
of DESIGN.md §4, times as timezone-aware UTC datetimes."""

import datetime as dt
import pickle

import pytest

import linkvault as lv

INTEGRATION_ATTRIBUTES = {
    "id", "tenant", "provider", "name", "account", "status", "credential_mask", "scopes",
    "expires_at", "connected_by", "connected_at", "disconnected_at", "last_used_at",
    "last_refreshed_at", "refresh_count", "last_error", "sync_config", "last_sync_at",
    "last_sync_status", "created_at", "updated_at",
}
INTEGRATION_TIMES = {"expires_at", "connected_at", "disconnected_at", "last_used_at",
                     "last_refreshed_at", "last_sync_at", "created_at", "updated_at"}
ACTIVITY_ATTRIBUTES = {"id", "tenant", "integration_id", "action", "user_id", "user_name",
                       "details", "created_at", "sequence"}


def public_attributes(obj):
    return {name for name in dir(obj) if not name.startswith("_") and name != "to_dict"}


def assert_aware_utc(value):
    assert isinstance(value, dt.datetime)
    assert value.tzinfo is not None
    assert value.utcoffset() == dt.timedelta(0)


def full_integration(tenant, admin):
    integration = tenant.connect(
        admin, "gmail", {"access_token": "ya29.records-test-token", "refresh_token": "1//refresh"},
        name="work", account="alice@example.com", scopes=["gmail.readonly"],
        expires_at=dt.datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=dt.timezone.utc),
        sync_config={"auto_sync": True, "interval_minutes": 30})
    tenant.test(admin, integration.id, lambda creds: (True, "ok"))  # sets last_used_at
    return tenant.disconnect(admin, integration.id)                  # sets disconnected_at


def test_integration_has_exactly_the_design_attributes(tenant, admin):
    integration = tenant.connect(admin, "slack", {"bot_token": "xoxb-attribute-test"})
    assert public_attributes(integration) == INTEGRATION_ATTRIBUTES
    assert set(integration.to_dict()) == INTEGRATION_ATTRIBUTES


def test_activity_entry_has_exactly_the_design_attributes(tenant, slack):
    (entry,) = tenant.activity(slack.id)
    assert public_attributes(entry) == ACTIVITY_ATTRIBUTES
    assert set(entry.to_dict()) == ACTIVITY_ATTRIBUTES


def test_integration_values_and_types(tenant, admin):
    integration = full_integration(tenant, admin)
    assert isinstance(integration.id, str) and integration.id
    assert integration.tenant == "acme"
    assert integration.provider == "gmail"
    assert integration.name == "work"
    assert integration.account == "alice@example.com"
    assert integration.status == "disconnected"
    assert integration.credential_mask == ""
    assert integration.scopes == ("gmail.readonly",)
    assert integration.connected_by == "u-admin"
    assert integration.refresh_count == 0
    assert integration.last_error is None
    assert integration.last_sync_status is None
    assert integration.sync_config == {
        "auto_sync": True, "interval_minutes": 30, "direction": "import_only",
        "conflict_resolution": "newest_wins", "import_historical": False}
    # milliseconds are the vault's resolution
    assert integration.expires_at == dt.datetime(2031, 5, 6, 7, 8, 9, 123000, tzinfo=dt.timezone.utc)
    for name in INTEGRATION_TIMES:
        value = getattr(integration, name)
        if name in ("last_refreshed_at", "last_sync_at"):
            assert value is None
        else:
            assert_aware_utc(value)
    assert integration.created_at <= integration.connected_at <= integration.disconnected_at
    assert integration.updated_at >= integration.created_at
    now = dt.datetime.now(dt.timezone.utc)
    assert abs(now - integration.created_at) < dt.timedelta(minutes=5)


def test_optional_attributes_are_none_when_not_given(tenant, slack):
    assert slack.account is None
    assert slack.expires_at is None
    assert slack.sync_config is None
    assert slack.disconnected_at is None
    assert slack.scopes == ()
    assert slack.name == "default"


def test_activity_entry_values_and_types(tenant, slack):
    (entry,) = tenant.activity(slack.id)
    assert entry.tenant == "acme"
    assert entry.integration_id == slack.id
    assert entry.action == "connected"
    assert entry.user_id == "u-admin"
    assert entry.user_name == "Alice Admin"
    assert isinstance(entry.details, dict)
    assert entry.sequence == 1
    assert_aware_utc(entry.created_at)


@pytest.mark.parametrize("attribute", sorted(INTEGRATION_ATTRIBUTES))
def test_integration_attributes_cannot_be_assigned(slack, attribute):
    with pytest.raises(AttributeError):
        setattr(slack, attribute, "changed")
    with pytest.raises(AttributeError):
        delattr(slack, attribute)


def test_records_take_no_new_attributes(tenant, slack):
    with pytest.raises(AttributeError):
        slack.secret = "x"
    (entry,) = tenant.activity(slack.id)
    with pytest.raises(AttributeError):
        entry.action = "disconnected"
    with pytest.raises(AttributeError):
        entry.note = "x"


def test_returned_dicts_are_copies(tenant, admin):
    integration = tenant.connect(admin, "slack", {"bot_token": "xoxb-copies-test-1"},
                                 sync_config={"auto_sync": True})
    integration.sync_config["auto_sync"] = False
    assert integration.sync_config["auto_sync"] is True
    (entry,) = tenant.activity(integration.id)
    entry.details["injected"] = True
    assert "injected" not in entry.details


def test_records_compare_by_value(tenant, slack, admin):
    assert tenant.get(slack.id) == slack
    assert hash(tenant.get(slack.id)) == hash(slack)
    changed = tenant.mark_error(admin, slack.id, "boom")
    assert changed != slack
    assert slack.id in repr(slack)
    assert pickle.loads(pickle.dumps(slack)) == slack


def test_test_result_is_a_read_only_pair(tenant, admin, slack):
    result = tenant.test(admin, slack.id, lambda creds: (True, "fine"))
    assert isinstance(result, lv.TestResult)
    assert (result.success, result.message) == (True, "fine")
    success, message = result
    assert success is True and message == "fine"
    with pytest.raises(AttributeError):
        result.success = False


def test_repeated_reads_are_equal_and_changes_are_seen(tenant, admin):
    integration = tenant.connect(admin, "slack", {"bot_token": "xoxb-reread-test-0001"},
                                 sync_config={"auto_sync": True})
    first, second = tenant.get(integration.id), tenant.get(integration.id)
    assert first == second == integration
    first.sync_config["auto_sync"] = False        # a copy: the next read is unaffected
    assert tenant.get(integration.id).sync_config["auto_sync"] is True
    tenant.mark_error(admin, integration.id, "changed")
    assert tenant.get(integration.id).status == "error"
    assert first.status == "connected"            # an old record keeps its values
