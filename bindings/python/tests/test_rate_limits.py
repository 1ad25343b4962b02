"""acquire and penalize: token buckets from the provider's rate_limits,
shared by every thread and process (issue 10, "Rate limits").

acquire never sleeps, so nothing here waits for a bucket to refill. Where
a returned wait depends on time passing, the bound is computed from the
time the test measured around the calls, never assumed.
"""

import json
import os
import subprocess
import sys
import time

import pytest

import linkvault as lv
from conftest import TEST_KEY, subprocess_environment
from process_helpers import run_together
from oauth_support import ACME_OAUTH, connect_oauth, register_acme

PER_MINUTE = ACME_OAUTH["rate_limits"]["per_minute"]  # 60: one token a second
PROCESSES = 3
RUN_SECONDS = 3
DEADLINE_SECONDS = 120  # a ceiling for a stalled machine, not an expectation
# blocked_until and refilled_at are kept in milliseconds.
ROUNDING = 0.01
WORKER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rate_worker.py")


@pytest.fixture
def limited(vault, tenant, admin):
    register_acme(vault)
    return connect_oauth(tenant, admin, expires_in_seconds=None)


def drain(tenant, integration, cap=100_000):
    """acquire until told to wait: (grants, the wait, seconds it took)."""
    granted = 0
    started = time.monotonic()
    for _ in range(cap):
        wait = tenant.acquire(integration.id)
        if wait > 0:
            return granted, wait, time.monotonic() - started
        assert wait == 0.0
        granted += 1
    raise AssertionError("never told to wait in %d calls" % cap)


def test_a_fresh_bucket_grants_the_limit_then_says_how_long_to_wait(tenant, limited):
    granted, wait, elapsed = drain(tenant, limited)
    # Starts full (60); refills one a second while we drain.
    assert PER_MINUTE <= granted <= PER_MINUTE + elapsed + 1
    # One token refills in at most a second.
    assert isinstance(wait, float)
    assert 0 < wait <= 1.0 + ROUNDING


def test_a_refused_acquire_takes_nothing(tenant, limited):
    assert tenant.acquire(limited.id, cost=PER_MINUTE) == 0.0  # the whole bucket at once
    started = time.monotonic()
    first = tenant.acquire(limited.id, cost=PER_MINUTE)
    second = tenant.acquire(limited.id, cost=PER_MINUTE)
    elapsed = time.monotonic() - started
    assert first > 0 and second > 0
    # The first refusal took nothing: the second waits no longer (time only passed).
    assert second <= first + ROUNDING
    assert first - elapsed - ROUNDING <= second
    assert first <= PER_MINUTE + ROUNDING


def test_penalize_blocks_for_the_retry_after(tenant, limited):
    started = time.monotonic()
    tenant.penalize(limited.id, 5)
    wait = tenant.acquire(limited.id)
    assert 5 - (time.monotonic() - started) - ROUNDING <= wait <= 5 + ROUNDING
    # A shorter Retry-After does not shorten the block; a longer one extends it.
    tenant.penalize(limited.id, 1)
    wait = tenant.acquire(limited.id)
    assert 5 - (time.monotonic() - started) - ROUNDING <= wait <= 5 + ROUNDING
    tenant.penalize(limited, 30.5)
    wait = tenant.acquire(limited)
    assert 30.5 - (time.monotonic() - started) - ROUNDING <= wait <= 30.5 + ROUNDING


def test_penalize_zero_changes_nothing(tenant, limited):
    tenant.penalize(limited.id, 0)
    assert tenant.acquire(limited.id) == 0.0


def test_cost_must_fit_the_limits(tenant, limited):
    for cost in (PER_MINUTE + 1, 0, -1, 1_000_001):
        with pytest.raises(lv.InvalidArgument):
            tenant.acquire(limited.id, cost=cost)
    for cost in ("1", 1.5, None, True, 10 ** 30):
        with pytest.raises(lv.InvalidArgument):
            tenant.acquire(limited.id, cost=cost)
    assert tenant.acquire(limited.id, cost=PER_MINUTE) == 0.0  # nothing was taken above


def test_per_hour_is_enforced_too(vault, tenant, admin):
    register_acme(vault, key="hourly_oauth", rate_limits={"per_hour": 3})
    hourly = connect_oauth(tenant, admin, provider="hourly_oauth", expires_in_seconds=None)
    granted, wait, elapsed = drain(tenant, hourly)
    assert 3 <= granted <= 3 + elapsed / 1200 + 1
    assert 0 < wait <= 1200 + ROUNDING


def test_a_provider_without_limits_always_grants_unless_penalized(vault, tenant, admin):
    spec = dict(ACME_OAUTH, key="free_oauth")
    del spec["rate_limits"]
    vault.register_provider(spec)
    free = connect_oauth(tenant, admin, provider="free_oauth", expires_in_seconds=None)
    assert all(tenant.acquire(free.id) == 0.0 for _ in range(2 * PER_MINUTE))
    assert tenant.acquire(free.id, cost=1_000_000) == 0.0
    tenant.penalize(free.id, 2)
    assert tenant.acquire(free.id) > 0


def test_buckets_are_per_integration(vault, tenant, admin, limited):
    other = connect_oauth(tenant, admin, name="second", expires_in_seconds=None)
    assert tenant.acquire(limited.id, cost=PER_MINUTE) == 0.0
    tenant.penalize(limited.id, 60)
    assert tenant.acquire(other.id, cost=PER_MINUTE) == 0.0


def test_wrong_tenant_disconnected_and_bad_arguments(tenant, other_tenant, admin, limited):
    with pytest.raises(lv.NotFound):
        other_tenant.acquire(limited.id)
    with pytest.raises(lv.NotFound):
        other_tenant.penalize(limited.id, 5)
    assert tenant.acquire(limited.id) == 0.0  # the other tenant's penalty did nothing
    for bad in (-1, 604801, float("nan"), float("inf"), "5", None, True):
        with pytest.raises(lv.InvalidArgument):
            tenant.penalize(limited.id, bad)
    with pytest.raises(lv.InvalidArgument):
        tenant.acquire(None)
    with pytest.raises(lv.InvalidArgument):
        tenant.acquire(5)
    tenant.disconnect(admin, limited.id)
    with pytest.raises(lv.FailedPrecondition):
        tenant.acquire(limited.id)


def test_three_processes_together_stay_within_the_limit(vault_path, tmp_path, tenant, limited):
    record_dir = tmp_path / "records"
    record_dir.mkdir()
    deadline = time.monotonic() + DEADLINE_SECONDS
    names = ["r%d" % number for number in range(PROCESSES)]
    workers = {
        name: subprocess.Popen(
            [sys.executable, WORKER_SCRIPT, vault_path, TEST_KEY.hex(), tenant.id, limited.id,
             str(record_dir), name, str(RUN_SECONDS)],
            env=subprocess_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name in names}
    run_together(workers, record_dir, deadline, DEADLINE_SECONDS)

    reports = [json.loads((record_dir / (name + ".json")).read_text()) for name in names]
    total = sum(report["granted"] for report in reports)
    elapsed = max(report["last"] for report in reports) - min(report["first"] for report in reports)
    # The bucket starts full and refills PER_MINUTE a minute; every process
    # was told to wait at least once, so the bucket ran dry: at least 60.
    assert all(report["waits"] > 0 for report in reports)
    assert PER_MINUTE <= total <= PER_MINUTE + PER_MINUTE * elapsed / 60 + 1, (total, elapsed)
