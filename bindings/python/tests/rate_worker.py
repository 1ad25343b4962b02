"""One process taking rate-limit grants as fast as it can, for
test_rate_limits.py (not a test module).

    rate_worker.py VAULT KEY_HEX TENANT INTEGRATION_ID RECORD_DIR NAME SECONDS

Opens the vault, creates RECORD_DIR/NAME.ready, waits for RECORD_DIR/go,
then calls acquire(INTEGRATION_ID) in a loop for SECONDS seconds and at
least until it has been told to wait once (at most 60 s). Writes
RECORD_DIR/NAME.json: {"granted": grants, "waits": refusals, "first":
wall-clock time before the first call, "last": after the last call}.
"""

import json
import os
import sys
import time

import linkvault as lv


def run(vault_path, key, tenant_id, integration_id, record_dir, name, seconds):
    with lv.Vault.open(vault_path, key=key, create=False) as vault:
        tenant = vault.tenant(tenant_id)
        open(os.path.join(record_dir, name + ".ready"), "w").close()
        go = os.path.join(record_dir, "go")
        while not os.path.exists(go):
            time.sleep(0.005)
        granted = waits = 0
        first = time.time()
        started = time.monotonic()
        while True:
            elapsed = time.monotonic() - started
            if (elapsed >= seconds and waits) or elapsed >= 60:
                break
            if tenant.acquire(integration_id) == 0.0:
                granted += 1
            else:
                waits += 1
        last = time.time()
    with open(os.path.join(record_dir, name + ".json"), "w", encoding="ascii") as out:
        json.dump({"granted": granted, "waits": waits, "first": first, "last": last}, out)
    return 0


if __name__ == "__main__":
    vault_path, key_hex, tenant_id, integration_id, record_dir, name, seconds = sys.argv[1:8]
    sys.exit(run(vault_path, bytes.fromhex(key_hex), tenant_id, integration_id, record_dir, name,
                 float(seconds)))
