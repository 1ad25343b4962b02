"""Rolling a vault back through its -wal, and the audit anchors that catch it
(docs/SEMANTICS.md, "Rollback through the -wal, and audit anchors").

How the attack is staged, deterministically: SQLite copies the -wal into the
main file only at a checkpoint (automatic at 1000 pages, far more than these
few changes write, or when the last connection closes, which also deletes the
-wal). So the scene closes and reopens the vault once (the connect is then in
the main file and the -wal is empty), makes its changes, and copies the file
and its -wal while the vault is still open and idle: what a killed host
leaves on disk. The attack edits the copy's -wal without any key; the copy is
opened as the host would after a restart.
"""

import json
import os
import shutil

import pytest

import linkvault as lv
from conftest import SLACK_TOKEN, TEST_KEY

ROTATED_TOKEN = "xoxb-rotated-token-00002"


def wal_size(path):
    try:
        return os.path.getsize(path + "-wal")
    except FileNotFoundError:
        return 0


class Scene:
    """connect (checkpointed); then in the -wal: mark_error (sequence 2),
    update_credentials (3), disconnect (4, which wipes the credentials)."""

    def __init__(self, directory, admin):
        self.path = str(directory / "scene.vault")
        self.copy_path = str(directory / "copy.vault")
        with lv.Vault.open(self.path, key=TEST_KEY) as vault:
            self.integration_id = vault.tenant("acme").connect(
                admin, "slack", {"bot_token": SLACK_TOKEN}).id
        assert wal_size(self.path) == 0  # the last close checkpointed it
        self.vault = lv.Vault.open(self.path, key=TEST_KEY)
        acme = self.vault.tenant("acme")
        acme.mark_error(admin, self.integration_id, "first change")
        self.wal_after_first_change = wal_size(self.path)
        assert self.wal_after_first_change > 32
        self.anchors_after_first_change = self.vault.audit_heads()
        acme.update_credentials(admin, self.integration_id, {"bot_token": ROTATED_TOKEN})
        acme.disconnect(admin, self.integration_id)
        self.anchors_after_changes = self.vault.audit_heads()
        assert self.anchors_after_changes["acme"]["sequence"] == 4
        assert wal_size(self.path) > self.wal_after_first_change  # not checkpointed

    def copy(self, truncate_wal=False, corrupt_frame=False):
        """The files as a killed host leaves them, optionally attacked; opened."""
        shutil.copyfile(self.path, self.copy_path)
        shutil.copyfile(self.path + "-wal", self.copy_path + "-wal")
        if truncate_wal:
            os.truncate(self.copy_path + "-wal", self.wal_after_first_change)
        if corrupt_frame:
            # Bytes 8..15 of a frame header repeat the -wal header's salt; a
            # frame whose salt does not match ends the log there.
            with open(self.copy_path + "-wal", "r+b") as wal:
                wal.seek(self.wal_after_first_change + 8)
                byte = wal.read(1)[0]
                wal.seek(self.wal_after_first_change + 8)
                wal.write(bytes([byte ^ 1]))
        return lv.Vault.open(self.copy_path, key=TEST_KEY, create=False)


@pytest.fixture
def scene(tmp_path, admin):
    scene = Scene(tmp_path, admin)
    yield scene
    scene.vault.close()


def test_audit_heads_shape(vault, tenant, other_tenant, admin, slack):
    first = vault.audit_heads()
    assert list(first) == ["acme"] and sorted(first["acme"]) == ["mac", "sequence"]
    assert first["acme"]["sequence"] == 1
    tenant.mark_error(admin, slack.id, "down")
    other_tenant.set_quota(2)  # a tenant row without a chain is not listed
    heads = vault.audit_heads()
    assert list(heads) == ["acme"]
    assert heads["acme"]["sequence"] == 2 == tenant.activity()[0].sequence
    mac = heads["acme"]["mac"]
    assert isinstance(mac, str) and len(mac) == 64
    assert mac == mac.lower() and int(mac, 16) != 0
    assert mac != first["acme"]["mac"]


def test_empty_vault_has_no_heads(vault):
    assert vault.audit_heads() == {}
    assert vault.verify_audit(anchors={}) == {"checked": 0, "ok": True, "first_bad": None}


def test_untouched_vault_verifies_with_its_anchors(scene, admin):
    assert scene.vault.verify_audit(scene.anchors_after_changes) == {
        "checked": 4, "ok": True, "first_bad": None}
    # As the chain grows, older anchors stay valid; a JSON round trip too.
    scene.vault.tenant("acme").connect(admin, "slack", {"bot_token": SLACK_TOKEN}, name="two")
    stored = json.loads(json.dumps(scene.anchors_after_changes))
    assert scene.vault.verify_audit(anchors=stored)["ok"] is True
    with scene.copy() as copy:
        assert copy.verify_audit(stored)["ok"] is True
        assert copy.tenant("acme").get(scene.integration_id).status == "disconnected"


@pytest.mark.parametrize("attack", ["truncate_wal", "corrupt_frame"])
def test_rollback_through_the_wal_is_caught_only_by_anchors(scene, admin, attack):
    with scene.copy(**{attack: True}) as copy:
        acme = copy.tenant("acme")
        # The disconnect (and its wipe) and the update are gone.
        assert acme.get(scene.integration_id).status == "error"
        assert acme.reveal_credentials(admin, scene.integration_id) == {"bot_token": SLACK_TOKEN}
        # The limit: the shorter chain verifies.
        assert copy.verify_audit() == {"checked": 3, "ok": True, "first_bad": None}
        # The defence.
        assert copy.verify_audit(scene.anchors_after_changes) == {
            "checked": 3, "ok": False, "first_bad": "acme"}
        assert copy.verify_audit(scene.anchors_after_first_change)["ok"] is True


def test_a_fork_after_a_rollback_is_caught(scene, admin):
    with scene.copy(truncate_wal=True) as copy:
        acme = copy.tenant("acme")
        for n in range(3):
            acme.mark_error(admin, scene.integration_id, "forged %d" % n)
        fourth = [e for e in acme.activity() if e.sequence == 4][0]
        assert copy.verify_audit()["ok"] is True
        assert copy.verify_audit(scene.anchors_after_changes) == {
            "checked": 5, "ok": False, "first_bad": fourth.id}


def test_a_purged_tenants_anchor_must_be_dropped(vault, tenant, other_tenant, admin, slack):
    other_tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    heads = vault.audit_heads()
    vault.purge_tenant(admin, "globex")
    assert vault.verify_audit(heads)["first_bad"] == "globex"
    del heads["globex"]
    assert vault.verify_audit(heads)["ok"] is True


def good_mac():
    return "ab" * 32


@pytest.mark.parametrize("anchors, complaint", [
    ([], "dict"),
    ("{}", "dict"),
    ({1: {"sequence": 1, "mac": good_mac()}}, "str"),
    ({"acme": [1, good_mac()]}, "dict"),
    ({"acme": {1: 2}}, "str"),
    ({"acme": {"sequence": 1}}, "mac"),
    ({"acme": {"mac": good_mac()}}, "sequence"),
    ({"acme": {"sequence": 1, "mac": good_mac(), "extra": 1}}, "extra"),
    ({"acme": {"sequence": "1", "mac": good_mac()}}, "sequence"),
    ({"acme": {"sequence": 1.0, "mac": good_mac()}}, "sequence"),
    ({"acme": {"sequence": True, "mac": good_mac()}}, "sequence"),
    ({"acme": {"sequence": 0, "mac": good_mac()}}, "sequence"),
    ({"acme": {"sequence": -1, "mac": good_mac()}}, "sequence"),
    ({"acme": {"sequence": 2 ** 63, "mac": good_mac()}}, "sequence"),
    ({"acme": {"sequence": 2 ** 64, "mac": good_mac()}}, "sequence"),
    ({"acme": {"sequence": 1, "mac": "ab" * 31}}, "mac"),
    ({"acme": {"sequence": 1, "mac": "AB" * 32}}, "mac"),
    ({"acme": {"sequence": 1, "mac": "zz" * 32}}, "mac"),
    ({"acme": {"sequence": 1, "mac": None}}, "mac"),
    ({"": {"sequence": 1, "mac": good_mac()}}, "tenant"),
    ({"t" * 129: {"sequence": 1, "mac": good_mac()}}, "tenant"),
    ({"ac\nme": {"sequence": 1, "mac": good_mac()}}, "tenant"),
    ({"\ud800": {"sequence": 1, "mac": good_mac()}}, "anchors"),
])
def test_bad_anchors_are_invalid_argument(vault, slack, anchors, complaint):
    with pytest.raises(lv.InvalidArgument) as raised:
        vault.verify_audit(anchors)
    assert complaint in str(raised.value)


def test_closed_vault(vault):
    vault.close()
    with pytest.raises(lv.FailedPrecondition):
        vault.audit_heads()
    with pytest.raises(lv.FailedPrecondition):
        vault.verify_audit({})
