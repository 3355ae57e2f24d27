#!/usr/bin/env bash
# make compat: Odoo's own test suites of stock, product_expiry, mrp,
# purchase_stock and sale_stock, without the add-on and with it (default
# settings), on two databases of this machine; per-suite passed / failed /
# errors side by side; every test listed in tests/compat_known_failures.csv
# must fail with the add-on for the listed rule (error text matches its
# pattern) and no other test that passes without the add-on may fail with it.
#   COMPAT_SUITES   test tags (default /stock,/product_expiry,/mrp,/purchase_stock,/sale_stock)
#   COMPAT_ONLY     base | addon | report   (default: base, addon, then report)
#   COMPAT_PARALLEL 1 = run both databases at the same time
#   COMPAT_REUSE    1 = keep the databases of the previous run (the add-on is
#                   updated with -u in the add-on database)
# Long (tens of minutes): not part of CI. Results in dev/bench/out/compat/.
set -euo pipefail
source "$(dirname "$0")/env.sh"
find_odoo_src
[ -x "$PY" ] && [ -f "$ODOORC" ] || die "run 'make setup' first"
SUITES="${COMPAT_SUITES:-/stock,/product_expiry,/mrp,/purchase_stock,/sale_stock}"
OUT="$ROOT/dev/bench/out/compat"
mkdir -p "$OUT" "$LOG_DIR"
BASE_DB=slt_compat_base
ADDON_DB=slt_compat_addon

prepare_db() {  # name, extra modules to install
    local db="$1" modules="$2" tmpl
    tmpl="$("$PY" -c "import sys; sys.path.insert(0, '$ROOT/bench'); import benchlib; print(benchlib.template_name() or '')")"
    dropdb --if-exists -f "$db" >/dev/null
    rm -rf "$DATA_DIR/filestore/$db"
    if [ -n "$tmpl" ]; then
        createdb -T "$tmpl" "$db"
        [ -d "$DATA_DIR/filestore/$tmpl" ] && cp -r "$DATA_DIR/filestore/$tmpl" "$DATA_DIR/filestore/$db"
    else
        modules="$EXTRA_MODULES,$modules"
    fi
    odoo_bin -d "$db" -i "$modules" --stop-after-init --log-level=warn --max-cron-threads=0
}

run_suites() {  # name, db, http port
    local name="$1" db="$2" port="$3" t0 t1
    t0=$(date +%s)
    echo "[$name] running $SUITES on $db (log: $LOG_DIR/compat-$name.log)"
    set +e
    ODOO_SRC="$ODOO_SRC" "$PY" "$ROOT/dev/bench/compat_runner.py" "$OUT/$name.jsonl" \
        -c "$ODOORC" -d "$db" --test-tags "$SUITES" --stop-after-init \
        --http-port "$port" --max-cron-threads=0 --log-level=test \
        >"$LOG_DIR/compat-$name.log" 2>&1
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
    run_suites base "$BASE_DB" 8097
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
    run_suites addon "$ADDON_DB" 8098
}

report() {  # COMPAT_RERUN: jsonl files of targeted re-runs replacing add-on results
    # shellcheck disable=SC2086
    "$PY" "$ROOT/dev/bench/compat_report.py" "$OUT/base.jsonl" "$OUT/addon.jsonl" \
        "$ROOT/tests/compat_known_failures.csv" ${COMPAT_RERUN:-} | tee "$OUT/latest.txt"
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
