"""Actor(user_id, user_name, role): validation at construction, immutability."""

import pickle

import pytest

import linkvault as lv


def test_default_role_is_member():
    actor = lv.Actor("u-1", "Alice")
    assert (actor.user_id, actor.user_name, actor.role) == ("u-1", "Alice", "member")


@pytest.mark.parametrize("role", ["admin", "member", "system"])
def test_the_three_roles(role):
    assert lv.Actor("u-1", "Alice", role=role).role == role


@pytest.mark.parametrize("role", ["owner", "Admin", "", None, 1],
                         ids=["owner", "capitalised", "empty", "none", "int"])
def test_unknown_role_is_invalid_argument(role):
    with pytest.raises(lv.InvalidArgument) as caught:
        lv.Actor("u-1", "Alice", role=role)
    assert "role" in caught.value.message


@pytest.mark.parametrize("user_id", ["", None, 5, "u\0x"], ids=["empty", "none", "int", "nul"])
def test_bad_user_id_is_invalid_argument(user_id):
    with pytest.raises(lv.InvalidArgument):
        lv.Actor(user_id, "Alice", role="admin")


def test_user_name_must_be_text():
    with pytest.raises(lv.InvalidArgument):
        lv.Actor("u-1", None, role="admin")
    assert lv.Actor("u-1").user_name == ""


def test_actor_is_read_only():
    actor = lv.Actor("u-1", "Alice", role="member")
    with pytest.raises(AttributeError):
        actor.role = "admin"
    with pytest.raises(AttributeError):
        actor.user_id = "u-2"
    with pytest.raises(AttributeError):
        del actor.user_name
    assert actor.role == "member"


def test_actor_equality_hash_repr_pickle():
    a = lv.Actor("u-1", "Alice", role="admin")
    b = lv.Actor("u-1", "Alice", role="admin")
    assert a == b and hash(a) == hash(b)
    assert a != lv.Actor("u-1", "Alice", role="member")
    assert "u-1" in repr(a) and "admin" in repr(a)
    assert pickle.loads(pickle.dumps(a)) == a


def test_system_actor_is_the_hosts_own():
    assert lv.SYSTEM_ACTOR == lv.Actor("system", "system", role="system")


def test_actor_name_is_recorded_in_activity(tenant):
    actor = lv.Actor("u-ü", "Zoë Ünïcode", role="admin")
    integration = tenant.connect(actor, "slack", {"bot_token": "xoxb-unicode-actor-1"})
    (entry,) = tenant.activity(integration.id)
    assert (entry.user_id, entry.user_name) == ("u-ü", "Zoë Ünïcode")
    assert integration.connected_by == "u-ü"


def test_an_actor_must_be_an_actor(tenant):
    with pytest.raises(lv.InvalidArgument):
        tenant.connect({"user_id": "u-1", "role": "admin"}, "slack", {"bot_token": "x"})
    with pytest.raises(lv.InvalidArgument):
        tenant.connect(None, "slack", {"bot_token": "x"})
