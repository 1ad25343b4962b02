"""kill -9 between map_records and commit_records loses nothing (issue 12).

A worker process (records_worker.py) imports pages of clients: map, note the
counts, commit, then acknowledge the page in a file (fsynced). It is killed
with SIGKILL once exactly between a map and its commit, then several times
at random moments; each restart goes on after the last acknowledged page. A
last run finishes the import. Then:

* every page was acknowledged exactly once, in order;
* every map of a page found all its records created or all unchanged: a
  commit is one transaction, never half written;
* the page the worker was killed on between map and commit was reported
  created again by the next run: the uncommitted batch left no trace;
* a page mapped again after a kill (its commit, or only its
  acknowledgment, lost) is reported all created or all unchanged;
* reopened, the vault remembers every acknowledged record as unchanged.
"""

import os
import random
import signal
import subprocess
import sys
import time

import linkvault as lv
from conftest import TEST_KEY, subprocess_environment
from process_helpers import read_lines, wait_for
from records_worker import PAGE_SIZE, page_payload

PAGES = 60
RANDOM_KILLS = 5
PAUSED_PAGE = 2
DEADLINE_SECONDS = 120  # a ceiling for a stalled machine, not an expectation
WORKER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "records_worker.py")
RULES = [{"target": "name", "source": "/name", "required": True},
         {"target": "email", "source": "/contact/email", "transform": ["trim", "lower"]}]


def test_a_killed_importer_loses_no_record_and_forgets_no_uncommitted_one(vault_path, tmp_path,
                                                                          admin):
    seed = random.randrange(2 ** 32)
    chooser = random.Random(seed)
    record_dir = tmp_path / "records"
    record_dir.mkdir()
    deadline = time.monotonic() + DEADLINE_SECONDS

    with lv.Vault.open(vault_path, key=TEST_KEY) as vault:
        tenant = vault.tenant("acme")
        crm = tenant.connect(admin, "honeybook", {"access_token": "hb-access-token-0001"})
        tenant.set_field_mappings(admin, crm, RULES)

    def mapped_lines():
        return [tuple(int(word) for word in line.split()[1:])
                for line in read_lines(str(record_dir / "mapped"))]

    def acknowledged():
        return [int(line) for line in read_lines(str(record_dir / "acknowledged"))]

    log = open(str(tmp_path / "worker.log"), "w+")

    def start(pause_after_map=None):
        arguments = [sys.executable, WORKER_SCRIPT, vault_path, TEST_KEY.hex(), "acme", crm.id,
                     str(record_dir), str(PAGES)]
        if pause_after_map is not None:
            arguments.append(str(pause_after_map))
        return subprocess.Popen(arguments, env=subprocess_environment(), stdout=log,
                                stderr=subprocess.STDOUT)

    def kill(worker):
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
        worker.wait()

    runs = []  # (mapped lines before the run, after it, whether it was killed)
    try:
        # Killed exactly between the map of PAUSED_PAGE and its commit.
        worker = start(pause_after_map=PAUSED_PAGE)
        wait_for(lambda: any(line[0] == PAUSED_PAGE for line in mapped_lines())
                 or worker.poll() is not None, "the worker to map page %d" % PAUSED_PAGE,
                 deadline)
        kill(worker)
        assert worker.returncode == -signal.SIGKILL, "seed %d" % seed
        assert acknowledged() == list(range(PAUSED_PAGE))
        runs.append((0, len(mapped_lines()), True))

        # Killed at random moments once the run is under way: right after a
        # map, during a commit, between a commit and its acknowledgment...
        for _ in range(RANDOM_KILLS):
            before = len(mapped_lines())
            worker = start()
            wait_for(lambda: len(mapped_lines()) > before or worker.poll() is not None,
                     "the worker to map a page", deadline)
            time.sleep(chooser.uniform(0.0, 0.05))
            kill(worker)
            runs.append((before, len(mapped_lines()), worker.returncode == -signal.SIGKILL))

        # The last run finishes the import.
        before = len(mapped_lines())
        worker = start()
        worker.wait(timeout=max(1.0, deadline - time.monotonic()))
        log.seek(0)
        assert worker.returncode == 0, "seed %d:\n%s" % (seed, log.read())
        runs.append((before, len(mapped_lines()), False))
    finally:
        if worker.poll() is None:
            kill(worker)
        log.close()

    lines = mapped_lines()
    # Every page acknowledged once, in order.
    assert acknowledged() == list(range(PAGES)), "seed %d" % seed
    # Each map saw a page all created or all unchanged; the first map of a
    # page always all created.
    first_seen = set()
    for page, created, unchanged in lines:
        assert (created, unchanged) in ((PAGE_SIZE, 0), (0, PAGE_SIZE)), (seed, page)
        if page not in first_seen:
            assert created == PAGE_SIZE, (seed, page)
            first_seen.add(page)
    assert first_seen == set(range(PAGES))

    # The uncommitted page of the paused run is reported created again by
    # the next run, which starts on it.
    assert lines[runs[0][1] - 1][0] == PAUSED_PAGE
    assert lines[runs[0][1]] == (PAUSED_PAGE, PAGE_SIZE, 0), "seed %d" % seed

    # Reopened: every acknowledged record is remembered, nothing else is.
    with lv.Vault.open(vault_path, key=TEST_KEY, create=False) as vault:
        tenant = vault.tenant("acme")
        for page in range(PAGES):
            with tenant.map_records(crm.id, page_payload(page)) as batch:
                assert batch.counts == {"created": 0, "updated": 0, "unchanged": PAGE_SIZE,
                                        "failed": 0}, (seed, page)
        with tenant.map_records(crm.id, page_payload(PAGES)) as batch:
            assert batch.counts["created"] == PAGE_SIZE
