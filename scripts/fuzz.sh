#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz into ./build-fuzz (clang, ASan,
# UBSan) and runs each for LINKVAULT_FUZZ_SECONDS (default 20) over a
# temporary copy of its seed corpus. Fails if any target crashes, leaks, times
# out or breaks an invariant; the input that did it stays under
# build-fuzz/fuzz-artifacts/<target>/ and its path is printed.
#
#   scripts/fuzz.sh                    every target
#   scripts/fuzz.sh fuzz_sealer_open   only the targets named
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"
seconds="${LINKVAULT_FUZZ_SECONDS:-20}"

if ! command -v clang >/dev/null 2>&1 || ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: clang is not installed; the fuzz build needs clang and libFuzzer" \
       "(Debian: clang-14 and libclang-rt-14-dev)" >&2
  exit 2
fi

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DLINKVAULT_FUZZ=ON -DLINKVAULT_BUILD_TESTS=OFF -DLINKVAULT_BUILD_EXAMPLES=OFF \
  -DLINKVAULT_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2

# The longest input worth trying, per target.
max_len() {
  case "$1" in
    fuzz_sealer_open) echo 512 ;;
    fuzz_sync_config) echo 1024 ;;
    fuzz_capi_reads | fuzz_capi_writes) echo 1024 ;;
    *) echo 4096 ;;
  esac
}

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for source in "$root"/tests/fuzz/fuzz_*.cpp; do
    targets+=("$(basename "$source" .cpp)")
  done
fi

total=0
failed=0
for target in "${targets[@]}"; do
  binary="$build/tests/fuzz/$target"
  seeds="$root/tests/fuzz/corpus/$target"
  if [ ! -x "$binary" ] || [ ! -d "$seeds" ]; then
    echo "fuzz: $target: no such target (or no seed corpus)" >&2
    failed=1
    continue
  fi
  # A fresh copy of the seeds: libFuzzer adds to its corpus directory, and a
  # run must not change the repository.
  work="$build/fuzz-work/$target"
  artifacts="$build/fuzz-artifacts/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/tmp" "$artifacts"
  cp "$seeds"/* "$work/corpus/"
  log="$work/fuzz.log"

  status=0
  # The C ABI targets keep their vault under TMPDIR: inside the build dir, so
  # a crashed run leaves nothing behind in /tmp.
  (cd "$work" && TMPDIR="$work/tmp" timeout --signal=KILL "$((seconds * 3 + 300))" \
      "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len="$(max_len "$target")" -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$work/corpus") >"$log" 2>&1 || status=$?

  executions="$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)"
  executions="${executions:-0}"
  total=$((total + executions))
  if [ "$status" -ne 0 ] || grep -q -E '^(==[0-9]+== ?ERROR|SUMMARY: )' "$log"; then
    failed=1
    echo "fuzz: $target: FAILED (exit $status) after $executions executions; log: $log"
    grep -E 'invariant failed|ERROR:|SUMMARY:' "$log" | head -n 5 | sed 's/^/  /'
    artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
    if [ -n "$artifact" ]; then
      echo "  crash input: $artifact (reproduce: $binary $artifact)"
    fi
  else
    echo "fuzz: $target: $executions executions"
  fi
done

echo "fuzz: $total executions over ${#targets[@]} targets"
exit "$failed"
