"""DESIGN.md §5 Actors and roles: every change needs admin or system, else
PERMISSION_DENIED and nothing changes; reads are open to every role."""

import pytest

import linkvault as lv
from conftest import SLACK_TOKEN

ROLES = ("admin", "member", "system")

# Every change, as (vault, tenant, actor, integration id, calls) -> anything.
# `calls` records whether a tester ran.
CHANGES = {
    "connect": lambda v, t, a, i, calls: t.connect(a, "gmail", {"access_token": "ya29.rbac-test"}),
    "update_credentials": lambda v, t, a, i, calls: t.update_credentials(
        a, i, {"bot_token": "xoxb-rbac-updated-99"}),
    "reveal_credentials": lambda v, t, a, i, calls: t.reveal_credentials(a, i),
    "test": lambda v, t, a, i, calls: t.test(a, i, lambda creds: calls.append(1) or (True, "ok")),
    "disconnect": lambda v, t, a, i, calls: t.disconnect(a, i),
    "mark_error": lambda v, t, a, i, calls: t.mark_error(a, i, "rbac"),
    "set_quota": lambda v, t, a, i, calls: t.set_quota(5, actor=a),
    "purge_tenant": lambda v, t, a, i, calls: v.purge_tenant(a, "acme"),
}


def state(vault, tenant):
    return (tenant.list(), tenant.activity(limit=1000), tenant.quota(), vault.verify_audit())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_changes_need_admin_or_system(vault, tenant, slack, change, role):
    actor = lv.Actor("u-" + role, role.title(), role=role)
    calls = []
    if role == "member":
        before = state(vault, tenant)
        with pytest.raises(lv.PermissionDenied) as caught:
            CHANGES[change](vault, tenant, actor, slack.id, calls)
        assert caught.value.code == 4
        assert state(vault, tenant) == before
        assert calls == []
    else:
        CHANGES[change](vault, tenant, actor, slack.id, calls)
        if change == "test":
            assert calls == [1]


@pytest.mark.parametrize("role", ["admin", "system"])
def test_changes_are_attributed_to_the_actor(tenant, role):
    actor = lv.Actor("u-" + role, role.title(), role=role)
    integration = tenant.connect(actor, "slack", {"bot_token": SLACK_TOKEN})
    assert integration.connected_by == actor.user_id
    (entry,) = tenant.activity(integration.id)
    assert (entry.user_id, entry.user_name) == (actor.user_id, actor.user_name)


def test_reads_are_open_to_every_role(vault, tenant, slack):
    # Reads take no actor: a member's request reads exactly what an admin's does.
    assert tenant.get(slack.id) == slack
    assert tenant.find("slack") == slack
    assert tenant.list() == [slack]
    assert [entry.action for entry in tenant.activity(slack.id)] == ["connected"]
    assert tenant.quota() is None
    assert vault.providers()
    assert vault.verify_audit()["ok"]


def test_set_quota_without_actor_is_the_system_acting(tenant, admin):
    tenant.set_quota(2)
    assert tenant.quota() == 2
    tenant.set_quota(None)
    assert tenant.quota() is None


def test_set_quota_by_a_member_is_denied(tenant, member):
    with pytest.raises(lv.PermissionDenied):
        tenant.set_quota(1, actor=member)
    assert tenant.quota() is None


def test_member_cannot_remove_a_quota(tenant, member):
    tenant.set_quota(3)
    with pytest.raises(lv.PermissionDenied):
        tenant.set_quota(None, actor=member)
    assert tenant.quota() == 3


def test_denied_reveal_leaves_no_activity(tenant, slack, member):
    with pytest.raises(lv.PermissionDenied):
        tenant.reveal_credentials(member, slack.id)
    assert [entry.action for entry in tenant.activity(slack.id)] == ["connected"]


def test_permission_is_checked_whatever_the_target(tenant, member):
    """A member gets PermissionDenied or NotFound for a missing id, never data or success."""
    with pytest.raises((lv.PermissionDenied, lv.NotFound)):
        tenant.disconnect(member, "01900000-0000-7000-8000-000000000000")
