#!/usr/bin/env bash
# Regenerates docs/cli/, docs/man/fargate-emu.1 and docs/completion/ from the command and option
# tables, through `BUILD_DIR/emu/cli/fargate-emu help --json`. Usage: gen.sh BUILD_DIR [OUT_DIR]
# (OUT_DIR defaults to this checkout's docs/; docs/gen/check.sh passes a temporary one).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: docs/gen/gen.sh BUILD_DIR [OUT_DIR]}
out=${2:-$here/..}
bin=$build/emu/cli/fargate-emu
[ -x "$bin" ] || { echo "gen.sh: $bin not found: build first (cmake --build $build)" >&2; exit 2; }
schema=$(mktemp)
trap 'rm -f "$schema"' EXIT
"$bin" help --json >"$schema"
# Only generated files live in these directories: clear them so a removed command's page goes.
rm -f "$out"/cli/*.md "$out"/man/fargate-emu.1 "$out"/completion/fargate-emu.bash \
      "$out"/completion/_fargate-emu
/usr/bin/python3 "$here/gen.py" "$schema" "$out"
