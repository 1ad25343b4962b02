"""One process asking for valid credentials, for test_oauth_single_flight.py
(not a test module).

    oauth_worker.py VAULT KEY_HEX TENANT INTEGRATION_ID RECORD_DIR NAME PAUSE LEASE [THREADS]

Opens the vault, creates RECORD_DIR/NAME.ready, waits for RECORD_DIR/go,
then calls valid_credentials (lease_seconds=LEASE) from THREADS threads at
once (default 1), with a refresher that:

* appends "NAME" to RECORD_DIR/calls (O_APPEND, fsynced: one line per call,
  whatever the process does next), then creates RECORD_DIR/NAME.inside;
* sleeps PAUSE seconds (a huge PAUSE: the test kills it in there);
* answers access_token "access-from-NAME", expiring in an hour.

Writes the access token each thread got to RECORD_DIR/NAME.token, one per
line, and exits 0. Any error ends the process with a traceback and a
non-zero status.
"""

import os
import sys
import threading
import time

import linkvault as lv


def append_line(path, line):
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def touch(path):
    with open(path, "w", encoding="ascii"):
        pass


def run(vault_path, key, tenant_id, integration_id, record_dir, name, pause, lease, threads):
    def refresher(credentials):
        append_line(os.path.join(record_dir, "calls"), name)
        touch(os.path.join(record_dir, name + ".inside"))
        time.sleep(pause)
        return {"access_token": "access-from-" + name, "expires_in": 3600}

    actor = lv.Actor("svc-" + name, "Worker " + name, role="system")
    with lv.Vault.open(vault_path, key=key, create=False) as vault:
        tenant = vault.tenant(tenant_id)
        touch(os.path.join(record_dir, name + ".ready"))
        go = os.path.join(record_dir, "go")
        while not os.path.exists(go):
            time.sleep(0.005)
        barrier = threading.Barrier(threads)
        tokens = [None] * threads
        failures = []

        def ask(slot):
            try:
                barrier.wait()
                tokens[slot] = tenant.valid_credentials(
                    actor, integration_id, refresher, lease_seconds=lease,
                    max_wait_seconds=120)["access_token"]
            except BaseException as error:  # re-raised below, on the main thread
                failures.append(error)

        askers = [threading.Thread(target=ask, args=(slot,)) for slot in range(threads)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join()
        if failures:
            raise failures[0]
    with open(os.path.join(record_dir, name + ".token"), "w", encoding="ascii") as out:
        out.write("\n".join(tokens))
    return 0


if __name__ == "__main__":
    (vault_path, key_hex, tenant_id, integration_id, record_dir, name, pause,
     lease) = sys.argv[1:9]
    threads = int(sys.argv[9]) if len(sys.argv) > 9 else 1
    sys.exit(run(vault_path, bytes.fromhex(key_hex), tenant_id, integration_id, record_dir,
                 name, float(pause), float(lease), threads))
