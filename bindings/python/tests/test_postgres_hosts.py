"""Two "hosts" sharing one PostgreSQL vault (issue 11, "Tests").

A host is a group of processes, each with its own Vault and so its own
connection pool; the two hosts' connections carry application_name host-a
and host-b. On one database:

* 4 worker processes (jobs_worker.py, 2 per host) take 500 jobs on 500
  integrations of 4 tenants. Workers are SIGKILLed at random moments —
  mid-claim, mid-heartbeat, mid-complete or idle — and each is replaced by
  a fresh process, again and again. Every job must end exactly once, proved
  as test_jobs_processes.py proves it on a file: the workers' own fsynced
  record of each acknowledged completion, the job rows (through the library
  and through raw SQL), each job's summary naming its completer, and one
  sync_completed entry per job in the verified activity chains.
* 16 threads in 4 processes (oauth_worker.py, 4 threads each, 2 processes
  per host) ask at once for one expiring token: the refresher runs once.

LINKVAULT_HOSTS_TEST_JOBS changes the job count (500 by default).
"""

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

import linkvault as lv
from conftest import SLACK_TOKEN, TEST_KEY, subprocess_environment
from oauth_support import actions, connect_oauth, register_acme
from postgres_support import query, with_parameter
from process_helpers import read_lines, run_together, wait_for

pytestmark = pytest.mark.postgres_only

HOSTS = ("host-a", "host-b")
JOBS = int(os.environ.get("LINKVAULT_HOSTS_TEST_JOBS", "500"))
TENANTS = 4
WORKERS_PER_HOST = 2
KILLS = 8
LEASE_SECONDS = 1.0   # 50 heartbeats' worth: only a dead (or badly stalled) worker loses one
STEPS = 4
STEP_SECONDS = 0.02
MAX_ATTEMPTS = 10     # a job may be hit by several kills; none may fail for it
REFRESH_PROCESSES_PER_HOST = 2
REFRESH_THREADS = 4
LIST_LIMIT = 1000      # the largest page; JOBS / TENANTS jobs and their entries fit
DEADLINE_SECONDS = 300  # a ceiling for a stalled machine, not an expectation
TESTS = os.path.dirname(os.path.abspath(__file__))
JOBS_WORKER = os.path.join(TESTS, "jobs_worker.py")
OAUTH_WORKER = os.path.join(TESTS, "oauth_worker.py")


def host_location(vault_path, host):
    """The vault as one host opens it: same database and schema, its own name."""
    return with_parameter(vault_path, "application_name", host)


class WorkerFleet:
    """The worker slots of both hosts; each slot runs one incarnation at a
    time, with its own worker id and record files."""

    def __init__(self, vault_path, record_dir, log_dir):
        self.vault_path = vault_path
        self.record_dir = record_dir
        self.log_dir = log_dir
        self.slots = ["%s-%d" % (host, number) for host in HOSTS
                      for number in range(WORKERS_PER_HOST)]
        self.running = {}     # slot -> (worker id, Popen)
        self.processes = {}   # worker id -> Popen, every incarnation
        self.logs = {}
        self.incarnations = Counter()

    def start(self, slot):
        self.incarnations[slot] += 1
        worker_id = "%s.%d" % (slot, self.incarnations[slot])
        host = slot.rsplit("-", 1)[0]
        self.logs[worker_id] = open(str(self.log_dir / (worker_id + ".log")), "w+")
        process = subprocess.Popen(
            [sys.executable, JOBS_WORKER, host_location(self.vault_path, host), TEST_KEY.hex(),
             worker_id, str(self.record_dir), str(LEASE_SECONDS), str(STEPS),
             str(STEP_SECONDS)],
            env=subprocess_environment(), stdout=self.logs[worker_id],
            stderr=subprocess.STDOUT)
        self.running[slot] = (worker_id, process)
        self.processes[worker_id] = process

    def completed_by(self, worker_id):
        return read_lines(str(self.record_dir / (worker_id + ".completed")))

    def claimed_by(self, worker_id):
        return read_lines(str(self.record_dir / (worker_id + ".claimed")))

    def total_completed(self):
        return sum(len(self.completed_by(worker_id)) for worker_id in self.processes)

    def report(self, seed):
        lines = ["seed %d" % seed]
        for worker_id, log in self.logs.items():
            log.flush()
            log.seek(0)
            lines.append("%s (exit %s): %s" % (worker_id, self.processes[worker_id].poll(),
                                                log.read()[-2000:]))
        return "\n".join(lines)

    def kill_all(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()

    def close_logs(self):
        for log in self.logs.values():
            log.close()


def test_two_hosts_killed_and_restarted_at_random_run_every_job_exactly_once(
        vault_path, tmp_path, admin):
    seed = random.randrange(2 ** 32)
    chooser = random.Random(seed)
    record_dir = tmp_path / "records"
    record_dir.mkdir()
    deadline = time.monotonic() + DEADLINE_SECONDS

    vault = lv.Vault.open(vault_path, key=TEST_KEY)
    tenants = [vault.tenant("tenant-%d" % n) for n in range(TENANTS)]
    job_ids = set()
    for number in range(JOBS):
        tenant = tenants[number % TENANTS]
        integration = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN},
                                     name="team-%d" % number)
        job_ids.add(tenant.enqueue_sync(admin, integration.id, "full_import",
                                        max_attempts=MAX_ATTEMPTS).id)

    fleet = WorkerFleet(vault_path, record_dir, tmp_path)
    killed = {}  # worker id -> the job it had claimed and not completed when killed, or None
    try:
        for slot in fleet.slots:
            fleet.start(slot)
        for after in sorted(chooser.sample(range(JOBS // 20, JOBS * 3 // 4), KILLS)):
            wait_for(lambda: fleet.total_completed() >= after, "%d completions" % after,
                     deadline)
            slot = chooser.choice(fleet.slots)
            worker_id, process = fleet.running[slot]
            time.sleep(chooser.uniform(0, 0.1))  # a random moment of its loop
            process.send_signal(signal.SIGKILL)
            assert process.wait(timeout=60) == -signal.SIGKILL, fleet.report(seed)
            claimed = fleet.claimed_by(worker_id)
            holding = claimed and claimed[-1] not in fleet.completed_by(worker_id)
            killed[worker_id] = claimed[-1] if holding else None
            fleet.start(slot)

        def drained():
            # The dead workers' leases run out; the live workers' claims
            # recover them (and so may we).
            vault.recover_expired_jobs()
            return all(job.status in ("completed", "failed", "cancelled")
                       for tenant in tenants for job in tenant.jobs(limit=LIST_LIMIT))
        wait_for(lambda: fleet.total_completed() >= JOBS - len(killed), "the workers to finish",
                 deadline)
        wait_for(drained, "the queue to drain", deadline, interval=0.2)
        (record_dir / "stop").write_text("stop")
        for worker_id, process in fleet.running.values():
            assert process.wait(timeout=60) == 0, fleet.report(seed)
    except BaseException:
        fleet.kill_all()
        print(fleet.report(seed))
        raise
    finally:
        fleet.close_logs()

    jobs = {job.id: job for tenant in tenants for job in tenant.jobs(limit=LIST_LIMIT)}
    assert set(jobs) == job_ids and len(job_ids) == JOBS
    assert {job.status for job in jobs.values()} == {"completed"}, seed
    # The rows themselves, read past the library with the workers' scope.
    rows = query(vault_path, "SELECT id, status, worker_id FROM sync_jobs;",
                 {"linkvault.scope": "workers"})
    assert sorted(rows) == sorted([job.id, "completed", job.worker_id] for job in jobs.values())

    # No job completed twice; each recorded completion by the job's holder,
    # who also wrote the job's summary.
    recorded = Counter()
    for worker_id in fleet.processes:
        for job_id in fleet.completed_by(worker_id):
            recorded[job_id] += 1
            assert jobs[job_id].worker_id == worker_id, (seed, job_id, worker_id)
    assert [job_id for job_id, count in recorded.items() if count > 1] == [], seed
    assert set(recorded) <= job_ids
    for job in jobs.values():
        assert job.summary == {"worker": job.worker_id}, (seed, job.id)

    # None lost: a completion missing from every record is one a killed
    # worker acknowledged (complete_job returned) but died before recording.
    unrecorded = job_ids - set(recorded)
    for job_id in unrecorded:
        assert killed.get(jobs[job_id].worker_id) == job_id, (seed, job_id)
    # A job a worker died holding went back and was run by someone else
    # (unless that worker had completed it just before it died).
    for worker_id, job_id in killed.items():
        if job_id is not None and job_id not in unrecorded:
            assert jobs[job_id].attempt >= 2, (seed, worker_id, job_id)
            assert jobs[job_id].worker_id != worker_id, (seed, worker_id, job_id)
    # Both hosts did work.
    for host in HOSTS:
        assert any(worker_id.startswith(host) and fleet.completed_by(worker_id)
                   for worker_id in fleet.processes), (seed, host)

    # The vault's own record: one sync_completed per job, and chains intact.
    completions = Counter()
    for tenant in tenants:
        entries = tenant.activity(limit=LIST_LIMIT)
        assert len(entries) < LIST_LIMIT  # the whole log, not a page of it
        for entry in entries:
            if entry.action == "sync_completed":
                completions[entry.details["job_id"]] += 1
    assert completions == Counter({job_id: 1 for job_id in job_ids}), seed
    assert vault.recover_expired_jobs() == 0
    assert vault.verify_audit()["ok"] is True
    vault.close()


def test_sixteen_threads_in_four_processes_of_two_hosts_share_one_refresh(
        vault, vault_path, tmp_path, tenant, admin):
    register_acme(vault)
    expiring = connect_oauth(tenant, admin, expires_in_seconds=60)
    record_dir = tmp_path / "records"
    record_dir.mkdir()
    deadline = time.monotonic() + DEADLINE_SECONDS
    names = ["%s-p%d" % (host, number) for host in HOSTS
             for number in range(REFRESH_PROCESSES_PER_HOST)]
    workers = {
        name: subprocess.Popen(
            [sys.executable, OAUTH_WORKER, host_location(vault_path, name.rsplit("-", 1)[0]),
             TEST_KEY.hex(), tenant.id, expiring.id, str(record_dir), name, "0.3", "30",
             str(REFRESH_THREADS)],
            env=subprocess_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name in names}
    # Every process has opened the vault before any of its threads asks.
    run_together(workers, record_dir, deadline, DEADLINE_SECONDS)

    calls = read_lines(str(record_dir / "calls"))
    assert len(calls) == 1, calls
    winner_token = "access-from-" + calls[0]
    for name in names:
        tokens = (record_dir / (name + ".token")).read_text(encoding="ascii").split("\n")
        assert tokens == [winner_token] * REFRESH_THREADS, name
    refreshed = tenant.get(expiring.id)
    assert refreshed.refresh_count == 1
    assert actions(tenant, expiring.id).count("token_refreshed") == 1
    assert tenant.reveal_credentials(admin, expiring.id)["access_token"] == winner_token
    assert vault.verify_audit()["ok"]
