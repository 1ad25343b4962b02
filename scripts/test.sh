#!/usr/bin/env bash
# Sets up, builds, and runs every test, in three stages:
#   1. the Release-like build (./build): the C++ doctest suites (crash and
#      multi-process tests included), the PostgreSQL suites against a
#      throwaway server (scripts/test-postgres.sh), the C test, the examples,
#      the installed-package check (ctest), then the Python suite;
#   2. the same C++, C and Python suites under AddressSanitizer and
#      UndefinedBehaviorSanitizer (./build-asan, scripts/test-sanitized.sh);
#   3. every libFuzzer target for a bounded time (./build-fuzz, clang,
#      scripts/fuzz.sh; LINKVAULT_FUZZ_SECONDS per target).
# Any failure stops the run with a non-zero exit.
set -euo pipefail
scripts_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The sanitizer and fuzz stages need clang and its runtimes, the PostgreSQL
# suites a PostgreSQL 15 server: install them with everything else, in the
# one apt-get run.
export LINKVAULT_SETUP_EXTRA_PACKAGES="clang libclang-rt-dev postgresql"
source "$scripts_dir/setup.sh"
# A throwaway server for the PostgreSQL suites of stages 1 and 2, stopped
# when this script exits, however it exits; here a missing server fails
# those suites instead of skipping them.
source "$scripts_dir/test-postgres.sh"
start_test_postgres
export LINKVAULT_REQUIRE_POSTGRES=1

stages=0
echo "== stage 1: tests (build)"
ctest --test-dir "$build_dir" --output-on-failure -j2
/usr/bin/python3 -m pytest -q -p no:cacheprovider "$repo_root/bindings/python/tests"
stages=$((stages + 1))

echo "== stage 2: tests under ASan and UBSan (build-asan)"
bash "$scripts_dir/test-sanitized.sh"
stages=$((stages + 1))

echo "== stage 3: fuzzing (build-fuzz)"
bash "$scripts_dir/fuzz.sh"
stages=$((stages + 1))

echo "stages: ${stages} passed, 0 failed"
