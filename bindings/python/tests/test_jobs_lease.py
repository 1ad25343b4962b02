"""Lease expiry with real time: 200 ms leases and real sleeps (Python and the
C ABI run on the system clock).

A worker that stops renewing its lease loses the job: claim_job or
recover_expired_jobs puts it back (or fails it on its last attempt), another
worker takes it, and the slow worker's late heartbeat or completion is a
Conflict — the job completes exactly once. Until someone recovers it, the late
holder may still finish.
"""

import time

import pytest

import linkvault as lv

LEASE = 0.2
PAST_THE_LEASE = 0.35


@pytest.fixture
def job(tenant, admin, slack):
    return tenant.enqueue_sync(admin, slack.id, "full_import", max_attempts=3)


def actions(tenant, integration_id):
    return [entry.action for entry in reversed(tenant.activity(integration_id, limit=1000))]


def test_a_reclaimed_job_refuses_the_slow_worker_and_completes_once(vault, tenant, slack, job):
    first = vault.claim_job("slow-worker", lease_seconds=LEASE)
    assert first.id == job.id
    vault.heartbeat(job.id, "slow-worker", processed=10, total=100)
    time.sleep(PAST_THE_LEASE)

    second = vault.claim_job("fast-worker", lease_seconds=30)  # recovers, then claims
    assert second.id == job.id
    assert (second.attempt, second.worker_id, second.status) == (2, "fast-worker", "running")

    with pytest.raises(lv.Conflict):
        vault.heartbeat(job.id, "slow-worker", processed=20, total=100)
    with pytest.raises(lv.Conflict):
        vault.complete_job(job.id, "slow-worker", summary={"by": "slow"})
    with pytest.raises(lv.Conflict):
        vault.fail_job(job.id, "slow-worker", "I was late")
    assert tenant.get_job(job.id).worker_id == "fast-worker"

    vault.heartbeat(job.id, "fast-worker", processed=100, total=100)
    done = vault.complete_job(job.id, "fast-worker", summary={"by": "fast"})
    assert (done.status, done.worker_id) == ("completed", "fast-worker")
    assert done.summary == {"by": "fast"}

    with pytest.raises(lv.FailedPrecondition):  # finished: not running any more
        vault.complete_job(job.id, "slow-worker")
    assert tenant.get_job(job.id) == done
    history = actions(tenant, slack.id)
    assert history.count("sync_started") == 2
    assert history.count("sync_completed") == 1
    assert "sync_failed" not in history


def test_recover_expired_jobs_puts_an_expired_job_back(vault, tenant, slack, job):
    vault.claim_job("worker-1", lease_seconds=LEASE)
    assert vault.recover_expired_jobs() == 0  # the lease still runs
    time.sleep(PAST_THE_LEASE)
    assert vault.recover_expired_jobs() == 1
    recovered = tenant.get_job(job.id)
    assert recovered.status == "pending"
    assert recovered.error == "lease expired"
    assert recovered.attempt == 1
    assert recovered.run_after <= tenant.get_job(job.id).updated_at  # due at once
    assert vault.recover_expired_jobs() == 0
    with pytest.raises(lv.FailedPrecondition):  # pending now: nobody holds it
        vault.heartbeat(job.id, "worker-1", processed=1)
    again = vault.claim_job("worker-2", lease_seconds=30)
    assert (again.id, again.attempt) == (job.id, 2)


def test_an_expired_last_attempt_fails(vault, tenant, admin, slack):
    job = tenant.enqueue_sync(admin, slack.id, "full_import", max_attempts=1)
    vault.claim_job("worker-1", lease_seconds=LEASE)
    time.sleep(PAST_THE_LEASE)
    assert vault.recover_expired_jobs() == 1
    failed = tenant.get_job(job.id)
    assert (failed.status, failed.outcome, failed.error) == ("failed", "failed", "lease expired")
    assert failed.completed_at is not None
    assert tenant.get(slack.id).last_sync_status == "failed"
    assert actions(tenant, slack.id)[-1] == "sync_failed"
    assert vault.claim_job("worker-2") is None


def test_claim_recovers_an_expired_last_attempt_and_finds_nothing(vault, tenant, admin, slack):
    job = tenant.enqueue_sync(admin, slack.id, "full_import", max_attempts=1)
    vault.claim_job("worker-1", lease_seconds=LEASE)
    time.sleep(PAST_THE_LEASE)
    assert vault.claim_job("worker-2") is None
    assert tenant.get_job(job.id).status == "failed"
    assert vault.recover_expired_jobs() == 0


def test_an_expired_job_whose_cancel_was_requested_is_cancelled(vault, tenant, admin, slack, job):
    vault.claim_job("worker-1", lease_seconds=LEASE)
    tenant.cancel_job(admin, job.id)
    time.sleep(PAST_THE_LEASE)
    assert vault.recover_expired_jobs() == 1
    assert tenant.get_job(job.id).status == "cancelled"
    assert actions(tenant, slack.id)[-1] == "sync_cancelled"
    assert vault.claim_job("worker-2") is None


def test_a_late_holder_may_still_finish_until_someone_recovers_the_job(vault, tenant, slack, job):
    vault.claim_job("worker-1", lease_seconds=LEASE)
    time.sleep(PAST_THE_LEASE)
    renewed = vault.heartbeat(job.id, "worker-1", processed=50, total=100, lease_seconds=30)
    assert renewed.status == "running"
    assert renewed.lease_until > tenant.get_job(job.id).updated_at
    assert vault.recover_expired_jobs() == 0  # the renewed lease runs again
    assert vault.claim_job("worker-2") is None
    assert vault.complete_job(job.id, "worker-1").status == "completed"
    assert actions(tenant, slack.id).count("sync_started") == 1


def test_a_late_holder_may_complete_without_a_heartbeat(vault, tenant, slack, job):
    vault.claim_job("worker-1", lease_seconds=LEASE)
    time.sleep(PAST_THE_LEASE)
    assert vault.complete_job(job.id, "worker-1").status == "completed"
    assert vault.recover_expired_jobs() == 0
    assert tenant.get_job(job.id).status == "completed"


def test_heartbeats_keep_a_lease_alive_past_its_first_length(vault, tenant, job):
    vault.claim_job("worker-1", lease_seconds=1.0)
    for processed in range(1, 6):  # 1.5 s in all, a heartbeat every 0.3 s
        time.sleep(0.3)
        vault.heartbeat(job.id, "worker-1", processed=processed, total=5)
    assert vault.claim_job("worker-2") is None
    assert vault.recover_expired_jobs() == 0
    assert vault.complete_job(job.id, "worker-1").attempt == 1
