"""DESIGN.md §5 test(actor, id, tester): success, failure, a throwing tester,
status back to connected; the call succeeds and returns the result."""

import gc
import threading

import pytest

import linkvault as lv
from conftest import SLACK_TOKEN


def test_passing_test(tenant, admin, slack):
    seen = []
    result = tenant.test(admin, slack.id, lambda creds: seen.append(creds) or (True, "auth.test ok"))
    assert result == lv.TestResult(True, "auth.test ok")
    assert seen == [{"bot_token": SLACK_TOKEN}]
    after = tenant.get(slack.id)
    assert after.status == "connected"
    assert after.last_error is None
    assert after.last_used_at is not None
    entry = tenant.activity(slack.id)[0]
    assert entry.action == "test_success"
    assert SLACK_TOKEN not in repr(entry.details)


def test_failing_test(tenant, admin, slack):
    result = tenant.test(admin, slack.id, lambda creds: (False, "invalid_auth"))
    assert result == lv.TestResult(False, "invalid_auth")
    after = tenant.get(slack.id)
    assert after.status == "error"
    assert after.last_error == "invalid_auth"
    assert tenant.activity(slack.id)[0].action == "test_failed"


class ProviderDown(Exception):
    pass


def test_throwing_tester_is_a_failed_test_not_a_crash(tenant, admin, slack):
    def tester(creds):
        raise ProviderDown("connection refused by slack.com")

    result = tenant.test(admin, slack.id, tester)
    assert result.success is False
    assert "connection refused by slack.com" in result.message
    assert "ProviderDown" in result.message
    after = tenant.get(slack.id)
    assert after.status == "error"
    assert after.last_error == result.message
    assert tenant.activity(slack.id)[0].action == "test_failed"


def test_exception_without_text_gives_its_type(tenant, admin, slack):
    def tester(creds):
        raise KeyError

    assert tenant.test(admin, slack.id, tester) == lv.TestResult(False, "KeyError")


@pytest.mark.parametrize("returned", [True, None, (True,), (True, "a", "b"), "ok", 1],
                         ids=["bare-bool", "none", "1-tuple", "3-tuple", "str", "int"])
def test_tester_returning_something_else_is_a_failed_test(tenant, admin, slack, returned):
    result = tenant.test(admin, slack.id, lambda creds: returned)
    assert result.success is False
    assert "TypeError" in result.message
    assert tenant.get(slack.id).status == "error"


def test_tester_result_is_converted_leniently(tenant, admin, slack):
    assert tenant.test(admin, slack.id, lambda creds: [1, None]) == lv.TestResult(True, "")
    assert tenant.test(admin, slack.id, lambda creds: (0, 404)) == lv.TestResult(False, "404")
    assert tenant.test(admin, slack.id, lambda creds: lv.TestResult(True, "nt")) == (True, "nt")


def test_success_brings_an_error_integration_back_to_connected(tenant, admin, slack):
    tenant.test(admin, slack.id, lambda creds: (False, "down"))
    assert tenant.get(slack.id).status == "error"
    tenant.test(admin, slack.id, lambda creds: (True, "up again"))
    after = tenant.get(slack.id)
    assert after.status == "connected"
    assert [e.action for e in tenant.activity(slack.id)][:2] == ["test_success", "test_failed"]


def test_success_after_mark_error_brings_it_back_too(tenant, admin, slack):
    tenant.mark_error(admin, slack.id, "rate limited")
    tenant.test(admin, slack.id, lambda creds: (True, "ok"))
    assert tenant.get(slack.id).status == "connected"


def test_test_of_a_disconnected_integration_is_failed_precondition(tenant, admin, slack):
    tenant.disconnect(admin, slack.id)
    called = []
    with pytest.raises(lv.FailedPrecondition):
        tenant.test(admin, slack.id, lambda creds: called.append(1) or (True, "ok"))
    assert called == []


def test_tester_must_be_callable(tenant, admin, slack):
    with pytest.raises(lv.InvalidArgument):
        tenant.test(admin, slack.id, "not callable")


def test_unicode_and_nul_in_messages(tenant, admin, slack):
    result = tenant.test(admin, slack.id, lambda creds: (False, "Fehler: ungültig ✗\0tail"))
    assert result.success is False
    assert result.message.startswith("Fehler: ungültig ✗")
    assert tenant.get(slack.id).last_error == result.message


def test_long_message_is_cut_on_a_character_boundary(tenant, admin, slack):
    # The library keeps a bounded prefix (4 KiB today) of a tester's message.
    message = "é" * 100_000
    result = tenant.test(admin, slack.id, lambda creds: (False, message))
    assert result.success is False
    assert 0 < len(result.message) < len(message)
    assert message.startswith(result.message)
    assert tenant.get(slack.id).last_error == result.message


def test_huge_message_keeps_the_verdict(tenant, admin, slack):
    result = tenant.test(admin, slack.id, lambda creds: (True, "ok " * 1_000_000))
    assert result.success is True
    assert result.message.startswith("ok ok")
    assert tenant.get(slack.id).status == "connected"


def test_keyboard_interrupt_in_the_tester_is_recorded_then_raised(tenant, admin, slack):
    def tester(creds):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tenant.test(admin, slack.id, tester)
    assert tenant.get(slack.id).status == "error"
    assert tenant.activity(slack.id)[0].action == "test_failed"


def test_tester_may_call_back_into_the_vault(tenant, admin, slack):
    def tester(creds):
        # a read and a change on the same vault from inside the callback
        assert tenant.get(slack.id).id == slack.id
        tenant.update_credentials(admin, slack.id, {"bot_token": creds["bot_token"] + "-x"})
        return True, "re-entered"

    assert tenant.test(admin, slack.id, tester) == lv.TestResult(True, "re-entered")
    assert tenant.reveal_credentials(admin, slack.id) == {"bot_token": SLACK_TOKEN + "-x"}


def test_tester_runs_on_the_calling_thread_and_survives_gc(tenant, admin, slack):
    threads = []

    def tester(creds):
        gc.collect()  # the callback object must stay alive during the call
        threads.append(threading.get_ident())
        return True, "ok"

    for _ in range(20):
        assert tenant.test(admin, slack.id, tester).success
    assert set(threads) == {threading.get_ident()}


def test_error_from_the_library_inside_a_tester_does_not_leak_out(tenant, admin, slack):
    def tester(creds):
        tenant.get("does-not-exist")  # raises NotFound inside the callback
        return True, "unreachable"

    result = tenant.test(admin, slack.id, tester)
    assert result.success is False
    assert "NotFound" in result.message
