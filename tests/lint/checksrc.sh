#!/usr/bin/env bash
# checksrc: rejects what the compiler and clang-format cannot: banned C functions, raw
# allocation outside emu/base/mem.c, getenv outside the CLI, and files without a purpose comment.
set -u
root=${1:-.}
cd "$root" || exit 2
fail=0
report() { echo "checksrc: $1"; fail=1; }

mapfile -t csrc < <(git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null | grep -v '^build' || true)
if [ ${#csrc[@]} -eq 0 ]; then
  mapfile -t csrc < <(find emu shims tests bench -name '*.[ch]' 2>/dev/null)
fi
[ ${#csrc[@]} -gt 0 ] || { echo "checksrc: no C sources found"; exit 1; }

for f in "${csrc[@]}"; do
  [ -f "$f" ] || continue
  # Banned functions (word boundary keeps snprintf, strncat... allowed).
  grep -nE '(^|[^A-Za-z0-9_])(sprintf|strcpy|strcat|strtok|atoi|gets)[[:space:]]*\(' "$f" |
    while IFS= read -r line; do echo "checksrc: $f:$line: banned function"; done | grep . && fail=1
  # Purpose comment: SPDX line, then a comment saying what the file is for.
  l1=$(sed -n 1p "$f"); l2=$(sed -n 2p "$f")
  case "$l1" in "/* SPDX-License-Identifier:"*) ;; *) report "$f:1: missing SPDX line";; esac
  case "$l2" in "/* "*) ;; *) report "$f:2: missing purpose comment";; esac
  case "$f" in
    emu/*|shims/*)
      if [ "$f" != emu/base/mem.c ]; then
        grep -nE '(^|[^A-Za-z0-9_])(malloc|calloc|realloc|free|strdup|strndup)[[:space:]]*\(' "$f" |
          while IFS= read -r line; do echo "checksrc: $f:$line: use emu_malloc/emu_free"; done | grep . && fail=1
      fi
      case "$f" in
        emu/cli/*|emu/base/env.c|emu/router/*main*.c) ;;
        *) grep -nE '(^|[^A-Za-z0-9_])getenv[[:space:]]*\(' "$f" |
             while IFS= read -r line; do echo "checksrc: $f:$line: getenv outside emu/cli"; done | grep . && fail=1 ;;
      esac
      ;;
  esac
done

# Scripts: a comment in the first three lines after the shebang.
mapfile -t scripts < <(git ls-files -co --exclude-standard -- '*.sh' '*.py' '.ci/run' 2>/dev/null | grep -v '^build' || true)
for f in "${scripts[@]}"; do
  [ -f "$f" ] || continue
  head -4 "$f" | tail -n +2 | grep -q '^#' || report "$f: missing purpose comment after the shebang"
done

if [ "$fail" -ne 0 ]; then
  echo "checksrc: FAILED"
  exit 1
fi
echo "checksrc: ${#csrc[@]} C files and ${#scripts[@]} scripts clean"
