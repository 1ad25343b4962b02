"""DESIGN.md §5 activity(id, limit=50, before=None): newest first, limit
1-1000, an entry-id cursor; without id, the whole tenant."""

import pytest

import linkvault as lv
from conftest import GMAIL_TOKEN


@pytest.fixture
def busy(tenant, admin, slack):
    """slack with 60 more entries: 1 connected + 60 status_error = 61."""
    for n in range(60):
        tenant.mark_error(admin, slack.id, "error %d" % n)
    return slack


def test_newest_first(tenant, busy):
    entries = tenant.activity(busy.id, limit=1000)
    assert len(entries) == 61
    sequences = [e.sequence for e in entries]
    assert sequences == sorted(sequences, reverse=True)
    assert sequences == list(range(61, 0, -1))
    times = [e.created_at for e in entries]
    assert times == sorted(times, reverse=True)
    assert entries[-1].action == "connected"
    assert entries[0].details.get("message", "error 59") == "error 59"


def test_default_limit_is_50(tenant, busy):
    assert len(tenant.activity(busy.id)) == 50
    assert len(tenant.activity()) == 50


@pytest.mark.parametrize("limit", [1, 2, 61, 1000])
def test_limits_in_range(tenant, busy, limit):
    entries = tenant.activity(busy.id, limit=limit)
    assert len(entries) == min(limit, 61)
    assert entries[0].sequence == 61


@pytest.mark.parametrize("limit", [0, -1, 1001, 10 ** 6, 2 ** 31, -2 ** 40])
def test_limits_out_of_range_are_invalid_argument(tenant, busy, limit):
    with pytest.raises(lv.InvalidArgument):
        tenant.activity(busy.id, limit=limit)


@pytest.mark.parametrize("limit", [None, 1.5, "10", True], ids=["none", "float", "text", "bool"])
def test_limit_must_be_an_int(tenant, busy, limit):
    with pytest.raises(lv.InvalidArgument):
        tenant.activity(busy.id, limit=limit)


def test_before_pages_backwards_without_gaps_or_overlap(tenant, busy):
    everything = tenant.activity(busy.id, limit=1000)
    pages, before = [], None
    while True:
        page = tenant.activity(busy.id, limit=7, before=before)
        if not page:
            break
        pages.extend(page)
        before = page[-1].id
    assert pages == everything


def test_before_accepts_an_entry(tenant, busy):
    first_page = tenant.activity(busy.id, limit=10)
    assert tenant.activity(busy.id, limit=5, before=first_page[-1]) == \
        tenant.activity(busy.id, limit=5, before=first_page[-1].id)


def test_before_the_oldest_entry_is_empty(tenant, busy):
    oldest = tenant.activity(busy.id, limit=1000)[-1]
    assert tenant.activity(busy.id, before=oldest.id) == []


def test_before_an_unknown_entry_is_not_found(tenant, busy):
    with pytest.raises(lv.NotFound):
        tenant.activity(busy.id, before="01900000-0000-7000-8000-000000000000")


def test_whole_tenant_mixes_integrations_newest_first(tenant, admin, slack):
    gmail = tenant.connect(admin, "gmail", {"access_token": GMAIL_TOKEN})
    tenant.mark_error(admin, slack.id, "late")
    entries = tenant.activity()
    assert [(e.integration_id, e.action) for e in entries] == [
        (slack.id, "status_error"), (gmail.id, "connected"), (slack.id, "connected")]
    assert [e.sequence for e in entries] == [3, 2, 1]
    assert all(e.tenant == "acme" for e in entries)
    assert tenant.activity(None) == entries


def test_per_integration_activity_excludes_others(tenant, admin, slack):
    gmail = tenant.connect(admin, "gmail", {"access_token": GMAIL_TOKEN})
    assert {e.integration_id for e in tenant.activity(slack.id)} == {slack.id}
    assert {e.integration_id for e in tenant.activity(gmail.id)} == {gmail.id}


def test_sequence_is_per_tenant(tenant, other_tenant, admin, slack):
    theirs = other_tenant.connect(admin, "slack", {"bot_token": "xoxb-globex-seq-1"})
    assert [e.sequence for e in other_tenant.activity(theirs.id)] == [1]


def test_activity_of_a_missing_integration_is_not_found(tenant):
    with pytest.raises(lv.NotFound):
        tenant.activity("01900000-0000-7000-8000-000000000000")


def test_every_action_of_the_lifecycle_is_logged(tenant, admin, slack):
    tenant.update_credentials(admin, slack.id, {"bot_token": "xoxb-lifecycle-0001"})
    tenant.reveal_credentials(admin, slack.id)
    tenant.test(admin, slack.id, lambda creds: (True, "ok"))
    tenant.test(admin, slack.id, lambda creds: (False, "no"))
    tenant.mark_error(admin, slack.id, "manual")
    tenant.disconnect(admin, slack.id)
    assert [e.action for e in tenant.activity(slack.id)] == [
        "disconnected", "status_error", "test_failed", "test_success", "credentials_revealed",
        "credentials_updated", "connected"]
