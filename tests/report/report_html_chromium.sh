#!/usr/bin/env bash
# `fargate-emu report --html` rendered by headless Chromium (Debian's chromium): the page is
# self-contained (no script, no external URL), its three charts are in the DOM with their
# series, bars and marks, and the screenshot shows them (non-white pixels, the cost bars' red
# and blue). Skips (77) when chromium is not installed.
set -u
fe=${1:?fargate-emu binary}
src=${2:?source dir}
chromium=$(command -v chromium || command -v chromium-browser) || { echo "SKIP: chromium is not installed (.ci/install-deps installs it)"; exit 77; }
work=$(mktemp -d /tmp/fe-report-html-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
/usr/bin/python3 "$src/tests/support/report_fixture.py" "$work/data" >/dev/null || fail "fixture"
"$fe" report --last --data-dir "$work/data" --prices "$src/fixtures/report/golden/prices.json" \
  --tasks 1000 --html "$work/report.html" >/dev/null || fail "report --html"

# Self-contained: no script, nothing loaded from elsewhere.
grep -qi '<script' "$work/report.html" && fail "the page has a script"
grep -Eqi '(src|href)="(https?:)?//' "$work/report.html" && fail "the page loads an external asset"

flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
       --user-data-dir="$work/profile" --window-size=800,1400)
timeout 90 "$chromium" "${flags[@]}" --dump-dom "file://$work/report.html" >"$work/dom.html" \
  2>"$work/chromium.log" || fail "chromium --dump-dom: $(tail -5 "$work/chromium.log")"
/usr/bin/python3 - "$work/dom.html" <<'PY' || fail "DOM"
import re, sys
dom = open(sys.argv[1]).read()
for i in ("chart-throughput", "chart-latency", "chart-cost", "throughput-written",
          "throughput-dest-0", "throughput-dest-1", "latency-bars", "latency-p50", "latency-p99",
          "cost-bar-cwl", "cost-bar-s3", "report-text"):
    assert 'id="%s"' % i in dom, "no element #" + i
bars = re.search(r'<g id="latency-bars">(.*?)</g>', dom, re.S).group(1)
assert bars.count("<rect") == 24, bars.count("<rect")
pts = re.search(r'id="throughput-dest-0"[^>]*points="([^"]*)"', dom).group(1).split()
assert len(pts) >= 5 and any(float(p.split(",")[1]) < 200 for p in pts), pts
print("DOM: 3 charts, 24 latency bars, %d throughput points" % len(pts))
PY
timeout 90 "$chromium" "${flags[@]}" --screenshot="$work/shot.png" "file://$work/report.html" \
  >>"$work/chromium.log" 2>&1 || fail "chromium --screenshot: $(tail -5 "$work/chromium.log")"
read -r w h nonwhite red blue < <(/usr/bin/python3 "$src/tests/report/png_pixels.py" "$work/shot.png")
echo "screenshot ${w}x${h}: $nonwhite non-white pixels, $red red, $blue blue"
[ "$nonwhite" -gt 20000 ] || fail "the screenshot is nearly blank ($nonwhite non-white pixels)"
[ "$red" -gt 1000 ] && [ "$blue" -gt 1000 ] || fail "the charts' colours are missing (red $red, blue $blue)"
echo PASS
