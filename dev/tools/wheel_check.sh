#!/usr/bin/env bash
# make wheel: build the add-on's wheel into a temporary folder, list its files
# and check that none of the development tooling is in it (wheel_check.py).
set -euo pipefail
source "$(dirname "$0")/env.sh"
[ -x "$PY" ] || die "run 'make setup' first"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$PY" "$ROOT/dev/tools/wheel_check.py" "$ROOT" "$out"
