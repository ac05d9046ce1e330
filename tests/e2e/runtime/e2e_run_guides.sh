#!/usr/bin/env bash
# The user guides' Docker examples: runs every `<!-- check: docker -->` block of
# docs/getting-started.md and docs/troubleshooting.md against the private dockerd and fails when
# what fargate-emu prints differs from what the pages show (tests/docs/check_guides.py).
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../../.." && pwd)
command -v capsh >/dev/null || fail "capsh is missing (Debian: apt-get install libcap2-bin)"
/usr/bin/python3 "$src/tests/docs/check_guides.py" "$FARGATE_EMU" docker \
  "$src/docs/getting-started.md" "$src/docs/troubleshooting.md" || fail "the guides are stale"
assert_clean
