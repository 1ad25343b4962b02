"""One worker process for test_jobs_processes.py (not a test module).

    jobs_worker.py VAULT KEY_HEX WORKER_ID RECORD_DIR LEASE_SECONDS STEPS STEP_SECONDS

Opens the vault and claims jobs until RECORD_DIR/stop exists and nothing is
due. Each job: a heartbeat every STEP_SECONDS for STEPS steps, then
complete_job. Two files in RECORD_DIR, each line written and fsynced at once:

* WORKER_ID.claimed — the id of every job it claimed, right after claim_job;
* WORKER_ID.completed — the id of every job it completed, right after
  complete_job returned.

A worker that finds its job held by another (Conflict) or finished
(FailedPrecondition) lost its lease — the machine stalled it longer than
the lease — and moves on: someone else owns the job now. Any other error
ends the process with a traceback and a non-zero status.
"""

import os
import sys
import time

import linkvault as lv


class RecordFile:
    """An append-only file whose every line is on disk before the next step."""

    def __init__(self, path):
        self._descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def append(self, line):
        os.write(self._descriptor, (line + "\n").encode("ascii"))
        os.fsync(self._descriptor)


def run(vault_path, key, worker_id, record_dir, lease_seconds, steps, step_seconds):
    claimed = RecordFile(os.path.join(record_dir, worker_id + ".claimed"))
    completed = RecordFile(os.path.join(record_dir, worker_id + ".completed"))
    stop_file = os.path.join(record_dir, "stop")
    with lv.Vault.open(vault_path, key=key, create=False) as vault:
        while True:
            job = vault.claim_job(worker_id, lease_seconds=lease_seconds)
            if job is None:
                if os.path.exists(stop_file):
                    return 0
                time.sleep(0.01)
                continue
            claimed.append(job.id)
            try:
                for step in range(1, steps + 1):
                    time.sleep(step_seconds)
                    vault.heartbeat(job.id, worker_id, processed=step, total=steps)
                vault.complete_job(job.id, worker_id, summary={"worker": worker_id})
            except (lv.Conflict, lv.FailedPrecondition):
                continue  # lost the lease; the job is someone else's now
            completed.append(job.id)


if __name__ == "__main__":
    vault_path, key_hex, worker_id, record_dir, lease, steps, step_seconds = sys.argv[1:8]
    sys.exit(run(vault_path, bytes.fromhex(key_hex), worker_id, record_dir, float(lease),
                 int(steps), float(step_seconds)))
