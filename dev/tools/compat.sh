#!/usr/bin/env bash
# make compat: Odoo's own test suites of the apps the add-on works with
# (COMPAT_SUITES below), without the add-on and with it (default settings), on
# two databases copied from the test template (dev/tools/env.sh); per-suite
# passed / failed / errors side by side; every test listed in
# tests/compat_known_failures.csv must fail with the add-on for the listed
# rule (error text matches its pattern) and no other test that passes without
# the add-on may fail with it.
#   COMPAT_SUITES   test tags (default: DEFAULT_SUITES below)
#   COMPAT_ONLY     base | addon | report   (default: base, addon, then report)
#   COMPAT_PARALLEL 1 = run both databases at the same time
#   COMPAT_REUSE    1 = keep the databases of the previous run (the add-on is
#                   updated with -u in the add-on database)
#   COMPAT_DB       prefix of the two database names (default slt_compat)
#   COMPAT_OUT      results folder (default dev/bench/out/compat)
#   COMPAT_REPORT_DIRS  results folders the report combines (default
#                   COMPAT_OUT): the full run in chunks, each chunk with its
#                   own COMPAT_SUITES, COMPAT_DB and COMPAT_OUT, then one
#                   report over the chunks' folders; a later folder's result
#                   of a test replaces an earlier one's
# The full run is long (hours on two busy cores, most of it point_of_sale's
# browser tours): CI runs a small selection (make compat-smoke).
set -euo pipefail
source "$(dirname "$0")/env.sh"
find_odoo_src
[ -x "$PY" ] && [ -f "$ODOORC" ] || die "run 'make setup' first"
DEFAULT_SUITES=/stock,/product_expiry,/mrp,/purchase_stock,/sale_stock
DEFAULT_SUITES+=,/repair,/stock_dropshipping,/mrp_subcontracting,/point_of_sale,/stock_account
SUITES="${COMPAT_SUITES:-$DEFAULT_SUITES}"
OUT="${COMPAT_OUT:-$ROOT/dev/bench/out/compat}"
mkdir -p "$OUT" "$LOG_DIR"
BASE_DB="${COMPAT_DB:-slt_compat}_base"
ADDON_DB="${COMPAT_DB:-slt_compat}_addon"

prepare_db() {  # name, modules to install next to TEST_MODULES
    local db="$1" modules="$2" template
    dropdb --if-exists -f "$db" >/dev/null
    # The template of make test: the apps of TEST_MODULES, which hold every
    # suite of DEFAULT_SUITES and its dependencies.
    template="$(test_template)"
    ensure_template "$template" -i "$TEST_MODULES"
    copy_db "$template" "$db"
    odoo_bin -d "$db" -i "$modules" --stop-after-init --log-level=warn --max-cron-threads=0
}

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

run_suites() {  # name, db
    local name="$1" db="$2" port t0 t1
    port="$(free_port)"
    t0=$(date +%s)
    # A folder reused for another run must not say the old run finished.
    rm -f "$OUT/$name.rc" "$OUT/$name.seconds"
    echo "$SUITES" >"$OUT/$name.suites"
    echo "[$name] running $SUITES on $db (log: $LOG_DIR/compat-$db.log)"
    set +e
    ODOO_SRC="$ODOO_SRC" "$PY" "$ROOT/dev/bench/compat_runner.py" "$OUT/$name.jsonl" \
        -c "$ODOORC" -d "$db" --test-tags "$SUITES" --stop-after-init \
        --http-port "$port" --max-cron-threads=0 --log-level=test \
        >"$LOG_DIR/compat-$db.log" 2>&1
    echo $? >"$OUT/$name.rc"
    set -e
    t1=$(date +%s)
    echo $((t1 - t0)) >"$OUT/$name.seconds"
    echo "[$name] done in $((t1 - t0)) s ($(wc -l <"$OUT/$name.jsonl") results)"
}

base() {
    local t0; t0=$(date +%s)
    if [ "${COMPAT_REUSE:-0}" != 1 ] || ! db_exists "$BASE_DB"; then
        prepare_db "$BASE_DB" product_expiry
    fi
    echo $(( $(date +%s) - t0 )) >"$OUT/base.setup_seconds"
    run_suites base "$BASE_DB"
}

addon() {
    local t0; t0=$(date +%s)
    if [ "${COMPAT_REUSE:-0}" = 1 ] && db_exists "$ADDON_DB"; then
        odoo_bin -d "$ADDON_DB" -u "$ADDON" --stop-after-init --log-level=warn \
            --max-cron-threads=0
    else
        prepare_db "$ADDON_DB" "product_expiry,$ADDON"
    fi
    echo $(( $(date +%s) - t0 )) >"$OUT/addon.setup_seconds"
    run_suites addon "$ADDON_DB"
}

report() {  # COMPAT_RERUN: jsonl files of targeted re-runs replacing add-on results
    local rerun=()
    # shellcheck disable=SC2206
    [ -n "${COMPAT_RERUN:-}" ] && rerun=(--rerun ${COMPAT_RERUN})
    # shellcheck disable=SC2086
    "$PY" "$ROOT/dev/bench/compat_report.py" "$ROOT/tests/compat_known_failures.csv" \
        ${COMPAT_REPORT_DIRS:-$OUT} "${rerun[@]}" | tee "$OUT/latest.txt"
    return "${PIPESTATUS[0]}"
}

case "${COMPAT_ONLY:-all}" in
    base) base ;;
    addon) addon ;;
    report) report ;;
    all)
        if [ "${COMPAT_PARALLEL:-0}" = 1 ]; then
            base & pid=$!
            addon
            wait "$pid"
        else
            base
            addon
        fi
        report
        ;;
    *) die "COMPAT_ONLY must be base, addon or report" ;;
esac
