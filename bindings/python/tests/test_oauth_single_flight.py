"""Single flight: one refresher call per integration at a time, across the
threads of a process and across processes (issue 10, "Tests that must exist").

* 16 threads ask at once for one expiring integration's credentials while
  the refresher takes 0.2 s: it runs once, everyone gets its token.
* 4 processes (oauth_worker.py) do the same: the refresher (which appends a
  line to a file outside the vault per call) runs once in all of them.
* A process holding the refresh lease excludes everyone else; killed with
  SIGKILL mid-refresh, its lease lapses and the next caller takes over.
"""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import linkvault as lv
from conftest import TEST_KEY, subprocess_environment
from process_helpers import read_lines, run_together, wait_for
from oauth_support import (NEW_ACCESS, OLD_REFRESH, CountingRefresher, actions, connect_oauth,
                           register_acme)

THREADS = 16
PROCESSES = 4
DEADLINE_SECONDS = 120  # a ceiling for a stalled machine, not an expectation
WORKER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "oauth_worker.py")


@pytest.fixture
def expiring(vault, tenant, admin):
    register_acme(vault)
    return connect_oauth(tenant, admin, expires_in_seconds=60)


def start_worker(vault_path, integration, record_dir, name, pause, lease):
    return subprocess.Popen(
        [sys.executable, WORKER_SCRIPT, vault_path, TEST_KEY.hex(), integration.tenant,
         integration.id, str(record_dir), name, repr(pause), repr(lease)],
        env=subprocess_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sixteen_threads_share_one_refresh(tenant, admin, expiring):
    refresher = CountingRefresher({"access_token": NEW_ACCESS, "expires_in": 3600},
                                  pause_seconds=0.2)
    barrier = threading.Barrier(THREADS)
    results = [None] * THREADS
    failures = []

    def ask(slot):
        try:
            barrier.wait()
            results[slot] = tenant.valid_credentials(admin, expiring.id, refresher)
        except BaseException as error:  # reported below, with the slot
            failures.append((slot, error))

    threads = [threading.Thread(target=ask, args=(slot,)) for slot in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert refresher.calls == 1
    assert results == [{"access_token": NEW_ACCESS, "refresh_token": OLD_REFRESH}] * THREADS
    assert tenant.get(expiring.id).refresh_count == 1
    assert actions(tenant, expiring.id).count("token_refreshed") == 1


def test_four_processes_share_one_refresh(vault, vault_path, tmp_path, tenant, expiring):
    record_dir = tmp_path / "records"
    record_dir.mkdir()
    deadline = time.monotonic() + DEADLINE_SECONDS
    names = ["p%d" % number for number in range(PROCESSES)]
    workers = {name: start_worker(vault_path, expiring, record_dir, name, pause=0.3, lease=30)
               for name in names}
    # Every process has opened the vault before any of them asks.
    run_together(workers, record_dir, deadline, DEADLINE_SECONDS)

    calls = read_lines(str(record_dir / "calls"))
    assert len(calls) == 1, calls
    winner_token = "access-from-" + calls[0]
    for name in names:
        assert (record_dir / (name + ".token")).read_text(encoding="ascii") == winner_token
    refreshed = tenant.get(expiring.id)
    assert refreshed.refresh_count == 1
    assert actions(tenant, expiring.id).count("token_refreshed") == 1
    assert vault.verify_audit()["ok"]


def start_stuck_refresher(vault_path, expiring, record_dir, lease):
    """A worker process stuck inside its refresher, holding the lease."""
    (record_dir / "go").touch()
    worker = start_worker(vault_path, expiring, record_dir, "stuck", pause=3600, lease=lease)
    deadline = time.monotonic() + DEADLINE_SECONDS
    wait_for(lambda: (record_dir / "stuck.inside").exists() or worker.poll() is not None,
             "the worker to enter its refresher", deadline)
    assert worker.poll() is None, worker.communicate()[1].decode()
    return worker


def kill(worker):
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=DEADLINE_SECONDS)
    assert worker.returncode == -signal.SIGKILL


def test_a_process_holding_the_lease_excludes_other_callers(vault, vault_path, tmp_path, tenant,
                                                            admin, expiring):
    record_dir = tmp_path / "records"
    record_dir.mkdir()
    # A 30-second lease, renewed while it is stuck: nobody may take it over.
    worker = start_stuck_refresher(vault_path, expiring, record_dir, lease=30)
    try:
        refresher = CountingRefresher()
        with pytest.raises(lv.Busy):
            tenant.valid_credentials(admin, expiring.id, refresher, max_wait_seconds=0)
        with pytest.raises(lv.Busy):
            tenant.valid_credentials(admin, expiring.id, refresher, max_wait_seconds=0.5)
        assert refresher.calls == 0
        assert tenant.get(expiring.id).refresh_count == 0
    finally:
        kill(worker)
    assert read_lines(str(record_dir / "calls")) == ["stuck"]
    assert vault.verify_audit()["ok"]


def test_a_killed_refresher_is_taken_over_after_its_lease_lapses(vault, vault_path, tmp_path,
                                                                tenant, admin, expiring):
    record_dir = tmp_path / "records"
    record_dir.mkdir()
    worker = start_stuck_refresher(vault_path, expiring, record_dir, lease=1)
    kill(worker)  # mid-refresh, holding the lease; nothing was stored

    refresher = CountingRefresher({"access_token": NEW_ACCESS, "expires_in": 3600})
    credentials = tenant.valid_credentials(admin, expiring.id, refresher, lease_seconds=1,
                                           max_wait_seconds=60)
    assert refresher.calls == 1
    assert credentials == {"access_token": NEW_ACCESS, "refresh_token": OLD_REFRESH}
    assert tenant.reveal_credentials(admin, expiring.id) == credentials
    taken_over = tenant.get(expiring.id)
    assert taken_over.status == "connected"
    assert taken_over.refresh_count == 1
    assert actions(tenant, expiring.id).count("token_refreshed") == 1
    assert read_lines(str(record_dir / "calls")) == ["stuck"]
    assert vault.verify_audit()["ok"]
