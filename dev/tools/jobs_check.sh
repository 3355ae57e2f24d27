#!/usr/bin/env bash
# make jobs-check: background jobs against a real server.
# A copy of the test template with the add-on installed, odoo-bin started
# threaded with one cron thread; dev/tools/jobs_check.py logs in over JSON-RPC,
# listens on /websocket like the web client, runs a 20,000-serial background
# assignment and checks its live progress and result, then SIGKILLs the
# server in the middle of a second one, checks that nothing of it was
# applied, restarts the server and checks that the job completes once.
#   SLT_JOBS_DB      database name (default slt_jobs_check; dropped at the end)
#   SLT_JOBS_SERIALS serials of the first assignment (default 20000)
set -euo pipefail
source "$(dirname "$0")/env.sh"
find_odoo_src
[ -x "$PY" ] && [ -f "$ODOORC" ] || die "run 'make setup' first"
DB="${SLT_JOBS_DB:-slt_jobs_check}"
mkdir -p "$LOG_DIR"
LOG="$LOG_DIR/jobs-check-$DB.log"
: > "$LOG"
cleanup() { dropdb --if-exists -f "$DB" >/dev/null 2>&1 || true; rm -rf "$DATA_DIR/filestore/$DB"; }
trap cleanup EXIT

dropdb --if-exists -f "$DB" >/dev/null
TEMPLATE="$(test_template)"
ensure_template "$TEMPLATE" -i "$TEST_MODULES"
copy_db "$TEMPLATE" "$DB"
echo "Installing $ADDON into $DB (log: $LOG)"
odoo_bin -d "$DB" -i "$ADDON" --stop-after-init --log-level=warn >>"$LOG" 2>&1 \
    || die "install failed, see $LOG"
"$PY" "$ROOT/dev/tools/jobs_check.py" --db "$DB" --odoo-bin "$ODOO_SRC/odoo-bin" \
    --config "$ODOORC" --log "$LOG" --serials "${SLT_JOBS_SERIALS:-20000}"
