#!/usr/bin/env python3
"""read_after_write: what a write costs the reads that follow it, from Python.

A diagnostic, not a DESIGN.md §9 workload (it has no baseline): on a vault of
2,000 integrations, each round is one ``mark_error`` followed by 5
``t.get()`` calls on other integrations. Prints one JSON line:

    {"diagnostic": "read_after_write", "round_us": .., "get_us": .., "rounds": ..}

Since write transactions run on the process's writer connection
(docs/SEMANTICS.md, "Concurrency"), the connection a read uses has dropped
its page cache after any write, so the first ``get`` after each write reads
its pages again. Run it against two builds (LINKVAULT_LIBRARY) to compare.

Usage: read_after_write.py [--rounds N]
"""

import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "bindings", "python"))

import linkvault as lv  # noqa: E402

INTEGRATIONS = 2000
GETS_PER_WRITE = 5


def measure(tenant, admin, ids, rounds):
    start = time.perf_counter()
    in_gets = 0.0
    for k in range(rounds):
        tenant.mark_error(admin, ids[k % INTEGRATIONS], "diagnostic")
        before = time.perf_counter()
        for j in range(GETS_PER_WRITE):
            tenant.get(ids[(k * 7 + j + 1) % INTEGRATIONS])
        in_gets += time.perf_counter() - before
    elapsed = time.perf_counter() - start
    return elapsed / rounds * 1e6, in_gets / (rounds * GETS_PER_WRITE) * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        with lv.Vault.open(os.path.join(scratch, "read-after-write.vault"),
                           key=os.urandom(32)) as vault:
            admin = lv.Actor("u-bench", "Bench", role="admin")
            tenant = vault.tenant("bench")
            ids = [tenant.connect(admin, "slack", {"bot_token": "xoxb-%020d" % n},
                                  name="n%d" % n).id for n in range(INTEGRATIONS)]
            measure(tenant, admin, ids, 200)  # warm-up
            round_us, get_us = measure(tenant, admin, ids, args.rounds)
    print(json.dumps({"diagnostic": "read_after_write", "round_us": round(round_us, 1),
                      "get_us": round(get_us, 2), "rounds": args.rounds}))


if __name__ == "__main__":
    sys.exit(main())
