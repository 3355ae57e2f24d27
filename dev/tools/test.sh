#!/usr/bin/env bash
# make test: a fresh database with the add-on next to the apps of TEST_MODULES
# (dev/tools/env.sh), the add-on's tests in Odoo's own runner, and a closing
# line "N passed, N failed" taken from Odoo's result line.
#   SLT_TEST_DB      database name (default slt_test)
#   SLT_TEST_TAGS    Odoo test tags (default /stock_lot_traceability)
#   SLT_NO_TEMPLATE  1 = build the base modules from scratch, no cached template
set -euo pipefail
source "$(dirname "$0")/env.sh"
find_odoo_src
[ -x "$PY" ] && [ -f "$ODOORC" ] || die "run 'make setup' first"
DB="${SLT_TEST_DB:-slt_test}"
TAGS="${SLT_TEST_TAGS:-/$ADDON}"
mkdir -p "$LOG_DIR"
LOG="$LOG_DIR/test-$DB.log"

dropdb --if-exists -f "$DB" >/dev/null
if [ "${SLT_NO_TEMPLATE:-0}" = 1 ]; then
    odoo_bin -d "$DB" -i "$TEST_MODULES" --stop-after-init --log-level=warn
else
    TEMPLATE="$(test_template)"
    ensure_template "$TEMPLATE" -i "$TEST_MODULES"
    copy_db "$TEMPLATE" "$DB"
fi

# Tours need Odoo's HTTP server: a free port, so that runs can overlap.
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "Installing $ADDON into $DB and running tests tagged $TAGS (log: $LOG)"
set +e
odoo_bin -d "$DB" -i "$ADDON" --test-tags "$TAGS" --stop-after-init \
    --log-level=test --max-cron-threads=0 --http-port="$PORT" "$@" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e

result="$(grep -E '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database' "$LOG" | tail -n1 || true)"
if [ -z "$result" ]; then
    echo "No test result line in the log: the run did not reach the tests."
    echo "0 passed, 1 failed"
    exit 1
fi
read -r failed errors total < <(echo "$result" | sed -E 's/.* ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/')
bad=$((failed + errors))
passed=$((total - bad)); [ "$passed" -ge 0 ] || passed=0
if [ "$bad" -ne 0 ]; then
    # the names of the failing tests, and the first lines of each failure,
    # at the end of the output, where a truncated CI log still shows them
    echo "Failing tests (details in $LOG):"
    grep -E -A12 '^(FAIL|ERROR): |ERROR .* (FAIL|ERROR): ' "$LOG" | cut -c1-300 | head -n 120 || true
fi
echo "$passed passed, $bad failed"
if [ "$total" -eq 0 ] && [ "$bad" -eq 0 ]; then echo "No test ran."; exit 1; fi
if [ "$bad" -ne 0 ] || [ "$rc" -ne 0 ]; then exit 1; fi
