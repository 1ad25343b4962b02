"""DESIGN.md §5 verify_audit and purge_tenant.

Tampering cannot be done from Python without the derived database key, so the
chain's ability to detect edits is the C++ suite's job; here: ok=True, the
count of entries checked, and that purge leaves a verifiable vault."""

import pytest

import linkvault as lv
from conftest import GMAIL_TOKEN, SLACK_TOKEN, TEST_KEY


def test_empty_vault_verifies(vault):
    assert vault.verify_audit() == {"checked": 0, "ok": True, "first_bad": None}


def test_verify_counts_every_tenants_entries(vault, tenant, other_tenant, admin, slack):
    tenant.mark_error(admin, slack.id, "x")
    theirs = other_tenant.connect(admin, "gmail", {"access_token": GMAIL_TOKEN})
    other_tenant.reveal_credentials(admin, theirs.id)
    total = len(tenant.activity(limit=1000)) + len(other_tenant.activity(limit=1000))
    assert total == 4
    assert vault.verify_audit() == {"checked": total, "ok": True, "first_bad": None}


def test_verify_after_reopen(vault_path, admin):
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        tenant = vault.tenant("acme")
        integration = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
        tenant.disconnect(admin, integration.id)
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        assert vault.verify_audit() == {"checked": 2, "ok": True, "first_bad": None}


def populate(tenant, admin):
    slack = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    gmail = tenant.connect(admin, "gmail", {"access_token": GMAIL_TOKEN})
    tenant.reveal_credentials(admin, slack.id)
    tenant.disconnect(admin, gmail.id)
    return slack, gmail


@pytest.mark.parametrize("role", ["admin", "system"])
def test_purge_returns_counts_and_the_tenant_is_gone(vault, tenant, other_tenant, admin, role):
    slack, gmail = populate(tenant, admin)
    theirs = other_tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    entries = len(tenant.activity(limit=1000))
    assert entries == 4
    counts = vault.purge_tenant(lv.Actor("u-" + role, role, role=role), "acme")
    assert counts["integrations"] == 2      # disconnected ones too
    assert counts["activity"] == entries
    assert counts["jobs"] == 0
    assert counts["keys"] >= 1               # the credential key at least
    assert set(counts) == {"integrations", "activity", "jobs", "keys"}
    for integration in (slack, gmail):
        with pytest.raises(lv.NotFound):
            tenant.get(integration.id)
        with pytest.raises(lv.NotFound):
            tenant.reveal_credentials(admin, integration.id)
        with pytest.raises(lv.NotFound):
            tenant.activity(integration.id)
    assert tenant.list() == []
    assert tenant.find("slack") is None
    assert tenant.activity() == []
    # the other tenant is untouched
    assert other_tenant.get(theirs.id) == theirs
    assert other_tenant.reveal_credentials(admin, theirs.id) == {"bot_token": SLACK_TOKEN}
    report = vault.verify_audit()
    assert report["ok"] is True
    assert report["checked"] == len(other_tenant.activity(limit=1000))


def test_purge_by_a_member_is_denied_and_changes_nothing(vault, tenant, admin, member):
    slack, _ = populate(tenant, admin)
    with pytest.raises(lv.PermissionDenied):
        vault.purge_tenant(member, "acme")
    assert tenant.reveal_credentials(admin, slack.id) == {"bot_token": SLACK_TOKEN}


def test_purge_of_an_unknown_tenant_counts_nothing(vault, admin):
    assert vault.purge_tenant(admin, "never-existed") == {
        "integrations": 0, "activity": 0, "jobs": 0, "keys": 0}


def test_a_purged_tenant_can_start_again(vault, tenant, admin):
    populate(tenant, admin)
    vault.purge_tenant(admin, "acme")
    fresh = tenant.connect(admin, "slack", {"bot_token": "xoxb-fresh-start-0001"})
    assert tenant.reveal_credentials(admin, fresh.id) == {"bot_token": "xoxb-fresh-start-0001"}
    assert [e.action for e in tenant.activity()] == ["credentials_revealed", "connected"]
    assert vault.verify_audit()["ok"]


def test_purge_survives_reopen(vault_path, admin):
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        slack, _ = populate(vault.tenant("acme"), admin)
        vault.purge_tenant(admin, "acme")
    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        with pytest.raises(lv.NotFound):
            vault.tenant("acme").get(slack.id)
        assert vault.verify_audit() == {"checked": 0, "ok": True, "first_bad": None}
