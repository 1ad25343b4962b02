"""valid_credentials, expiring and refresh_expiring (issue 10, "Token refresh").

The refresher is a fake token endpoint (oauth_support.CountingRefresher);
everything else is the real vault. Each test names one rule of the
contract: when the refresher is called, what is stored and logged, and how
permanent and transient failures, the cooldown, force and the five-failure
budget behave.
"""

from datetime import datetime, timedelta, timezone

import pytest

import linkvault as lv
from oauth_support import (NEW_ACCESS, NEW_REFRESH, OLD_ACCESS, OLD_REFRESH, CountingRefresher,
                           actions, connect_oauth, register_acme, utc_now)

MILLISECOND = timedelta(milliseconds=1)


@pytest.fixture
def acme(vault):
    return register_acme(vault)


@pytest.fixture
def expiring(acme, tenant, admin):
    """acme_oauth whose token expires in a minute: inside the default margin."""
    return connect_oauth(tenant, admin, expires_in_seconds=60)


def test_permanent_refresh_error_is_a_host_exception_not_a_library_error():
    assert issubclass(lv.PermanentRefreshError, Exception)
    assert not issubclass(lv.PermanentRefreshError, lv.Error)
    assert "PermanentRefreshError" in lv.__all__


# -- fresh tokens -----------------------------------------------------------

def test_a_fresh_token_is_returned_without_calling_the_refresher(acme, tenant, admin):
    fresh = connect_oauth(tenant, admin, expires_in_seconds=3600)
    assert fresh.last_used_at is None
    refresher = CountingRefresher()
    before = utc_now()
    credentials = tenant.valid_credentials(admin, fresh.id, refresher)
    assert credentials == {"access_token": OLD_ACCESS, "refresh_token": OLD_REFRESH}
    assert refresher.calls == 0
    after = tenant.get(fresh.id)
    assert after.last_used_at is not None
    assert before - MILLISECOND <= after.last_used_at <= utc_now() + MILLISECOND
    assert after.refresh_count == 0
    assert actions(tenant, fresh.id) == ["connected"]  # a use is not logged


def test_a_token_without_expiry_is_never_refreshed(acme, tenant, admin):
    forever = connect_oauth(tenant, admin, expires_in_seconds=None)
    refresher = CountingRefresher()
    assert tenant.valid_credentials(admin, forever, refresher)["access_token"] == OLD_ACCESS
    assert refresher.calls == 0


def test_the_margin_decides_what_is_expiring(tenant, admin, expiring):
    refresher = CountingRefresher()
    # Expires in 60 s: fresh for a 30-second margin, expiring for the default.
    assert tenant.valid_credentials(admin, expiring.id, refresher, margin_seconds=30)[
        "access_token"] == OLD_ACCESS
    assert refresher.calls == 0
    assert tenant.valid_credentials(admin, expiring.id, refresher)["access_token"] == NEW_ACCESS
    assert refresher.calls == 1


def test_force_refreshes_a_fresh_token(acme, tenant, admin):
    fresh = connect_oauth(tenant, admin, expires_in_seconds=3600)
    refresher = CountingRefresher()
    assert tenant.valid_credentials(admin, fresh.id, refresher, force=True)[
        "access_token"] == NEW_ACCESS
    assert refresher.calls == 1


# -- a successful refresh -----------------------------------------------------

def test_an_expiring_token_is_refreshed_once_and_stored_before_it_is_returned(
        tenant, admin, expiring):
    refresher = CountingRefresher({"access_token": NEW_ACCESS, "expires_in": 3600})
    before = utc_now()
    credentials = tenant.valid_credentials(admin, expiring.id, refresher)
    after_call = utc_now()
    assert refresher.received == [{"access_token": OLD_ACCESS, "refresh_token": OLD_REFRESH}]
    assert credentials == {"access_token": NEW_ACCESS, "refresh_token": OLD_REFRESH}
    # Durable: what the vault holds now is the new token.
    assert tenant.reveal_credentials(admin, expiring.id) == credentials
    refreshed = tenant.get(expiring.id)
    assert refreshed.status == "connected"
    assert refreshed.refresh_count == 1
    assert before - MILLISECOND <= refreshed.last_refreshed_at <= after_call + MILLISECOND
    assert (before + timedelta(seconds=3600) - MILLISECOND <= refreshed.expires_at
            <= after_call + timedelta(seconds=3600) + MILLISECOND)
    assert refreshed.last_error is None
    assert actions(tenant, expiring.id)[-2:] == ["token_refreshed", "credentials_revealed"]
    # Fresh now: the next call does not refresh again.
    assert tenant.valid_credentials(admin, expiring.id, refresher) == credentials
    assert refresher.calls == 1


def test_a_rotated_refresh_token_is_saved(tenant, admin, expiring):
    refresher = CountingRefresher({"access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH,
                                   "expires_in": 3600, "token_type": "Bearer", "scope": "read"})
    credentials = tenant.valid_credentials(admin, expiring.id, refresher)
    assert credentials == {"access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH}
    assert tenant.reveal_credentials(admin, expiring.id) == credentials


def test_an_omitted_or_null_refresh_token_keeps_the_stored_one(tenant, admin, expiring):
    tenant.valid_credentials(admin, expiring.id, CountingRefresher(
        {"access_token": NEW_ACCESS, "refresh_token": None, "expires_in": 60}))
    assert tenant.reveal_credentials(admin, expiring.id)["refresh_token"] == OLD_REFRESH
    tenant.valid_credentials(admin, expiring.id, CountingRefresher(
        {"access_token": "third-access-token-03", "expires_in": 60}))
    assert tenant.reveal_credentials(admin, expiring.id) == {
        "access_token": "third-access-token-03", "refresh_token": OLD_REFRESH}
    assert tenant.get(expiring.id).refresh_count == 2


@pytest.mark.parametrize("kind", ["datetime", "epoch"])
def test_expires_at_may_be_an_aware_datetime_or_epoch_seconds(tenant, admin, expiring, kind):
    target = datetime(2031, 5, 6, 7, 8, 9, 123000, tzinfo=timezone.utc)
    value = target if kind == "datetime" else target.timestamp()
    tenant.valid_credentials(admin, expiring.id, CountingRefresher(
        {"access_token": NEW_ACCESS, "expires_at": value}))
    assert tenant.get(expiring.id).expires_at == target


def test_an_answer_without_expiry_does_not_expire(tenant, admin, expiring):
    tenant.valid_credentials(admin, expiring.id, CountingRefresher({"access_token": NEW_ACCESS}))
    assert tenant.get(expiring.id).expires_at is None
    assert tenant.expiring(within_seconds=31536000) == []


# -- permanent failures -------------------------------------------------------

def test_a_permanent_failure_sets_error_and_is_upstream(tenant, admin, expiring):
    refresher = CountingRefresher(error=lv.PermanentRefreshError("invalid_grant: revoked"))
    with pytest.raises(lv.UpstreamError):
        tenant.valid_credentials(admin, expiring.id, refresher)
    failed = tenant.get(expiring.id)
    assert failed.status == "error"
    assert "invalid_grant" in failed.last_error
    assert failed.refresh_count == 0
    assert actions(tenant, expiring.id)[-1] == "token_refresh_failed"
    # Nothing was lost: the old tokens are still there.
    assert tenant.reveal_credentials(admin, expiring.id) == {
        "access_token": OLD_ACCESS, "refresh_token": OLD_REFRESH}
    # In error: no refresh without force, and the refresher is not called.
    with pytest.raises(lv.FailedPrecondition):
        tenant.valid_credentials(admin, expiring.id, refresher)
    assert refresher.calls == 1


def test_force_retries_an_integration_in_error_and_a_success_reconnects_it(
        tenant, admin, expiring):
    with pytest.raises(lv.UpstreamError):
        tenant.valid_credentials(admin, expiring.id,
                                 CountingRefresher(error=lv.PermanentRefreshError("revoked")))
    assert tenant.get(expiring.id).status == "error"
    credentials = tenant.valid_credentials(admin, expiring.id, CountingRefresher(), force=True)
    assert credentials["access_token"] == NEW_ACCESS
    recovered = tenant.get(expiring.id)
    assert recovered.status == "connected"
    assert recovered.last_error is None


# -- transient failures, cooldown, force, the budget -------------------------

def test_a_transient_failure_is_upstream_then_a_cooldown_without_calls(
        tenant, admin, expiring):
    failing = CountingRefresher(error=TimeoutError("token endpoint timed out"))
    with pytest.raises(lv.UpstreamError):
        tenant.valid_credentials(admin, expiring.id, failing)
    failed = tenant.get(expiring.id)
    assert failed.status == "connected"  # one transient failure is not fatal
    assert "timed out" in failed.last_error
    assert actions(tenant, expiring.id)[-1] == "token_refresh_failed"
    # The cooldown: raises at once, the refresher is not called.
    healthy = CountingRefresher()
    with pytest.raises(lv.UpstreamError):
        tenant.valid_credentials(admin, expiring.id, healthy)
    assert healthy.calls == 0
    assert failing.calls == 1
    # force bypasses the cooldown.
    assert tenant.valid_credentials(admin, expiring.id, healthy, force=True)[
        "access_token"] == NEW_ACCESS
    assert healthy.calls == 1
    assert tenant.get(expiring.id).last_error is None


@pytest.mark.parametrize("answer, said", [
    ("not a dict", "dict"),
    ({"refresh_token": NEW_REFRESH}, "access_token"),
    ({"access_token": 5}, "access_token"),
    ({"access_token": NEW_ACCESS, "expires_in": "3600"}, "expires_in"),
    ({"access_token": NEW_ACCESS, "expires_at": datetime(2031, 1, 1)}, "expires_at"),
])
def test_a_malformed_answer_is_a_transient_failure_that_says_why(
        tenant, admin, expiring, answer, said):
    with pytest.raises(lv.UpstreamError):
        tenant.valid_credentials(admin, expiring.id, lambda credentials: answer)
    failed = tenant.get(expiring.id)
    assert failed.status == "connected"
    assert said in failed.last_error
    assert tenant.reveal_credentials(admin, expiring.id)["access_token"] == OLD_ACCESS


def test_an_answer_the_library_refuses_is_a_transient_failure(tenant, admin, expiring):
    with pytest.raises(lv.UpstreamError):
        tenant.valid_credentials(admin, expiring.id, lambda credentials: {"access_token": ""})
    failed = tenant.get(expiring.id)
    assert failed.status == "connected"
    assert failed.last_error
    assert tenant.reveal_credentials(admin, expiring.id)["access_token"] == OLD_ACCESS


def fail_forced(tenant, admin, integration, times):
    for _ in range(times):
        with pytest.raises(lv.UpstreamError):
            tenant.valid_credentials(admin, integration.id,
                                     CountingRefresher(error=ConnectionError("reset")),
                                     force=True)


def test_the_fifth_consecutive_transient_failure_sets_error(tenant, admin, expiring):
    fail_forced(tenant, admin, expiring, 4)
    assert tenant.get(expiring.id).status == "connected"
    fail_forced(tenant, admin, expiring, 1)
    failed = tenant.get(expiring.id)
    assert failed.status == "error"
    assert "reset" in failed.last_error
    assert actions(tenant, expiring.id).count("token_refresh_failed") == 5


def test_a_success_resets_the_failure_count(tenant, admin, expiring):
    fail_forced(tenant, admin, expiring, 4)
    tenant.valid_credentials(admin, expiring.id, CountingRefresher(), force=True)
    fail_forced(tenant, admin, expiring, 4)
    assert tenant.get(expiring.id).status == "connected"  # 4, not 8
    fail_forced(tenant, admin, expiring, 1)
    assert tenant.get(expiring.id).status == "error"


def test_keyboard_interrupt_in_a_refresher_is_recorded_then_re_raised(tenant, admin, expiring):
    def interrupted(credentials):
        raise KeyboardInterrupt()

    with pytest.raises(KeyboardInterrupt):
        tenant.valid_credentials(admin, expiring.id, interrupted)
    assert "KeyboardInterrupt" in tenant.get(expiring.id).last_error
    assert actions(tenant, expiring.id)[-1] == "token_refresh_failed"


# -- who may, and on what ------------------------------------------------------

def test_a_member_may_not_and_the_refresher_is_not_called(tenant, member, expiring):
    refresher = CountingRefresher()
    with pytest.raises(lv.PermissionDenied):
        tenant.valid_credentials(member, expiring.id, refresher)
    assert refresher.calls == 0
    assert tenant.get(expiring.id).last_used_at is None


def test_the_system_actor_may(tenant, system, expiring):
    assert tenant.valid_credentials(system, expiring.id, CountingRefresher())[
        "access_token"] == NEW_ACCESS


def test_a_disconnected_integration_is_failed_precondition(tenant, admin, expiring):
    tenant.disconnect(admin, expiring.id)
    refresher = CountingRefresher()
    with pytest.raises(lv.FailedPrecondition):
        tenant.valid_credentials(admin, expiring.id, refresher)
    assert refresher.calls == 0


def test_another_tenants_integration_is_not_found(other_tenant, admin, expiring):
    refresher = CountingRefresher()
    with pytest.raises(lv.NotFound):
        other_tenant.valid_credentials(admin, expiring.id, refresher)
    assert refresher.calls == 0


def test_bad_arguments_are_refused_before_the_call(tenant, admin, expiring):
    refresher = CountingRefresher()
    for call in (
        lambda: tenant.valid_credentials(admin, expiring.id, None),
        lambda: tenant.valid_credentials(admin, expiring.id, refresher, margin_seconds="900"),
        lambda: tenant.valid_credentials(admin, expiring.id, refresher, margin_seconds=1.5),
        lambda: tenant.valid_credentials(admin, expiring.id, refresher, margin_seconds=-1),
        lambda: tenant.valid_credentials(admin, expiring.id, refresher, force="yes"),
        lambda: tenant.valid_credentials(admin, expiring.id, refresher, lease_seconds=None),
        lambda: tenant.valid_credentials(admin, expiring.id, refresher, lease_seconds=0),
        lambda: tenant.valid_credentials(admin, expiring.id, refresher,
                                         max_wait_seconds=float("nan")),
        lambda: tenant.valid_credentials("admin", expiring.id, refresher),
        lambda: tenant.valid_credentials(admin, 5, refresher),
    ):
        with pytest.raises(lv.InvalidArgument):
            call()
    assert refresher.calls == 0
    assert tenant.get(expiring.id).refresh_count == 0


# -- expiring -----------------------------------------------------------------

def test_expiring_lists_connected_tokens_in_the_window_soonest_first(acme, tenant, other_tenant,
                                                                    admin):
    in_ten_minutes = connect_oauth(tenant, admin, expires_in_seconds=600, name="ten")
    in_a_minute = connect_oauth(tenant, admin, expires_in_seconds=60, name="one")
    expired = connect_oauth(tenant, admin, expires_in_seconds=-60, name="gone")
    in_an_hour = connect_oauth(tenant, admin, expires_in_seconds=3600, name="hour")
    connect_oauth(tenant, admin, expires_in_seconds=None, name="forever")
    disconnected = connect_oauth(tenant, admin, expires_in_seconds=30, name="off")
    tenant.disconnect(admin, disconnected.id)
    connect_oauth(other_tenant, admin, expires_in_seconds=30, name="theirs")

    assert [i.id for i in tenant.expiring()] == [expired.id, in_a_minute.id, in_ten_minutes.id]
    assert [i.id for i in tenant.expiring(within_seconds=7200)] == [
        expired.id, in_a_minute.id, in_ten_minutes.id, in_an_hour.id]
    assert [i.id for i in tenant.expiring(within_seconds=0)] == [expired.id]
    assert all(isinstance(i, lv.Integration) for i in tenant.expiring())
    with pytest.raises(lv.InvalidArgument):
        tenant.expiring(within_seconds="900")
    with pytest.raises(lv.InvalidArgument):
        tenant.expiring(within_seconds=-1)


# -- refresh_expiring -------------------------------------------------------------

def test_refresh_expiring_sweeps_every_tenant_and_counts(acme, vault, tenant, other_tenant,
                                                        admin):
    ours = connect_oauth(tenant, admin, expires_in_seconds=60, name="ours")
    theirs = connect_oauth(other_tenant, admin, expires_in_seconds=120, name="theirs")
    doomed = connect_oauth(tenant, admin, expires_in_seconds=90, name="doomed",
                           refresh="refresh-that-fails")
    fresh = connect_oauth(tenant, admin, expires_in_seconds=3600, name="fresh")
    calendar = tenant.connect(admin, "google_calendar", {"access_token": "ya29.calendar-0001"},
                              expires_at=utc_now() + timedelta(seconds=60))
    calls = []

    def refresher(credentials):
        calls.append(credentials["refresh_token"])
        if credentials["refresh_token"] == "refresh-that-fails":
            raise ConnectionError("token endpoint unreachable")
        return {"access_token": NEW_ACCESS, "expires_in": 3600}

    report = vault.refresh_expiring({"acme_oauth": refresher})
    assert report == {"refreshed": 2, "failed": 1, "skipped": 1}
    assert sorted(calls) == sorted([OLD_REFRESH, OLD_REFRESH, "refresh-that-fails"])
    assert tenant.get(ours.id).refresh_count == 1
    assert other_tenant.get(theirs.id).refresh_count == 1
    assert tenant.get(fresh.id).refresh_count == 0
    assert tenant.get(calendar.id).refresh_count == 0
    assert "unreachable" in tenant.get(doomed.id).last_error
    assert actions(tenant, ours.id)[-1] == "token_refreshed"
    assert actions(tenant, doomed.id)[-1] == "token_refresh_failed"

    # Again: the refreshed ones are fresh now, the failed one cools down,
    # google_calendar still has no refresher.
    calls.clear()
    assert vault.refresh_expiring({"acme_oauth": refresher}) == {
        "refreshed": 0, "failed": 0, "skipped": 2}
    assert calls == []


def test_refresh_expiring_dispatches_on_the_provider(acme, vault, tenant, admin):
    ours = connect_oauth(tenant, admin, expires_in_seconds=60)
    calendar = tenant.connect(admin, "google_calendar", {"access_token": "ya29.calendar-0001",
                                                         "refresh_token": "1//calendar-r"},
                              expires_at=utc_now() + timedelta(seconds=60))
    seen = []

    def acme_refresher(credentials):
        seen.append(("acme_oauth", credentials["access_token"]))
        return {"access_token": "acme-new-access-01", "expires_in": 3600}

    def google_refresher(credentials):
        seen.append(("google_calendar", credentials["access_token"]))
        return {"access_token": "ya29.calendar-0002", "expires_in": 3600}

    report = vault.refresh_expiring({"acme_oauth": acme_refresher,
                                     "google_calendar": google_refresher}, within_seconds=900)
    assert report == {"refreshed": 2, "failed": 0, "skipped": 0}
    assert sorted(seen) == [("acme_oauth", OLD_ACCESS), ("google_calendar", "ya29.calendar-0001")]
    assert tenant.reveal_credentials(admin, ours.id)["access_token"] == "acme-new-access-01"
    assert tenant.reveal_credentials(admin, calendar.id) == {
        "access_token": "ya29.calendar-0002", "refresh_token": "1//calendar-r"}


def test_refresh_expiring_with_no_refreshers_skips_everything(acme, vault, tenant, admin):
    connect_oauth(tenant, admin, expires_in_seconds=60)
    assert vault.refresh_expiring({}) == {"refreshed": 0, "failed": 0, "skipped": 1}


def test_refresh_expiring_window_and_arguments(acme, vault, tenant, admin):
    hour = connect_oauth(tenant, admin, expires_in_seconds=3600)
    refresher = CountingRefresher()
    assert vault.refresh_expiring({"acme_oauth": refresher}) == {
        "refreshed": 0, "failed": 0, "skipped": 0}
    assert vault.refresh_expiring({"acme_oauth": refresher}, within_seconds=7200) == {
        "refreshed": 1, "failed": 0, "skipped": 0}
    assert tenant.get(hour.id).refresh_count == 1
    for bad in (None, [("acme_oauth", refresher)], {"acme_oauth": None}, {5: refresher},
                {"acme\0oauth": refresher}):
        with pytest.raises(lv.InvalidArgument):
            vault.refresh_expiring(bad)
    with pytest.raises(lv.InvalidArgument):
        vault.refresh_expiring({"acme_oauth": refresher}, within_seconds="900")
