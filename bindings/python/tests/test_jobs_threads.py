"""Ten integrations synced at once by ten worker threads sharing one Vault
(ctypes releases the GIL, so the claims really race in the library): every
job completes, each is claimed exactly once, and the progress anyone reads is
monotone per job."""

import threading
import time
from collections import defaultdict

import linkvault as lv
from conftest import SLACK_TOKEN

INTEGRATIONS = 10
WORKERS = 10
RECORDS = 100
STEP = 10


def test_ten_workers_sync_ten_integrations_once_each(vault, admin):
    tenant = vault.tenant("acme")
    integrations = [tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, name="team-%d" % n)
                    for n in range(INTEGRATIONS)]
    jobs = [tenant.enqueue_sync(admin, integration.id, "full_import",
                                config={"records": RECORDS, "team": n})
            for n, integration in enumerate(integrations)]
    job_ids = {job.id for job in jobs}

    start = threading.Barrier(WORKERS + 1)
    lock = threading.Lock()
    claims = defaultdict(list)        # job id -> [(worker, attempt)]
    reported = defaultdict(list)      # job id -> progress the heartbeats returned
    observed = defaultdict(list)      # job id -> (status, percent, processed) get_job read
    failures = []
    workers_done = threading.Event()

    def worker(number):
        worker_id = "thread-worker-%d" % number
        try:
            start.wait()
            while True:
                job = vault.claim_job(worker_id, lease_seconds=60)
                if job is None:
                    return  # every job is claimed and none can come back (long leases)
                with lock:
                    claims[job.id].append((worker_id, job.attempt))
                total = job.config["records"]
                for processed in range(0, total + 1, STEP):
                    beat = vault.heartbeat(job.id, worker_id, processed=processed, total=total)
                    with lock:
                        reported[job.id].append((beat.progress_percent, beat.records_processed))
                done = vault.complete_job(job.id, worker_id, summary={"worker": worker_id,
                                                                      "records": total})
                assert done.status == "completed"
        except BaseException as error:  # reported by the main thread
            failures.append((worker_id, repr(error)))

    def observer():
        # Reads every job's progress while the workers write it.
        try:
            start.wait()
            while not workers_done.is_set():
                for job_id in job_ids:
                    job = tenant.get_job(job_id)
                    observed[job_id].append((job.status, job.progress_percent,
                                             job.records_processed))
                time.sleep(0.001)
        except BaseException as error:
            failures.append(("observer", repr(error)))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    watcher = threading.Thread(target=observer)
    for thread in threads + [watcher]:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    workers_done.set()
    watcher.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads + [watcher])
    assert failures == []

    # Each job claimed exactly once, on its first attempt.
    assert set(claims) == job_ids
    for job_id, holders in claims.items():
        assert len(holders) == 1, (job_id, holders)
        assert holders[0][1] == 1

    # All completed, by the worker that claimed it.
    final = {job.id: job for job in tenant.jobs(limit=1000)}
    assert set(final) == job_ids
    for job_id, job in final.items():
        assert (job.status, job.outcome, job.progress_percent) == ("completed", "success", 100)
        assert (job.records_processed, job.records_total) == (RECORDS, RECORDS)
        assert job.worker_id == claims[job_id][0][0]
        assert job.summary == {"worker": job.worker_id, "records": RECORDS}
        assert job.attempt == 1

    # Progress is monotone: as each worker saw it, and as a reader saw it.
    expected = [(percent, percent) for percent in range(0, RECORDS + 1, STEP)]
    for job_id in job_ids:
        assert reported[job_id] == expected
        readings = observed[job_id]
        for earlier, later in zip(readings, readings[1:]):
            assert later[1] >= earlier[1] and later[2] >= earlier[2], (job_id, earlier, later)

    # The log tells the same story: one start and one completion per integration.
    for integration in integrations:
        actions = [entry.action for entry in tenant.activity(integration.id, limit=100)]
        assert actions.count("sync_queued") == 1
        assert actions.count("sync_started") == 1
        assert actions.count("sync_completed") == 1
        assert tenant.get(integration.id).last_sync_status == "success"
    assert vault.recover_expired_jobs() == 0
    assert vault.verify_audit()["ok"] is True


def test_concurrent_enqueues_on_one_integration_queue_one_job(vault, admin):
    tenant = vault.tenant("acme")
    integration = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    start = threading.Barrier(WORKERS)
    outcomes = []

    def enqueue():
        start.wait()
        try:
            outcomes.append(tenant.enqueue_sync(admin, integration.id, "full_import").id)
        except lv.Conflict:
            outcomes.append("conflict")
        except BaseException as error:
            outcomes.append(repr(error))

    threads = [threading.Thread(target=enqueue) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes.count("conflict") == WORKERS - 1
    [job_id] = [outcome for outcome in outcomes if outcome != "conflict"]
    assert [job.id for job in tenant.jobs()] == [job_id]
