"""Sync jobs from Python (issue 9, DESIGN.md §7): every rule of the engine as
a host sees it through Tenant.enqueue_sync / get_job / jobs / cancel_job and
Vault.claim_job / heartbeat / complete_job / fail_job / recover_expired_jobs
/ schedule_due_syncs.

Time windows (run_after, lease_until) are checked against the wall clock read
just before and just after the call, widened by a few milliseconds for the
vault's millisecond resolution: values, not speed. Lease expiry with real
sleeps is in test_jobs_lease.py, threads and processes in their own files.
"""

import pickle
import time
import typing
from datetime import datetime, timedelta, timezone

import pytest

import linkvault as lv
from conftest import GMAIL_TOKEN, SLACK_TOKEN

JOB_TYPES = ("full_import", "incremental_sync", "export", "field_mapping_update")
UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"
# The vault keeps milliseconds; a window edge may be off by one of them.
RESOLUTION = timedelta(milliseconds=2)
AUTO_SYNC = {"auto_sync": True, "interval_minutes": 15}


def now():
    return datetime.now(timezone.utc)


def assert_within(value, low, high):
    assert value is not None
    assert low - RESOLUTION <= value <= high + RESOLUTION, (value, low, high)


def actions(tenant, integration_id=None):
    """The tenant's (or one integration's) activity actions, oldest first."""
    return [entry.action for entry in reversed(tenant.activity(integration_id, limit=1000))]


@pytest.fixture
def gmail(tenant, admin):
    return tenant.connect(admin, "gmail", {"access_token": GMAIL_TOKEN})


@pytest.fixture
def queued(tenant, admin, slack):
    """A pending full_import job on acme's slack."""
    return tenant.enqueue_sync(admin, slack.id, "full_import")


@pytest.fixture
def running(vault, queued):
    """acme's slack job, claimed by worker-1 for a minute."""
    job = vault.claim_job("worker-1", lease_seconds=60)
    assert job is not None and job.id == queued.id
    return job


def finish(vault, tenant, admin, slack, status):
    """A job of acme's slack that ended with `status`."""
    job = tenant.enqueue_sync(admin, slack.id, "full_import", max_attempts=1)
    if status == "cancelled":
        return tenant.cancel_job(admin, job.id)
    vault.claim_job("worker-1")
    if status == "completed":
        return vault.complete_job(job.id, "worker-1")
    return vault.fail_job(job.id, "worker-1", "upstream said no", retryable=False)


# ---------------------------------------------------------------- the record --

def test_enqueue_returns_a_pending_job_with_every_attribute(tenant, admin, slack):
    before = now()
    config = {"since": "2026-01-01", "folders": ["inbox", 2], "deep": {"a": None}}
    job = tenant.enqueue_sync(admin, slack.id, "full_import", config=config,
                              max_attempts=5, retry_base_seconds=10)
    after = now()
    assert isinstance(job, lv.SyncJob)
    assert set(job.to_dict()) == set(lv.SyncJob._fields)
    assert job.id and isinstance(job.id, str)
    assert job.tenant == "acme"
    assert job.integration_id == slack.id
    assert job.type == "full_import"
    assert job.status == "pending"
    assert job.config == config
    assert job.progress_percent == 0
    assert job.records_processed == 0
    assert job.records_total is None
    assert job.attempt == 0
    assert job.max_attempts == 5
    assert job.retry_base_seconds == 10
    assert_within(job.run_after, before, after)
    assert job.worker_id is None
    assert job.lease_until is None
    assert job.cancel_requested is False
    assert job.error is None
    assert job.outcome is None
    assert job.summary is None
    assert_within(job.created_at, before, after)
    assert job.started_at is None
    assert job.completed_at is None
    assert_within(job.updated_at, before, after)
    for moment in (job.run_after, job.created_at, job.updated_at):
        assert moment.utcoffset() == timedelta(0)


def test_enqueue_defaults(tenant, admin, slack):
    job = tenant.enqueue_sync(admin, slack, "export")  # the record stands for its id
    assert job.config == {}
    assert job.max_attempts == 3
    assert job.retry_base_seconds == 30


def test_a_job_record_is_a_read_only_snapshot(tenant, admin, slack):
    job = tenant.enqueue_sync(admin, slack.id, "full_import", config={"a": {"b": 1}})
    with pytest.raises(AttributeError):
        job.status = "completed"
    with pytest.raises(AttributeError):
        del job.id
    job.config["a"]["b"] = 2  # a copy: the record does not change
    assert job.config == {"a": {"b": 1}}
    assert tenant.get_job(job.id) == job
    assert pickle.loads(pickle.dumps(job)) == job
    assert "pending" in repr(job) and job.id in repr(job)


def test_sync_job_attributes_are_typed():
    hints = typing.get_type_hints(lv.SyncJob)
    for field in lv.SyncJob._fields:
        assert field in hints, field
    assert hints["lease_until"] == typing.Optional[datetime]
    assert hints["records_total"] == typing.Optional[int]
    assert "SyncJob" in lv.__all__


@pytest.mark.parametrize("job_type", JOB_TYPES)
def test_each_job_type_can_be_queued(tenant, admin, slack, job_type):
    assert tenant.enqueue_sync(admin, slack.id, job_type).type == job_type


# ------------------------------------------------------------------- enqueue --

def test_enqueue_logs_sync_queued_with_the_job_id_and_type(tenant, admin, slack):
    job = tenant.enqueue_sync(admin, slack.id, "incremental_sync")
    entry = tenant.activity(slack.id, limit=1)[0]
    assert entry.action == "sync_queued"
    assert entry.user_id == admin.user_id
    assert entry.details["job_id"] == job.id
    assert entry.details["type"] == "incremental_sync"


def test_a_member_cannot_enqueue_and_nothing_is_queued(tenant, member, slack):
    with pytest.raises(lv.PermissionDenied):
        tenant.enqueue_sync(member, slack.id, "full_import")
    assert tenant.jobs() == []
    assert "sync_queued" not in actions(tenant)


def test_a_system_actor_may_enqueue(tenant, system, slack):
    assert tenant.enqueue_sync(system, slack.id, "full_import").status == "pending"


def test_enqueue_on_an_unknown_integration_is_not_found(tenant, admin):
    with pytest.raises(lv.NotFound):
        tenant.enqueue_sync(admin, UNKNOWN_ID, "full_import")


def test_enqueue_on_another_tenants_integration_is_not_found(other_tenant, tenant, admin, slack):
    with pytest.raises(lv.NotFound):
        other_tenant.enqueue_sync(admin, slack.id, "full_import")
    assert tenant.jobs() == [] and other_tenant.jobs() == []


def test_enqueue_on_an_integration_in_error_is_a_failed_precondition(tenant, admin, slack):
    tenant.mark_error(admin, slack.id, "token revoked")
    with pytest.raises(lv.FailedPrecondition):
        tenant.enqueue_sync(admin, slack.id, "full_import")
    assert tenant.jobs() == []


def test_enqueue_on_a_disconnected_integration_is_a_failed_precondition(tenant, admin, slack):
    tenant.disconnect(admin, slack.id)
    with pytest.raises(lv.FailedPrecondition):
        tenant.enqueue_sync(admin, slack.id, "full_import")
    assert tenant.jobs() == []


def test_a_second_job_while_one_is_pending_is_a_conflict(tenant, admin, slack, queued):
    with pytest.raises(lv.Conflict):
        tenant.enqueue_sync(admin, slack.id, "export")
    assert tenant.jobs() == [queued]


def test_a_second_job_while_one_is_running_is_a_conflict(tenant, admin, slack, running):
    with pytest.raises(lv.Conflict):
        tenant.enqueue_sync(admin, slack.id, "full_import")


def test_the_conflict_is_per_integration(tenant, admin, slack, gmail, queued):
    assert tenant.enqueue_sync(admin, gmail.id, "full_import").integration_id == gmail.id


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled"])
def test_a_finished_job_makes_room_for_the_next(vault, tenant, admin, slack, status):
    assert finish(vault, tenant, admin, slack, status).status == status
    assert tenant.enqueue_sync(admin, slack.id, "incremental_sync").status == "pending"


# Rejected by the library (the Python side only checks types): each raises
# InvalidArgument and queues nothing.
LIBRARY_REFUSED_ENQUEUES = [
    ("unknown type", dict(type="nope")),
    ("type in capitals", dict(type="FULL_IMPORT")),
    ("empty type", dict(type="")),
    ("config of 64 KiB and more", dict(config={"blob": "x" * (64 * 1024)})),
    ("max_attempts 0", dict(max_attempts=0)),
    ("max_attempts 21", dict(max_attempts=21)),
    ("max_attempts negative", dict(max_attempts=-1)),
    ("retry_base_seconds negative", dict(retry_base_seconds=-1)),
    ("retry_base_seconds 3601", dict(retry_base_seconds=3601)),
]


@pytest.mark.parametrize("name,overrides", LIBRARY_REFUSED_ENQUEUES,
                         ids=[case[0] for case in LIBRARY_REFUSED_ENQUEUES])
def test_enqueue_rejects_bad_values(tenant, admin, slack, name, overrides):
    arguments = dict(type="full_import")
    arguments.update(overrides)
    job_type = arguments.pop("type")
    with pytest.raises(lv.InvalidArgument):
        tenant.enqueue_sync(admin, slack.id, job_type, **arguments)
    assert tenant.jobs() == []


@pytest.mark.parametrize("max_attempts,retry_base_seconds", [(1, 0), (20, 3600)])
def test_enqueue_accepts_the_edges_of_the_ranges(tenant, admin, slack, max_attempts,
                                                 retry_base_seconds):
    job = tenant.enqueue_sync(admin, slack.id, "full_import", max_attempts=max_attempts,
                              retry_base_seconds=retry_base_seconds)
    assert (job.max_attempts, job.retry_base_seconds) == (max_attempts, retry_base_seconds)


# --------------------------------------------------------------- get and list --

def test_get_job_of_an_unknown_id_is_not_found(tenant):
    with pytest.raises(lv.NotFound):
        tenant.get_job(UNKNOWN_ID)


def test_another_tenants_job_is_not_found(vault, tenant, other_tenant, admin, queued):
    with pytest.raises(lv.NotFound):
        other_tenant.get_job(queued.id)
    with pytest.raises(lv.NotFound):
        other_tenant.cancel_job(admin, queued.id)
    with pytest.raises(lv.NotFound):
        other_tenant.jobs(before=queued.id)
    with pytest.raises(lv.NotFound):
        other_tenant.jobs(integration_id=queued.integration_id)
    assert other_tenant.jobs() == []
    assert tenant.get_job(queued.id).status == "pending"


def test_reads_are_open_to_members(tenant, member, queued):
    assert tenant.get_job(queued.id) == queued
    assert tenant.jobs() == [queued]


@pytest.fixture
def three_jobs(tenant, admin, slack, gmail):
    """Three jobs on three integrations, oldest first; the first one running."""
    tave = tenant.connect(admin, "tave", {"api_key": "tave-api-key-123456"})
    jobs = [tenant.enqueue_sync(admin, integration.id, "full_import")
            for integration in (slack, gmail, tave)]
    tenant.vault.claim_job("worker-1")
    return [tenant.get_job(job.id) for job in jobs]


def test_jobs_are_listed_newest_first(tenant, three_jobs):
    assert tenant.jobs() == list(reversed(three_jobs))


def test_jobs_pages_backwards_with_limit_and_before(tenant, three_jobs):
    first_page = tenant.jobs(limit=2)
    assert first_page == [three_jobs[2], three_jobs[1]]
    assert tenant.jobs(limit=2, before=first_page[-1]) == [three_jobs[0]]
    assert tenant.jobs(before=first_page[-1].id) == [three_jobs[0]]
    assert tenant.jobs(before=three_jobs[0].id) == []


def test_jobs_filters_by_integration_and_status(tenant, slack, gmail, three_jobs):
    assert tenant.jobs(integration_id=gmail.id) == [three_jobs[1]]
    assert tenant.jobs(integration_id=slack) == [three_jobs[0]]
    assert tenant.jobs(status="running") == [three_jobs[0]]
    assert tenant.jobs(status="pending") == [three_jobs[2], three_jobs[1]]
    assert tenant.jobs(status="completed") == []
    assert tenant.jobs(integration_id=slack.id, status="pending") == []


@pytest.mark.parametrize("limit", [0, -1, 1001])
def test_jobs_limit_out_of_range_is_invalid(tenant, queued, limit):
    with pytest.raises(lv.InvalidArgument):
        tenant.jobs(limit=limit)


@pytest.mark.parametrize("limit", [1, 1000])
def test_jobs_limit_edges_are_accepted(tenant, queued, limit):
    assert tenant.jobs(limit=limit) == [queued]


def test_jobs_with_an_unknown_status_is_invalid(tenant, queued):
    with pytest.raises(lv.InvalidArgument):
        tenant.jobs(status="done")


def test_jobs_before_an_unknown_job_is_not_found(tenant, queued):
    with pytest.raises(lv.NotFound):
        tenant.jobs(before=UNKNOWN_ID)


def test_jobs_of_an_unknown_integration_is_not_found(tenant, queued):
    with pytest.raises(lv.NotFound):
        tenant.jobs(integration_id=UNKNOWN_ID)


# -------------------------------------------------------------------- cancel --

def test_cancelling_a_pending_job_cancels_it_at_once(vault, tenant, admin, slack, queued):
    before = now()
    job = tenant.cancel_job(admin, queued.id)
    after = now()
    assert job.status == "cancelled"
    assert_within(job.completed_at, before, after)
    assert tenant.get_job(queued.id) == job
    entry = tenant.activity(slack.id, limit=1)[0]
    assert entry.action == "sync_cancelled"
    assert entry.details["job_id"] == queued.id
    assert vault.claim_job("worker-1") is None


def test_cancelling_a_running_job_requests_it(vault, tenant, admin, slack, running):
    job = tenant.cancel_job(admin, running.id)
    assert job.status == "running"
    assert job.cancel_requested is True
    assert job.completed_at is None
    assert "sync_cancelled" not in actions(tenant, slack.id)
    again = tenant.cancel_job(admin, running)  # asking twice is fine
    assert (again.status, again.cancel_requested) == ("running", True)


def test_the_next_heartbeat_of_a_cancel_requested_job_raises_cancelled(vault, tenant, admin, slack,
                                                                       running):
    tenant.cancel_job(admin, running.id)
    before = now()
    with pytest.raises(lv.Cancelled) as caught:
        vault.heartbeat(running.id, "worker-1", processed=5, total=10)
    after = now()
    assert caught.value.code == 12 and isinstance(caught.value, lv.Error)
    job = tenant.get_job(running.id)
    assert job.status == "cancelled"
    assert_within(job.completed_at, before, after)
    assert actions(tenant, slack.id).count("sync_cancelled") == 1
    with pytest.raises(lv.FailedPrecondition):  # it is over for the worker
        vault.complete_job(running.id, "worker-1")
    assert tenant.enqueue_sync(admin, slack.id, "full_import").status == "pending"


def test_a_failure_of_a_cancel_requested_job_is_final(vault, tenant, admin, running):
    tenant.cancel_job(admin, running.id)
    job = vault.fail_job(running.id, "worker-1", "stopped", retryable=True)
    assert job.status == "failed"
    assert job.outcome == "failed"


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled"])
def test_cancelling_a_finished_job_is_a_failed_precondition(vault, tenant, admin, slack, status):
    job = finish(vault, tenant, admin, slack, status)
    with pytest.raises(lv.FailedPrecondition):
        tenant.cancel_job(admin, job.id)
    assert tenant.get_job(job.id) == job


def test_a_member_cannot_cancel(tenant, member, queued, running):
    with pytest.raises(lv.PermissionDenied):
        tenant.cancel_job(member, running.id)
    assert tenant.get_job(running.id).cancel_requested is False


def test_a_member_cannot_cancel_a_pending_job(tenant, member, queued):
    with pytest.raises(lv.PermissionDenied):
        tenant.cancel_job(member, queued.id)
    assert tenant.get_job(queued.id).status == "pending"


def test_a_system_actor_may_cancel(tenant, system, queued):
    assert tenant.cancel_job(system, queued.id).status == "cancelled"


def test_cancelling_an_unknown_job_is_not_found(tenant, admin):
    with pytest.raises(lv.NotFound):
        tenant.cancel_job(admin, UNKNOWN_ID)


# --------------------------------------------------------------------- claim --

def test_claim_gives_the_job_to_the_worker_under_a_lease(vault, tenant, slack, queued):
    before = now()
    job = vault.claim_job("worker-1", lease_seconds=30)
    after = now()
    assert job.id == queued.id
    assert job.status == "running"
    assert job.attempt == 1
    assert job.worker_id == "worker-1"
    assert_within(job.lease_until, before + timedelta(seconds=30), after + timedelta(seconds=30))
    assert_within(job.started_at, before, after)
    assert tenant.get_job(job.id) == job
    entry = tenant.activity(slack.id, limit=1)[0]
    assert entry.action == "sync_started"
    assert entry.user_id == "worker-1"
    assert entry.details["job_id"] == job.id


def test_a_float_lease_is_kept_to_the_millisecond(vault, queued):
    before = now()
    job = vault.claim_job("worker-1", lease_seconds=2.5)
    after = now()
    assert_within(job.lease_until, before + timedelta(seconds=2.5), after + timedelta(seconds=2.5))


def test_claim_returns_none_when_nothing_is_due(vault):
    assert vault.claim_job("worker-1") is None


def test_a_job_is_claimed_once(vault, running):
    assert vault.claim_job("worker-2") is None
    assert vault.claim_job("worker-1") is None


def test_claim_takes_the_oldest_job_of_any_tenant(vault, tenant, other_tenant, admin, slack):
    globex_slack = other_tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    first = tenant.enqueue_sync(admin, slack.id, "full_import")
    second = other_tenant.enqueue_sync(admin, globex_slack.id, "full_import")
    claimed = [vault.claim_job("worker-1"), vault.claim_job("worker-2")]
    assert [(job.id, job.tenant) for job in claimed] == [(first.id, "acme"), (second.id, "globex")]


def test_claim_takes_only_the_given_types(vault, tenant, admin, slack, gmail):
    export = tenant.enqueue_sync(admin, slack.id, "export")
    full_import = tenant.enqueue_sync(admin, gmail.id, "full_import")
    assert vault.claim_job("worker-1", types=["incremental_sync"]) is None
    claimed = vault.claim_job("worker-1", types=("field_mapping_update", "full_import"))
    assert claimed.id == full_import.id
    assert vault.claim_job("worker-2", types=[]).id == export.id  # empty: any type


def test_claim_skips_a_job_that_is_not_due_yet(vault, tenant, admin, slack):
    job = tenant.enqueue_sync(admin, slack.id, "full_import", retry_base_seconds=3600)
    vault.claim_job("worker-1")
    vault.fail_job(job.id, "worker-1", "try later")
    assert tenant.get_job(job.id).status == "pending"
    assert vault.claim_job("worker-2") is None


@pytest.mark.parametrize("worker_id", ["", "w" * 129, "w\udc80", "worker\n1", "worker\x7f"],
                         ids=["empty", "129 bytes", "lone surrogate", "newline", "DEL"])
def test_claim_rejects_a_bad_worker_id(vault, queued, worker_id):
    with pytest.raises(lv.InvalidArgument):
        vault.claim_job(worker_id)
    assert vault.tenant("acme").get_job(queued.id).status == "pending"


def test_a_worker_id_may_be_128_bytes_of_utf8(vault, queued):
    worker_id = "é" * 64  # 128 bytes
    assert vault.claim_job(worker_id).worker_id == worker_id


@pytest.mark.parametrize("lease_seconds", [0, -1, 0.0009, 86400.5, 86401])
def test_claim_rejects_a_lease_out_of_range(vault, queued, lease_seconds):
    with pytest.raises(lv.InvalidArgument):
        vault.claim_job("worker-1", lease_seconds=lease_seconds)
    assert vault.tenant("acme").get_job(queued.id).status == "pending"


@pytest.mark.parametrize("lease_seconds", [0.001, 86400])
def test_claim_accepts_the_edges_of_the_lease_range(vault, queued, lease_seconds):
    assert vault.claim_job("worker-1", lease_seconds=lease_seconds).status == "running"


def test_claim_rejects_an_unknown_type(vault, queued):
    with pytest.raises(lv.InvalidArgument):
        vault.claim_job("worker-1", types=["full_import", "everything"])
    assert vault.tenant("acme").get_job(queued.id).status == "pending"


# ----------------------------------------------------------------- heartbeat --

def test_heartbeat_records_progress(vault, running):
    job = vault.heartbeat(running.id, "worker-1", processed=40, total=100)
    assert (job.records_processed, job.records_total, job.progress_percent) == (40, 100, 40)
    assert job.status == "running"
    job = vault.heartbeat(running, "worker-1", processed=1, total=3)
    assert job.progress_percent == 33  # floor
    job = vault.heartbeat(running.id, "worker-1", processed=2)  # total kept
    assert (job.records_processed, job.records_total, job.progress_percent) == (2, 3, 66)
    job = vault.heartbeat(running.id, "worker-1", total=8)  # processed kept
    assert (job.records_processed, job.records_total, job.progress_percent) == (2, 8, 25)
    job = vault.heartbeat(running.id, "worker-1")  # only the lease
    assert (job.records_processed, job.records_total, job.progress_percent) == (2, 8, 25)
    job = vault.heartbeat(running.id, "worker-1", processed=8)
    assert job.progress_percent == 100
    assert vault.tenant("acme").get_job(running.id) == job


def test_progress_without_a_total_stays_at_zero_percent(vault, running):
    job = vault.heartbeat(running.id, "worker-1", processed=7)
    assert (job.records_processed, job.records_total, job.progress_percent) == (7, None, 0)
    job = vault.heartbeat(running.id, "worker-1", processed=0, total=0)
    assert job.progress_percent == 0


def test_heartbeat_renews_the_lease_by_the_claims_length(vault, queued):
    vault.claim_job("worker-1", lease_seconds=100)
    before = now()
    job = vault.heartbeat(queued.id, "worker-1", processed=1, total=2)
    after = now()
    assert_within(job.lease_until, before + timedelta(seconds=100), after + timedelta(seconds=100))


def test_heartbeat_renews_the_lease_by_the_given_length(vault, running):
    before = now()
    job = vault.heartbeat(running.id, "worker-1", lease_seconds=600)
    after = now()
    assert_within(job.lease_until, before + timedelta(seconds=600), after + timedelta(seconds=600))
    job = vault.heartbeat(running.id, "worker-1", lease_seconds=0.5)
    assert job.lease_until < after + timedelta(seconds=5)


@pytest.mark.parametrize("progress", [
    dict(processed=-1), dict(total=-1), dict(processed=11, total=10), dict(processed=-5, total=-1),
], ids=["processed negative", "total negative", "processed above total", "both negative"])
def test_heartbeat_rejects_bad_progress(vault, running, progress):
    vault.heartbeat(running.id, "worker-1", processed=3, total=10)
    with pytest.raises(lv.InvalidArgument):
        vault.heartbeat(running.id, "worker-1", **progress)
    job = vault.tenant("acme").get_job(running.id)
    assert (job.records_processed, job.records_total, job.progress_percent) == (3, 10, 30)


def test_heartbeat_rejects_processed_above_the_stored_total(vault, running):
    vault.heartbeat(running.id, "worker-1", processed=3, total=10)
    with pytest.raises(lv.InvalidArgument):
        vault.heartbeat(running.id, "worker-1", processed=11)
    with pytest.raises(lv.InvalidArgument):
        vault.heartbeat(running.id, "worker-1", total=2)
    assert vault.tenant("acme").get_job(running.id).records_processed == 3


@pytest.mark.parametrize("lease_seconds", [0, -1, 86401])
def test_heartbeat_rejects_a_lease_out_of_range(vault, running, lease_seconds):
    with pytest.raises(lv.InvalidArgument):
        vault.heartbeat(running.id, "worker-1", lease_seconds=lease_seconds)


def test_heartbeat_of_an_unknown_job_is_not_found(vault):
    with pytest.raises(lv.NotFound):
        vault.heartbeat(UNKNOWN_ID, "worker-1", processed=1)


def test_heartbeat_of_a_pending_job_is_a_failed_precondition(vault, queued):
    with pytest.raises(lv.FailedPrecondition):
        vault.heartbeat(queued.id, "worker-1", processed=1)


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled"])
def test_heartbeat_of_a_finished_job_is_a_failed_precondition(vault, tenant, admin, slack, status):
    job = finish(vault, tenant, admin, slack, status)
    with pytest.raises(lv.FailedPrecondition):
        vault.heartbeat(job.id, "worker-1", processed=1)


def test_heartbeat_by_another_worker_is_a_conflict(vault, tenant, running):
    with pytest.raises(lv.Conflict) as caught:
        vault.heartbeat(running.id, "worker-2", processed=50, total=100)
    assert isinstance(caught.value, lv.RetryableError)
    job = tenant.get_job(running.id)
    assert (job.worker_id, job.records_processed, job.lease_until) == (
        "worker-1", 0, running.lease_until)


# ------------------------------------------------------------------ complete --

def test_complete_with_success(vault, tenant, slack, running):
    vault.heartbeat(running.id, "worker-1", processed=40, total=100)
    before = now()
    job = vault.complete_job(running.id, "worker-1", summary={"imported": 100, "skipped": []})
    after = now()
    assert job.status == "completed"
    assert job.outcome == "success"
    assert job.progress_percent == 100
    assert job.summary == {"imported": 100, "skipped": []}
    assert_within(job.completed_at, before, after)
    assert tenant.get_job(running.id) == job
    integration = tenant.get(slack.id)
    assert integration.last_sync_status == "success"
    assert_within(integration.last_sync_at, before, after)
    entry = tenant.activity(slack.id, limit=1)[0]
    assert entry.action == "sync_completed"
    assert entry.details["job_id"] == job.id


def test_complete_with_partial(vault, tenant, slack, running):
    vault.heartbeat(running.id, "worker-1", processed=40, total=100)
    job = vault.complete_job(running.id, "worker-1", outcome="partial", summary={"failed": 60})
    assert (job.status, job.outcome, job.progress_percent) == ("completed", "partial", 40)
    assert tenant.get(slack.id).last_sync_status == "partial"
    assert actions(tenant, slack.id)[-1] == "sync_completed"


@pytest.mark.parametrize("outcome", ["failed", "bogus", "", "SUCCESS"])
def test_complete_rejects_an_outcome_other_than_success_or_partial(vault, tenant, running, outcome):
    with pytest.raises(lv.InvalidArgument):
        vault.complete_job(running.id, "worker-1", outcome=outcome)
    assert tenant.get_job(running.id).status == "running"


def test_complete_rejects_a_summary_of_64_kib(vault, tenant, running):
    with pytest.raises(lv.InvalidArgument):
        vault.complete_job(running.id, "worker-1", summary={"blob": "x" * (64 * 1024)})
    assert tenant.get_job(running.id).status == "running"


def test_complete_by_another_worker_is_a_conflict(vault, tenant, running):
    with pytest.raises(lv.Conflict):
        vault.complete_job(running.id, "worker-2")
    assert tenant.get_job(running.id).status == "running"


def test_complete_of_a_pending_job_is_a_failed_precondition(vault, queued):
    with pytest.raises(lv.FailedPrecondition):
        vault.complete_job(queued.id, "worker-1")


def test_completing_twice_is_a_failed_precondition(vault, tenant, slack, running):
    vault.complete_job(running.id, "worker-1")
    with pytest.raises(lv.FailedPrecondition):
        vault.complete_job(running.id, "worker-1")
    assert actions(tenant, slack.id).count("sync_completed") == 1


def test_complete_of_an_unknown_job_is_not_found(vault):
    with pytest.raises(lv.NotFound):
        vault.complete_job(UNKNOWN_ID, "worker-1")


# ---------------------------------------------------------------------- fail --

def test_a_retryable_failure_goes_back_to_pending_after_a_backoff(vault, tenant, admin, slack):
    job = tenant.enqueue_sync(admin, slack.id, "full_import", retry_base_seconds=10)
    vault.claim_job("worker-1")
    before = now()
    job = vault.fail_job(job.id, "worker-1", "HTTP 503 from upstream")
    after = now()
    assert job.status == "pending"
    assert job.error == "HTTP 503 from upstream"
    assert job.attempt == 1
    assert job.outcome is None
    assert job.completed_at is None
    # 10 s x 2**0, +-20 %.
    assert_within(job.run_after, before + timedelta(seconds=8), after + timedelta(seconds=12))
    assert actions(tenant, slack.id)[-1] == "sync_started"  # a retry logs nothing
    assert tenant.get(slack.id).last_sync_status is None


def test_the_backoff_doubles_with_each_attempt(vault, tenant, admin, slack):
    job = tenant.enqueue_sync(admin, slack.id, "full_import", max_attempts=3,
                              retry_base_seconds=1)
    for attempt in (1, 2):
        claimed = vault.claim_job("worker-1")
        while claimed is None:  # the first retry waits 0.8-1.2 s
            pause = (tenant.get_job(job.id).run_after - now()).total_seconds()
            time.sleep(max(pause, 0) + 0.01)
            claimed = vault.claim_job("worker-1")
        assert (claimed.id, claimed.attempt) == (job.id, attempt)
        before = now()
        failed = vault.fail_job(job.id, "worker-1", "attempt %d failed" % attempt)
        after = now()
        assert failed.status == "pending"
        delay = timedelta(seconds=2 ** (attempt - 1))
        assert_within(failed.run_after, before + delay * 0.8, after + delay * 1.2)
    assert tenant.get_job(job.id).error == "attempt 2 failed"


def test_the_backoff_is_capped_at_an_hour(vault, tenant, admin, slack):
    job = tenant.enqueue_sync(admin, slack.id, "full_import", retry_base_seconds=3600)
    vault.claim_job("worker-1")
    before = now()
    job = vault.fail_job(job.id, "worker-1", "slow down")
    after = now()
    assert_within(job.run_after, before + timedelta(seconds=2880), after + timedelta(seconds=3600))


def test_the_last_attempt_fails_for_good(vault, tenant, admin, slack):
    job = tenant.enqueue_sync(admin, slack.id, "full_import", max_attempts=1)
    vault.claim_job("worker-1")
    before = now()
    job = vault.fail_job(job.id, "worker-1", "bad credentials", retryable=True)
    after = now()
    assert (job.status, job.outcome, job.error) == ("failed", "failed", "bad credentials")
    assert_within(job.completed_at, before, after)
    integration = tenant.get(slack.id)
    assert integration.last_sync_status == "failed"
    assert_within(integration.last_sync_at, before, after)
    entry = tenant.activity(slack.id, limit=1)[0]
    assert entry.action == "sync_failed"
    assert entry.details["job_id"] == job.id
    assert vault.claim_job("worker-1") is None


def test_a_failure_that_is_not_retryable_is_final(vault, tenant, slack, running):
    job = vault.fail_job(running.id, "worker-1", "schema mismatch", retryable=False)
    assert (job.status, job.outcome, job.attempt) == ("failed", "failed", 1)
    assert actions(tenant, slack.id)[-1] == "sync_failed"


@pytest.mark.parametrize("error", ["", "line one\nline two", "bell\a"],
                         ids=["empty", "newline", "control character"])
def test_fail_rejects_an_error_that_is_not_one_line_of_text(vault, tenant, running, error):
    with pytest.raises(lv.InvalidArgument):
        vault.fail_job(running.id, "worker-1", error)
    assert tenant.get_job(running.id).status == "running"


def test_fail_rejects_an_error_longer_than_4096_bytes(vault, tenant, running):
    with pytest.raises(lv.InvalidArgument):
        vault.fail_job(running.id, "worker-1", "e" * 4097)
    assert tenant.get_job(running.id).status == "running"
    assert vault.fail_job(running.id, "worker-1", "e" * 4096, retryable=False).error == "e" * 4096


def test_fail_by_another_worker_is_a_conflict(vault, tenant, running):
    with pytest.raises(lv.Conflict):
        vault.fail_job(running.id, "worker-2", "not mine")
    assert tenant.get_job(running.id).status == "running"


def test_fail_of_a_pending_job_is_a_failed_precondition(vault, queued):
    with pytest.raises(lv.FailedPrecondition):
        vault.fail_job(queued.id, "worker-1", "never ran")


def test_fail_of_an_unknown_job_is_not_found(vault):
    with pytest.raises(lv.NotFound):
        vault.fail_job(UNKNOWN_ID, "worker-1", "gone")


# ------------------------------------------------- disconnect, purge, recover --

def test_disconnect_cancels_the_pending_job(tenant, admin, slack, queued):
    tenant.disconnect(admin, slack.id)
    job = tenant.get_job(queued.id)
    assert job.status == "cancelled"
    assert job.completed_at is not None
    assert "sync_cancelled" in actions(tenant, slack.id)


def test_disconnect_asks_the_running_job_to_stop(vault, tenant, admin, slack, running):
    tenant.disconnect(admin, slack.id)
    job = tenant.get_job(running.id)
    assert (job.status, job.cancel_requested) == ("running", True)
    with pytest.raises(lv.Cancelled):
        vault.heartbeat(running.id, "worker-1", processed=1)
    assert tenant.get_job(running.id).status == "cancelled"
    assert actions(tenant, slack.id).count("sync_cancelled") == 1


def test_purge_tenant_deletes_and_counts_its_jobs(vault, tenant, other_tenant, admin, slack, gmail):
    globex_slack = other_tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    first = tenant.enqueue_sync(admin, slack.id, "full_import")
    tenant.enqueue_sync(admin, gmail.id, "full_import")
    kept = other_tenant.enqueue_sync(admin, globex_slack.id, "export")
    assert vault.claim_job("worker-1").id == first.id  # a running job goes too
    report = vault.purge_tenant(admin, "acme")
    assert report["jobs"] == 2
    with pytest.raises(lv.NotFound):
        tenant.get_job(first.id)
    assert tenant.jobs() == []
    assert other_tenant.get_job(kept.id).status == "pending"
    assert vault.claim_job("worker-2").id == kept.id


def test_recover_expired_jobs_with_nothing_running_recovers_nothing(vault, running):
    assert vault.recover_expired_jobs() == 0
    assert vault.tenant("acme").get_job(running.id).status == "running"


# ----------------------------------------------------------------- scheduling --

def test_schedule_due_syncs_queues_incremental_syncs_where_auto_sync_is_due(
        vault, tenant, other_tenant, admin):
    due = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, name="auto",
                         sync_config=AUTO_SYNC)
    tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, name="manual")
    other_due = other_tenant.connect(admin, "gmail", {"access_token": GMAIL_TOKEN},
                                     sync_config=dict(AUTO_SYNC, interval_minutes=1440))
    in_error = tenant.connect(admin, "gmail", {"access_token": GMAIL_TOKEN}, sync_config=AUTO_SYNC)
    tenant.mark_error(admin, in_error.id, "revoked")
    gone = tenant.connect(admin, "tave", {"api_key": "tave-api-key-123456"}, sync_config=AUTO_SYNC)
    tenant.disconnect(admin, gone.id)
    busy = other_tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, sync_config=AUTO_SYNC)
    manual_job = other_tenant.enqueue_sync(admin, busy.id, "export")

    jobs = vault.schedule_due_syncs()
    assert all(isinstance(job, lv.SyncJob) for job in jobs)
    assert sorted((job.tenant, job.integration_id) for job in jobs) == sorted(
        [("acme", due.id), ("globex", other_due.id)])
    assert {(job.type, job.status) for job in jobs} == {("incremental_sync", "pending")}
    assert tenant.jobs(integration_id=due.id) == [job for job in jobs if job.tenant == "acme"]
    queued_entry = tenant.activity(due.id, limit=1)[0]
    assert queued_entry.action == "sync_queued"
    assert queued_entry.details["type"] == "incremental_sync"
    assert other_tenant.jobs(integration_id=busy.id) == [manual_job]

    assert vault.schedule_due_syncs() == []  # each has its active job now


def test_a_fresh_sync_is_not_due_again_before_its_interval(vault, tenant, admin):
    tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, sync_config=AUTO_SYNC)
    [job] = vault.schedule_due_syncs()
    vault.claim_job("worker-1")
    vault.complete_job(job.id, "worker-1")
    assert vault.schedule_due_syncs() == []


def test_an_integration_that_never_synced_is_due_at_once(vault, tenant, admin):
    integration = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN},
                                 sync_config=dict(AUTO_SYNC, interval_minutes=1440))
    assert [job.integration_id for job in vault.schedule_due_syncs()] == [integration.id]


# ------------------------------------------------ arguments Python refuses --

def _deep_dict(depth=100_000):
    value = {}
    for _ in range(depth):
        value = {"k": value}
    return value


def _cyclic_dict():
    value = {}
    value["self"] = value
    return value


class _Scene:
    """What a bad call needs: a running job on slack, a free gmail."""

    def __init__(self, vault, tenant, admin, slack, gmail):
        self.vault, self.tenant, self.admin = vault, tenant, admin
        self.free = gmail
        self.job = tenant.enqueue_sync(admin, slack.id, "full_import")
        vault.claim_job("worker-1")


def _enqueue(**overrides):
    def call(scene):
        arguments = dict(actor=scene.admin, integration_id=scene.free.id, type="full_import")
        arguments.update(overrides)
        return scene.tenant.enqueue_sync(**arguments)
    return call


def _claim(**overrides):
    def call(scene):
        arguments = dict(worker_id="worker-2")
        arguments.update(overrides)
        return scene.vault.claim_job(**arguments)
    return call


def _heartbeat(**overrides):
    def call(scene):
        arguments = dict(job_id=scene.job.id, worker_id="worker-1")
        arguments.update(overrides)
        return scene.vault.heartbeat(**arguments)
    return call


def _complete(**overrides):
    def call(scene):
        arguments = dict(job_id=scene.job.id, worker_id="worker-1")
        arguments.update(overrides)
        return scene.vault.complete_job(**arguments)
    return call


def _fail(**overrides):
    def call(scene):
        arguments = dict(job_id=scene.job.id, worker_id="worker-1", error="boom")
        arguments.update(overrides)
        return scene.vault.fail_job(**arguments)
    return call


BAD_ARGUMENTS = [
    ("enqueue actor None", _enqueue(actor=None)),
    ("enqueue actor dict", _enqueue(actor={"user_id": "u", "role": "admin"})),
    ("enqueue integration_id int", _enqueue(integration_id=5)),
    ("enqueue integration_id None", _enqueue(integration_id=None)),
    ("enqueue integration_id bytes", _enqueue(integration_id=b"id")),
    ("enqueue type None", _enqueue(type=None)),
    ("enqueue type int", _enqueue(type=1)),
    ("enqueue type bytes", _enqueue(type=b"full_import")),
    ("enqueue type with NUL", _enqueue(type="full_import\0x")),
    ("enqueue config list", _enqueue(config=[1, 2])),
    ("enqueue config JSON text", _enqueue(config='{"a": 1}')),
    ("enqueue config int", _enqueue(config=5)),
    ("enqueue config int key", _enqueue(config={1: "a"})),
    ("enqueue config nested int key", _enqueue(config={"a": [{"b": {2: "c"}}]})),
    ("enqueue config tuple key", _enqueue(config={("a", "b"): 1})),
    ("enqueue config NaN", _enqueue(config={"a": float("nan")})),
    ("enqueue config infinity", _enqueue(config={"a": float("inf")})),
    ("enqueue config object", _enqueue(config={"a": object()})),
    ("enqueue config bytes", _enqueue(config={"a": b"bytes"})),
    ("enqueue config lone surrogate", _enqueue(config={"a": "\udc80"})),
    ("enqueue config 100000 deep", _enqueue(config=_deep_dict())),
    ("enqueue config cyclic", _enqueue(config=_cyclic_dict())),
    ("enqueue max_attempts str", _enqueue(max_attempts="3")),
    ("enqueue max_attempts float", _enqueue(max_attempts=3.0)),
    ("enqueue max_attempts bool", _enqueue(max_attempts=True)),
    ("enqueue max_attempts None", _enqueue(max_attempts=None)),
    ("enqueue max_attempts huge", _enqueue(max_attempts=2 ** 70)),
    ("enqueue retry_base_seconds float", _enqueue(retry_base_seconds=1.5)),
    ("enqueue retry_base_seconds None", _enqueue(retry_base_seconds=None)),
    ("enqueue retry_base_seconds bool", _enqueue(retry_base_seconds=False)),
    ("get_job None", lambda scene: scene.tenant.get_job(None)),
    ("get_job int", lambda scene: scene.tenant.get_job(5)),
    ("get_job bytes", lambda scene: scene.tenant.get_job(scene.job.id.encode())),
    ("get_job with NUL", lambda scene: scene.tenant.get_job(scene.job.id + "\0")),
    ("get_job an integration", lambda scene: scene.tenant.get_job(object())),
    ("jobs integration_id int", lambda scene: scene.tenant.jobs(integration_id=5)),
    ("jobs status int", lambda scene: scene.tenant.jobs(status=1)),
    ("jobs status list", lambda scene: scene.tenant.jobs(status=["pending"])),
    ("jobs limit str", lambda scene: scene.tenant.jobs(limit="5")),
    ("jobs limit float", lambda scene: scene.tenant.jobs(limit=5.0)),
    ("jobs limit None", lambda scene: scene.tenant.jobs(limit=None)),
    ("jobs limit bool", lambda scene: scene.tenant.jobs(limit=True)),
    ("jobs limit huge", lambda scene: scene.tenant.jobs(limit=2 ** 40)),
    ("jobs before int", lambda scene: scene.tenant.jobs(before=5)),
    ("cancel actor None", lambda scene: scene.tenant.cancel_job(None, scene.job.id)),
    ("cancel job_id None", lambda scene: scene.tenant.cancel_job(scene.admin, None)),
    ("claim worker_id None", _claim(worker_id=None)),
    ("claim worker_id int", _claim(worker_id=7)),
    ("claim worker_id bytes", _claim(worker_id=b"worker-2")),
    ("claim worker_id with NUL", _claim(worker_id="worker\0-2")),
    ("claim lease str", _claim(lease_seconds="30")),
    ("claim lease None", _claim(lease_seconds=None)),
    ("claim lease bool", _claim(lease_seconds=True)),
    ("claim lease NaN", _claim(lease_seconds=float("nan"))),
    ("claim lease infinity", _claim(lease_seconds=float("inf"))),
    ("claim lease minus infinity", _claim(lease_seconds=float("-inf"))),
    ("claim lease huge int", _claim(lease_seconds=2 ** 70)),
    ("claim types str", _claim(types="full_import")),
    ("claim types bytes", _claim(types=b"full_import")),
    ("claim types int", _claim(types=5)),
    ("claim types of int", _claim(types=[5])),
    ("claim types of None", _claim(types=[None])),
    ("heartbeat job_id None", _heartbeat(job_id=None)),
    ("heartbeat job_id int", _heartbeat(job_id=5)),
    ("heartbeat worker_id None", _heartbeat(worker_id=None)),
    ("heartbeat processed float", _heartbeat(processed=1.5)),
    ("heartbeat processed str", _heartbeat(processed="1")),
    ("heartbeat processed bool", _heartbeat(processed=True)),
    ("heartbeat processed huge", _heartbeat(processed=2 ** 64)),
    ("heartbeat total float", _heartbeat(total=10.0)),
    ("heartbeat total bool", _heartbeat(total=False)),
    ("heartbeat lease str", _heartbeat(lease_seconds="5")),
    ("heartbeat lease NaN", _heartbeat(lease_seconds=float("nan"))),
    ("heartbeat lease bool", _heartbeat(lease_seconds=True)),
    ("complete job_id None", _complete(job_id=None)),
    ("complete worker_id int", _complete(worker_id=1)),
    ("complete outcome None", _complete(outcome=None)),
    ("complete outcome bool", _complete(outcome=True)),
    ("complete summary list", _complete(summary=["done"])),
    ("complete summary str", _complete(summary="done")),
    ("complete summary int key", _complete(summary={1: "a"})),
    ("complete summary NaN", _complete(summary={"rate": float("nan")})),
    ("complete summary 100000 deep", _complete(summary=_deep_dict())),
    ("fail job_id None", _fail(job_id=None)),
    ("fail worker_id None", _fail(worker_id=None)),
    ("fail error None", _fail(error=None)),
    ("fail error int", _fail(error=503)),
    ("fail error bytes", _fail(error=b"boom")),
    ("fail error with NUL", _fail(error="bo\0om")),
    ("fail retryable str", _fail(retryable="yes")),
    ("fail retryable None", _fail(retryable=None)),
    ("fail retryable 2", _fail(retryable=2)),
]


@pytest.mark.parametrize("name,call", BAD_ARGUMENTS, ids=[case[0] for case in BAD_ARGUMENTS])
def test_bad_arguments_raise_invalid_argument_and_change_nothing(vault, tenant, admin, slack,
                                                                  gmail, name, call):
    scene = _Scene(vault, tenant, admin, slack, gmail)
    before = tenant.jobs()
    with pytest.raises(lv.InvalidArgument) as caught:
        call(scene)
    assert caught.value.code == 1
    assert str(caught.value)
    assert tenant.jobs() == before
