#!/usr/bin/env bash
# Runs the whole test suite the way CI does: an ASan+UBSan, -Werror build with gcc, every ctest
# (unit, golden fixtures, fuzz corpus replays, lint, e2e when Docker is available), then a short
# libFuzzer session per fuzz target with clang when FUZZ_SECONDS is set.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-test}
jobs=$(nproc)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DEMU_WERROR=ON \
      -DEMU_SANITIZER=address,undefined >/dev/null
cmake --build "$build" -j"$jobs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure -j"$jobs" ${CTEST_ARGS:-}

if [ -n "${FUZZ_SECONDS:-}" ]; then
  fbuild=${build}-fuzz
  CC=clang cmake -S . -B "$fbuild" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMU_FUZZ=ON -DEMU_WERROR=ON \
      -DEMU_SANITIZER=address,undefined -DEMU_TESTS=ON >/dev/null
  cmake --build "$fbuild" -j"$jobs" >/dev/null
  for f in "$fbuild"/tests/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f"); target=${name#fuzz_}
    corpus=$(mktemp -d)
    cp -r fixtures/fuzz/"$target"/. "$corpus"/ 2>/dev/null || true
    echo "fuzz: $target for ${FUZZ_SECONDS}s"
    "$f" -max_total_time="$FUZZ_SECONDS" -max_len=65536 -rss_limit_mb=2048 \
         -print_final_stats=1 "$corpus" 2>&1 | tail -n 3
    rm -rf "$corpus"
  done
fi
