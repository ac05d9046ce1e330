#!/usr/bin/env bash
# Staleness check (curl test1139 style): regenerates the CLI docs, man page and completions into
# a temporary directory and fails with the diff when docs/ differs. Also runs the man page
# through groff with warnings on. Usage: check.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=${1:?usage: check.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: check.sh SOURCE_DIR BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$src/docs/gen/gen.sh" "$build" "$tmp" || { echo "FAIL: docs/gen/gen.sh failed"; exit 1; }
fail=0
for d in cli man completion; do
  # "-" lines are the checked-in docs, "+" lines what the tables generate now.
  diff -ru "$src/docs/$d" "$tmp/$d" >"$tmp/$d.diff" 2>&1 || { sed "s|$tmp|GENERATED|g" "$tmp/$d.diff"; fail=1; }
done
if [ "$fail" -ne 0 ]; then
  echo
  echo "FAIL: docs/ is stale: the tables in emu/cli/ changed, or a generated file was edited."
  echo "      Regenerate with:  docs/gen/gen.sh $build   (then commit docs/cli docs/man docs/completion)"
  exit 1
fi
if command -v groff >/dev/null; then
  warn=$(groff -man -ww -z "$src/docs/man/fargate-emu.1" 2>&1)
  [ -z "$warn" ] || { echo "FAIL: groff warns about docs/man/fargate-emu.1:"; echo "$warn"; exit 1; }
fi
echo "ok: docs/cli, docs/man and docs/completion match the tables"
