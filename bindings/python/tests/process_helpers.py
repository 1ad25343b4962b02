"""What the multi-process tests share: reading the record files their worker
processes append to, waiting with a deadline, and starting the workers
together and collecting them (killing any left on the way out)."""

import os
import time


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="ascii") as file:
        return [line.strip() for line in file if line.strip()]


def wait_for(condition, what, deadline, interval=0.01):
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(interval)


def run_together(workers, record_dir, deadline, timeout):
    """Waits until every worker (name -> Popen) wrote record_dir/<name>.ready
    (or one exited), lets them all go at once (record_dir/go), and asserts
    each exits 0. Workers still running on the way out are killed."""
    try:
        wait_for(lambda: all((record_dir / (name + ".ready")).exists() for name in workers)
                 or any(worker.poll() is not None for worker in workers.values()),
                 "the workers to be ready", deadline)
        (record_dir / "go").touch()
        for name, worker in workers.items():
            _, errors = worker.communicate(timeout=timeout)
            assert worker.returncode == 0, "%s failed:\n%s" % (name, errors.decode())
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                worker.kill()
                worker.wait()
