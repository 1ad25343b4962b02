"""One importing worker for test_records_kill.py (not a test module).

    records_worker.py VAULT KEY_HEX TENANT INTEGRATION_ID RECORD_DIR PAGES [PAUSE_AFTER_MAP]

Imports pages 0..PAGES-1 of PAGE_SIZE clients each (page_payload() below),
starting after the last page it acknowledged in RECORD_DIR/acknowledged (a
restarted worker goes on where the killed one left off). For each page:
map_records, append "mapped PAGE CREATED UNCHANGED" to RECORD_DIR/mapped,
commit_records, then append "PAGE" to RECORD_DIR/acknowledged. Each line is
written and fsynced at once, so a line on disk is a step that happened.

With PAUSE_AFTER_MAP, the worker stops for good right after mapping that
page (before committing it), for the test to kill it exactly there.
"""

import json
import os
import sys
import time

import linkvault as lv

PAGE_SIZE = 20


def page_payload(page):
    """The provider's page `page`: PAGE_SIZE clients with their own ids."""
    return json.dumps([
        {"id": "p%d-c%d" % (page, number), "name": "Client %d of page %d" % (number, page),
         "contact": {"email": "client%d.page%d@example.com" % (number, page)}}
        for number in range(PAGE_SIZE)])


class RecordFile:
    """An append-only file whose every line is on disk before the next step."""

    def __init__(self, path):
        self._descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def append(self, line):
        os.write(self._descriptor, (line + "\n").encode("ascii"))
        os.fsync(self._descriptor)


def acknowledged_pages(record_dir):
    path = os.path.join(record_dir, "acknowledged")
    if not os.path.exists(path):
        return []
    with open(path, encoding="ascii") as file:
        return [int(line) for line in file if line.strip()]


def run(vault_path, key, tenant_id, integration_id, record_dir, pages, pause_after_map):
    done = acknowledged_pages(record_dir)
    start = done[-1] + 1 if done else 0
    mapped = RecordFile(os.path.join(record_dir, "mapped"))
    acknowledged = RecordFile(os.path.join(record_dir, "acknowledged"))
    with lv.Vault.open(vault_path, key=key, create=False) as vault:
        tenant = vault.tenant(tenant_id)
        for page in range(start, pages):
            with tenant.map_records(integration_id, page_payload(page)) as batch:
                counts = batch.counts
                mapped.append("mapped %d %d %d" % (page, counts["created"], counts["unchanged"]))
                if page == pause_after_map:
                    while True:  # killed here, between map and commit
                        time.sleep(1)
                tenant.commit_records(batch)
            acknowledged.append("%d" % page)
    return 0


if __name__ == "__main__":
    vault_path, key_hex, tenant_id, integration_id, record_dir, pages = sys.argv[1:7]
    pause = int(sys.argv[7]) if len(sys.argv) > 7 else -1
    sys.exit(run(vault_path, bytes.fromhex(key_hex), tenant_id, integration_id, record_dir,
                 int(pages), pause))
