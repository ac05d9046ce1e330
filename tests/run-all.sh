#!/usr/bin/env bash
# Runs the whole test suite the way CI does: an ASan+UBSan, -Werror build with gcc, every ctest
# (unit, golden fixtures, fuzz corpus replays, lint, e2e when Docker is available), then a short
# libFuzzer session per fuzz target with clang when FUZZ_SECONDS is set (tests/fuzz/run-all).
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
  # tests/fuzz/run-all on a copy of the corpora: the table, findings fail the run.
  corpus=$(mktemp -d)
  cp -r fixtures/fuzz/. "$corpus"/
  FUZZ_BUILD=$fbuild FUZZ_CORPUS_ROOT=$corpus FUZZ_ARGS="-max_len=65536" \
    tests/fuzz/run-all "$(awk -v s="$FUZZ_SECONDS" 'BEGIN { print s / 60 }')"
  rm -rf "$corpus"
fi
