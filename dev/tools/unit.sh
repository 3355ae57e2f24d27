#!/usr/bin/env bash
# make unit: the database-free unit and property tests (the modules listed in
# dev/tools/unit.py) under plain unittest; no database needed. Extra
# arguments go to unittest, e.g.  make unit ARGS=-v
set -euo pipefail
source "$(dirname "$0")/env.sh"
find_odoo_src
[ -x "$PY" ] && [ -f "$ODOORC" ] || die "run 'make setup' first"
exec "$PY" "$ROOT/dev/tools/unit.py" "$ODOORC" "$@"
