#!/usr/bin/env bash
# Sets up, builds, and runs every test: the C++ doctest suites, the C test,
# the examples and the installed-package check (ctest), then the Python suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ctest --test-dir "$build_dir" --output-on-failure -j2
/usr/bin/python3 -m pytest -q -p no:cacheprovider "$repo_root/bindings/python/tests"
