#!/usr/bin/env bash
# make load / make load-all: the Locust load and fault test (dev/bench/load/run.py).
# Locust gets its own venv (.venv-load): it needs Werkzeug, gevent and greenlet
# newer than the versions Odoo 19 pins in the project's venv.
set -euo pipefail
source "$(dirname "$0")/../../tools/env.sh"
LOAD_VENV="$ROOT/.venv-load"
REQS="$ROOT/dev/bench/load/requirements.txt"
if [ ! -x "$LOAD_VENV/bin/locust" ] || ! cmp -s "$REQS" "$LOAD_VENV/.requirements"; then
    echo "Installing Locust into $LOAD_VENV"
    python3 -m venv "$LOAD_VENV"
    "$LOAD_VENV/bin/pip" install -q -r "$REQS"
    cp "$REQS" "$LOAD_VENV/.requirements"
fi
exec "$PY" "$ROOT/dev/bench/load/run.py" "$@"
