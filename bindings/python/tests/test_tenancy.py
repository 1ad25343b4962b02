"""DESIGN.md §5 Tenancy: an id from another tenant is NOT_FOUND for every
operation — never another error, never data — and nothing changes."""

import pytest

import linkvault as lv
from conftest import SLACK_TOKEN

# Every operation that takes an integration id, as (tenant, actor, id) -> anything.
OPERATIONS_BY_ID = {
    "get": lambda t, a, i: t.get(i),
    "update_credentials": lambda t, a, i: t.update_credentials(a, i, {"bot_token": "xoxb-stolen-0000"}),
    "reveal_credentials": lambda t, a, i: t.reveal_credentials(a, i),
    "test": lambda t, a, i: t.test(a, i, lambda creds: pytest.fail("tester called cross-tenant")),
    "disconnect": lambda t, a, i: t.disconnect(a, i),
    "mark_error": lambda t, a, i: t.mark_error(a, i, "cross-tenant"),
    "activity": lambda t, a, i: t.activity(i),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS_BY_ID))
def test_other_tenants_id_is_not_found(tenant, other_tenant, admin, slack, operation):
    before = (tenant.get(slack.id), tenant.activity())
    with pytest.raises(lv.NotFound) as caught:
        OPERATIONS_BY_ID[operation](other_tenant, admin, slack.id)
    assert caught.value.code == 2
    assert SLACK_TOKEN not in caught.value.message
    assert (tenant.get(slack.id), tenant.activity()) == before
    assert other_tenant.activity() == []


@pytest.mark.parametrize("operation", sorted(OPERATIONS_BY_ID))
def test_other_tenants_id_is_the_same_error_as_a_missing_id(other_tenant, admin, slack, operation):
    """Indistinguishable: same class for an id that exists elsewhere and one that never existed."""
    with pytest.raises(lv.NotFound):
        OPERATIONS_BY_ID[operation](other_tenant, admin, slack.id)
    with pytest.raises(lv.NotFound):
        OPERATIONS_BY_ID[operation](other_tenant, admin, "01900000-0000-7000-8000-000000000000")


@pytest.mark.parametrize("role", ["member", "system"])
def test_cross_tenant_is_not_found_for_every_role_that_may_read(other_tenant, slack, role):
    actor = lv.Actor("u-x", "X", role=role)
    with pytest.raises(lv.NotFound):
        other_tenant.get(slack.id)
    with pytest.raises(lv.NotFound):
        other_tenant.activity(slack.id)
    if role == "system":
        with pytest.raises(lv.NotFound):
            other_tenant.reveal_credentials(actor, slack.id)


def test_activity_cursor_from_another_tenant_is_not_found(tenant, other_tenant, admin, slack):
    theirs = other_tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    (their_entry,) = other_tenant.activity(theirs.id)
    with pytest.raises(lv.NotFound):
        tenant.activity(before=their_entry.id)
    with pytest.raises(lv.NotFound):
        tenant.activity(slack.id, before=their_entry.id)


def test_find_and_list_never_show_another_tenants_integrations(tenant, other_tenant, slack):
    assert other_tenant.find("slack") is None
    assert other_tenant.list() == []
    assert other_tenant.list(provider="slack") == []
    assert other_tenant.activity() == []
    assert tenant.find("slack") == slack


def test_same_provider_and_name_in_two_tenants_are_independent(tenant, other_tenant, admin, slack):
    theirs = other_tenant.connect(admin, "slack", {"bot_token": "xoxb-globex-token-42"})
    assert theirs.id != slack.id
    assert theirs.tenant == "globex"
    tenant.disconnect(admin, slack.id)
    assert other_tenant.get(theirs.id).status == "connected"
    assert other_tenant.reveal_credentials(admin, theirs.id) == {"bot_token": "xoxb-globex-token-42"}


def test_quota_is_per_tenant(tenant, other_tenant, admin, slack):
    tenant.set_quota(1)
    assert other_tenant.quota() is None
    other_tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    other_tenant.connect(admin, "gmail", {"access_token": "ya29.globex"})
    with pytest.raises(lv.QuotaExceeded):
        tenant.connect(admin, "gmail", {"access_token": "ya29.acme"})


def test_tenant_ids_are_exact_not_prefixes_or_case_folded(vault, tenant, admin, slack):
    for lookalike in ("ACME", "acme ", "acm", "acme\u200b"):
        with pytest.raises(lv.NotFound):
            vault.tenant(lookalike).get(slack.id)
