#!/usr/bin/env bash
# Golden test of `fargate-emu report` on a synthetic data dir (tests/support/report_fixture.py):
# --json and text byte for byte against fixtures/report/golden/, a region without prices, and a
# bad --prices file named with its JSON path. EMU_UPDATE_GOLDEN=1 rewrites the expected files.
set -u
fe=${1:?fargate-emu binary}
src=${2:?source dir}
g=$src/fixtures/report/golden
work=$(mktemp -d /tmp/fe-report-golden-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
/usr/bin/python3 "$src/tests/support/report_fixture.py" "$work/data" >/dev/null || fail "fixture"
cd "$g" || fail "no $g"
run() { "$fe" report --last --data-dir "$work/data" --prices prices.json "$@"; }

run --json --tasks 10 >"$work/out.json" 2>"$work/err" || fail "report --json: $(cat "$work/err")"
run --tasks 1000 --region eu-test-1 >"$work/out.txt" 2>"$work/err" || fail "report: $(cat "$work/err")"
if [ "${EMU_UPDATE_GOLDEN:-}" = 1 ]; then
  cp "$work/out.json" expected.json
  cp "$work/out.txt" expected.txt
fi
diff -u expected.json "$work/out.json" || fail "--json differs from fixtures/report/golden/expected.json"
diff -u expected.txt "$work/out.txt" || fail "text differs from fixtures/report/golden/expected.txt"

# The same task by ID prefix; a region the table lacks: volumes, no dollars, said so.
"$fe" report 0123 --data-dir "$work/data" --prices prices.json --region ap-test-9 --json \
  >"$work/noprice.json" || fail "report TASK --region ap-test-9"
/usr/bin/python3 - "$work/noprice.json" <<'PY' || fail "region without prices"
import json, sys
c = json.load(open(sys.argv[1]))["cost"]
assert c["usd"] is None and c["note"] == "no prices for region ap-test-9 in prices.json", c
assert c["monthly"]["gbIngested"] > 0, c
PY

# A bad price file: exit 2, the file and the JSON path named.
"$fe" report --last --data-dir "$work/data" --prices bad-prices.json >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 2 ] || fail "bad --prices exited $rc"
want='fargate-emu report: bad-prices.json: $.regions.us-east-1.s3_put_per_1000_requests.usd: expected a number between 0 and 1000000'
[ "$(cat "$work/err")" = "$want" ] || fail "bad --prices said: $(cat "$work/err")"

# Usage errors: both TASK and --last, neither, --tasks 0.
"$fe" report --data-dir "$work/data" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no TASK accepted"
"$fe" report 0123 --last --data-dir "$work/data" >/dev/null 2>&1; [ $? -eq 2 ] || fail "TASK and --last"
"$fe" report --last --tasks 0 --data-dir "$work/data" >/dev/null 2>&1; [ $? -eq 2 ] || fail "--tasks 0"
echo PASS
