#!/usr/bin/env python3
"""python_get (DESIGN.md §9): the cost of Python's ``Tenant.get()`` over C++'s.

Creates a vault in a temporary directory, connects one integration, times N
``t.get(id)`` calls from Python, then the same number of C++
``Tenant::get()`` calls on the same file through ``linkvault-bench cpp_get
--vault PATH --key HEX --tenant T --id ID --calls N``. Prints one JSON line:

    {"workload": "python_get", "python_us": .., "cpp_us": .., "overhead_us": .., "target_us": 20, ...}

Each side runs a warm-up and then several rounds; the fastest round counts
(the least disturbed by a shared machine).

Usage: python_get.py [--calls N] [--rounds R] [--bench PATH]
The library is found as for the tests (LINKVAULT_LIBRARY, PYTHONPATH=bindings/python);
linkvault-bench from --bench, LINKVAULT_BENCH, <build>/bench/ next to the
library's <build>/capi/, or PATH.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "bindings", "python"))

import linkvault as lv  # noqa: E402

TARGET_US = 20
TENANT = "bench"


def find_bench(explicit):
    candidates = [explicit, os.environ.get("LINKVAULT_BENCH")]
    build = os.path.dirname(os.path.dirname(lv.library_path()))
    candidates.append(os.path.join(build, "bench", "linkvault-bench"))
    candidates.append(shutil.which("linkvault-bench"))
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def best_round_us(function, calls, rounds):
    """Microseconds per call of the fastest of `rounds` rounds of `calls` calls."""
    for _ in range(min(calls, 1000)):
        function()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(calls):
            function()
        best = min(best, (time.perf_counter_ns() - start) / 1000.0 / calls)
    return best


def cpp_get_us(bench, path, key, integration_id, calls, rounds):
    best = float("inf")
    for _ in range(rounds):
        completed = subprocess.run(
            [bench, "cpp_get", "--vault", path, "--key", key.hex(), "--tenant", TENANT,
             "--id", integration_id, "--calls", str(calls)],
            capture_output=True, text=True, timeout=600, check=True)
        for line in completed.stdout.splitlines():
            record = json.loads(line)
            if record.get("workload") == "cpp_get":
                best = min(best, float(record["per_call_us"]))
    if best == float("inf"):
        raise RuntimeError("linkvault-bench cpp_get printed no result")
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bench", help="path to linkvault-bench")
    arguments = parser.parse_args()

    key = os.urandom(32)
    directory = tempfile.mkdtemp(prefix="linkvault-python-get-")
    try:
        path = os.path.join(directory, "python_get.vault")
        admin = lv.Actor("u-bench", "Bench Admin", role="admin")
        with lv.Vault.open(path, key=key) as vault:
            tenant = vault.tenant(TENANT)
            integration = tenant.connect(
                admin, "slack", {"bot_token": "xoxb-0000000000-1111111111-abcdefghijklmnop"},
                account="bench@example.com", scopes=["chat:write", "users:read"],
                sync_config={"auto_sync": True})
            integration_id = integration.id
            python_us = best_round_us(lambda: tenant.get(integration_id),
                                      arguments.calls, arguments.rounds)
        bench = find_bench(arguments.bench)
        if bench is None:
            sys.exit("python_get: linkvault-bench not found; build it or pass --bench PATH")
        # The vault is closed first: the C++ side opens the same file alone.
        cpp_us = cpp_get_us(bench, path, key, integration_id, arguments.calls,
                            min(arguments.rounds, 3))
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    overhead_us = python_us - cpp_us
    print(json.dumps({
        "workload": "python_get",
        "python_us": round(python_us, 2),
        "cpp_us": round(cpp_us, 2),
        "overhead_us": round(overhead_us, 2),
        "target_us": TARGET_US,
        "calls": arguments.calls,
        "ok": overhead_us < TARGET_US,
    }))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
