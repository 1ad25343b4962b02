#!/usr/bin/env bash
# Every test under AddressSanitizer and UndefinedBehaviorSanitizer, in
# ./build-asan (slower; run before resolving an issue).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LINKVAULT_BUILD_DIR="$repo_root/build-asan" source "$repo_root/scripts/setup.sh" \
  -DLINKVAULT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DLINKVAULT_BUILD_BENCH=OFF

ctest --test-dir "$build_dir" --output-on-failure -j2
# Python is not instrumented: preload the sanitizer runtime and the C++
# runtime it intercepts. CPython's own allocations are not leak-checked.
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)" \
ASAN_OPTIONS=detect_leaks=0 \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "$repo_root/bindings/python/tests"
