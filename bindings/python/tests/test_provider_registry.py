"""Host-registered providers are stored in the vault (file or schema): every Vault object
and process that opens it sees them; the same spec again is a no-op, another
spec is AlreadyExists unless replace=True; built-ins stay untouchable."""

import json
import subprocess
import sys

import pytest

import linkvault as lv
from conftest import TEST_KEY, subprocess_environment

SPEC = {
    "key": "acme_crm", "name": "Acme CRM", "auth_type": "api_key",
    "credential_fields": [{"name": "token", "label": "Token", "type": "secret", "required": True}],
}
SPEC_V2 = {
    "key": "acme_crm", "name": "Acme CRM v2", "auth_type": "api_key",
    "credential_fields": [{"name": "token", "type": "secret"},
                          {"name": "region", "type": "text"}],
}

# Runs in a fresh interpreter: opens the vault, then does what argv says.
CHILD = r"""
import json, sys
import linkvault as lv
path, action, argument = sys.argv[1], sys.argv[2], sys.argv[3]
admin = lv.Actor("u-admin", "Alice Admin", role="admin")
with lv.Vault.open(path, key=bytes(range(32))) as vault:
    if action == "register":
        vault.register_provider(argument)
    elif action == "replace":
        vault.register_provider(argument, replace=True)
    elif action == "update":
        integration_id, token = argument.split(" ")
        vault.tenant("acme").update_credentials(admin, integration_id, {"token": token})
print("ok")
"""


def in_subprocess(path, action, argument):
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, path, action, argument],
        env=subprocess_environment(), capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.strip() == "ok"


def keys(vault):
    return {spec["key"]: spec for spec in vault.providers()}


def test_same_spec_as_other_json_text_is_a_no_op(vault):
    first = vault.register_provider(SPEC)
    text = json.dumps(dict(reversed(list(SPEC.items()))), indent=3)
    assert vault.register_provider(text) == first
    assert vault.register_provider(SPEC, replace=True) == first


def test_another_spec_is_already_exists_unless_replaced(vault, tenant, admin):
    vault.register_provider(SPEC)
    integration = tenant.connect(admin, "acme_crm", {"token": "tok-0123456789"})
    with pytest.raises(lv.AlreadyExists) as caught:
        vault.register_provider(SPEC_V2)
    assert "acme_crm" in caught.value.message
    assert keys(vault)["acme_crm"]["name"] == "Acme CRM"

    replaced = vault.register_provider(SPEC_V2, replace=True)
    assert replaced["name"] == "Acme CRM v2"
    assert keys(vault)["acme_crm"] == replaced
    with pytest.raises(lv.InvalidArgument):
        tenant.update_credentials(admin, integration.id, {"token": "tok-abcdefghij"})
    updated = tenant.update_credentials(admin, integration.id,
                                        {"token": "tok-abcdefghij", "region": "eu"})
    assert updated.credential_mask == "••••ghij"
    assert vault.verify_audit()["ok"]


@pytest.mark.parametrize("replace", [False, True])
def test_a_built_in_cannot_be_registered_or_replaced(vault, replace):
    fake = dict(SPEC, key="slack", name="Fake Slack")
    with pytest.raises(lv.AlreadyExists):
        vault.register_provider(fake, replace=replace)
    assert keys(vault)["slack"]["name"] == "Slack"


def test_replace_must_be_a_bool(vault):
    with pytest.raises(lv.InvalidArgument):
        vault.register_provider(SPEC, replace="yes")


def test_a_second_vault_object_on_the_file_sees_registrations_and_replacements(vault_path, admin):
    first = lv.Vault.open(vault_path, key=TEST_KEY)
    second = lv.Vault.open(vault_path, key=TEST_KEY)
    try:
        assert "acme_crm" not in keys(second)
        first.register_provider(SPEC)
        assert keys(second)["acme_crm"]["name"] == "Acme CRM"
        integration = second.tenant("acme").connect(admin, "acme_crm", {"token": "tok-0123456789"})
        second.register_provider(SPEC_V2, replace=True)
        assert keys(first)["acme_crm"]["name"] == "Acme CRM v2"
        updated = first.tenant("acme").update_credentials(
            admin, integration.id, {"token": "tok-abcdefghij", "region": "eu"})
        assert updated.credential_mask == "••••ghij"
    finally:
        first.close()
        second.close()


def test_a_registration_by_another_process_reaches_an_open_vault(vault, tenant, admin, vault_path):
    with pytest.raises(lv.InvalidArgument):
        tenant.connect(admin, "acme_crm", {"token": "tok-0123456789"})
    in_subprocess(vault_path, "register", json.dumps(SPEC))

    assert keys(vault)["acme_crm"]["name"] == "Acme CRM"
    integration = tenant.connect(admin, "acme_crm", {"token": "tok-0123456789"})
    with lv.Vault.open(vault_path, key=TEST_KEY) as fresh:
        assert "acme_crm" in keys(fresh)

    # Another process updates that integration's credentials.
    in_subprocess(vault_path, "update", integration.id + " tok-abcdefghij")
    assert tenant.get(integration.id).credential_mask == "••••ghij"
    assert tenant.reveal_credentials(admin, integration.id) == {"token": "tok-abcdefghij"}
    assert [entry.action for entry in tenant.activity(integration.id)] == [
        "credentials_revealed", "credentials_updated", "connected"]
    report = vault.verify_audit()
    assert report["ok"] and report["checked"] == 3


def test_a_replacement_by_another_process_reaches_an_open_vault(vault, tenant, admin, vault_path):
    vault.register_provider(SPEC)
    tenant.connect(admin, "acme_crm", {"token": "tok-0123456789"})
    in_subprocess(vault_path, "replace", json.dumps(SPEC_V2))
    assert keys(vault)["acme_crm"]["name"] == "Acme CRM v2"
    with pytest.raises(lv.InvalidArgument):
        tenant.connect(admin, "acme_crm", {"token": "tok-0123456789"}, name="second")
    with pytest.raises(lv.AlreadyExists):
        vault.register_provider(SPEC)
