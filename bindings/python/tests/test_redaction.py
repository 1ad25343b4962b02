"""A tester's message that quotes a credential value is redacted before it is
stored (last_error, the activity log) and in the returned TestResult
(docs/SEMANTICS.md, test): each value of 4 bytes or more becomes "••••"."""

import json

import pytest

import linkvault as lv

from conftest import SLACK_TOKEN

MARK = "\u2022" * 4


def quoting(token):
    # The token alone, inside a longer word, and twice.
    return "401 for %s; retry x%sy" % (token, token)


EXPECTED = "401 for %s; retry x%sy" % (MARK, MARK)


@pytest.mark.parametrize("success", [False, True], ids=["failure", "pass"])
def test_returned_message_is_redacted(tenant, admin, slack, success):
    result = tenant.test(admin, slack.id, lambda creds: (success, quoting(creds["bot_token"])))
    assert result == lv.TestResult(success, EXPECTED)
    entry = tenant.activity(slack.id, limit=1)[0]
    assert entry.action == ("test_success" if success else "test_failed")
    assert SLACK_TOKEN not in json.dumps(entry.details)
    assert entry.details == {"message": EXPECTED}
    integration = tenant.get(slack.id)
    assert integration.last_error == (None if success else EXPECTED)


def test_raising_tester_message_is_redacted(tenant, admin, slack):
    def tester(creds):
        raise RuntimeError(quoting(creds["bot_token"]))

    result = tenant.test(admin, slack.id, tester)
    assert result == lv.TestResult(False, "RuntimeError: " + EXPECTED)
    assert tenant.get(slack.id).last_error == "RuntimeError: " + EXPECTED
    assert tenant.activity(slack.id, limit=1)[0].details == {"message": "RuntimeError: " + EXPECTED}


def test_every_field_is_redacted_and_short_values_are_not(tenant, admin):
    integration = tenant.connect(admin, "lightblue", {"username": "bob", "password": "hunter22"})
    result = tenant.test(admin, integration.id,
                         lambda creds: (False, "user bob, password hunter22, bobhunter22"))
    # "bob" is under the 4-byte minimum and stays.
    assert result.message == "user bob, password %s, bob%s" % (MARK, MARK)
    assert tenant.get(integration.id).last_error == result.message


def test_a_message_quoting_the_credentials_json_is_redacted(tenant, admin):
    secret = 'pa"ss\\word-1234'
    integration = tenant.connect(admin, "slack", {"bot_token": secret})
    result = tenant.test(admin, integration.id, lambda creds: (False, "got " + json.dumps(creds)))
    assert result.message == 'got {"bot_token": "%s"}' % MARK
