#!/usr/bin/env bash
# make lint: ruff (lint + format) and pylint-odoo with OCA's mandatory checks.
set -euo pipefail
source "$(dirname "$0")/env.sh"
[ -x "$VENV/bin/ruff" ] || die "run 'make setup' first"
cd "$ROOT"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
# pylint-odoo reads the add-on through its technical name.
"$VENV/bin/pylint" --rcfile="$ROOT/.pylintrc" "$ADDONS_DIR/$ADDON"
# The development tooling under the same rules (scripts, not an add-on).
git ls-files -z 'dev/*.py' | xargs -0 "$VENV/bin/pylint" --rcfile="$ROOT/.pylintrc"
# README.rst and the Apps page are built from readme/ (make readme).
"$PY" "$ROOT/dev/tools/readme.py" --check
# No backup files, generated reports or oversized output tracked.
"$PY" "$ROOT/dev/tools/tracked_files_check.py" "$ROOT"
echo "lint: clean"
