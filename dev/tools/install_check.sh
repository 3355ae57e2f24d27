#!/usr/bin/env bash
# make install-check: install the add-on, for real, on a copy of the test
# template seeded (through standard Odoo, before the add-on) with what its
# rules forbid; check that the install succeeds without changing data,
# reports every problem (log, health check, settings), that the fix creates
# the unique index, and that an upgrade or a server start recreates a
# missing one.
#   SLT_INSTALL_DB   database name (default slt_install_check; dropped at the end)
set -euo pipefail
source "$(dirname "$0")/env.sh"
find_odoo_src
[ -x "$PY" ] && [ -f "$ODOORC" ] || die "run 'make setup' first"
DB="${SLT_INSTALL_DB:-slt_install_check}"
INDEX=stock_lot_traceability_unique_key_uniq
HERE="$(dirname "$0")/install_check"
mkdir -p "$LOG_DIR"
LOG="$LOG_DIR/install-check-$DB.log"
: > "$LOG"
fail() { echo "install-check FAILED: $*"; echo "log: $LOG"; exit 1; }
q() { psql -d "$DB" -tAc "$1"; }
index_count() { q "SELECT count(*) FROM pg_indexes WHERE indexname = '$INDEX'"; }
data_sum() {
    q "SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
         SELECT concat_ws('|', 'lot', id, name, product_id, company_id) x FROM stock_lot
         UNION ALL SELECT concat_ws('|', 'quant', id, lot_id, location_id, quantity,
                                    reserved_quantity) FROM stock_quant
         UNION ALL SELECT concat_ws('|', 'line', id, lot_id, state, quantity)
                     FROM stock_move_line) t"
}
shell() { SLT_DEV_TOOLS="$ROOT/dev/tools" "$PY" "$ODOO_SRC/odoo-bin" shell -c "$ODOORC" -d "$DB" --no-http --log-level=warn < "$1" 2>&1 | tee -a "$LOG"; }

dropdb --if-exists -f "$DB" >/dev/null
TEMPLATE="$(test_template)"
ensure_template "$TEMPLATE" -i "$TEST_MODULES"
copy_db "$TEMPLATE" "$DB"

echo "1. Seeding $DB with standard Odoo (add-on not installed)"
shell "$HERE/seed.py" | grep -q SEEDED || fail "seeding"
before="$(data_sum)"

echo "2. Installing $ADDON"
odoo_bin -d "$DB" -i "$ADDON" --stop-after-init --log-level=info >>"$LOG" 2>&1 \
    || fail "the install exited non-zero"
[ "$(data_sum)" = "$before" ] || fail "the install changed lots, quants or move lines"
[ "$(index_count)" = 0 ] || fail "the unique index exists over duplicates"
grep -q "Serial uniqueness is not enforced by the database: 2 groups" "$LOG" \
    || fail "no warning naming the groups in the log"
# Odoo's own line for the index it could not create is the only ERROR.
if grep " ERROR " "$LOG" | grep -v "odoo.schema: could not create unique index \"$INDEX\""; then
    fail "unexpected ERROR lines in the install log"
fi
echo "   installed; data unchanged; index absent and reported in the log"

echo "3. Health check, settings warning, fix with the wizard"
out="$(shell "$HERE/verify.py")"
for expected in "('unique_key_conflict', 2)" "('serial_duplicate', 1)" \
        "('negative_lot', 1)" "('no_incoming', 2)" \
        "WARNING Serial uniqueness is not enforced by the database: 2 groups" \
        "FIX success" "WARNING AFTER FIX ''"; do
    grep -qF "$expected" <<<"$out" || fail "missing in the health/fix output: $expected"
done
[ "$(index_count)" = 1 ] || fail "the fix did not create the unique index"
echo "   2 groups found and renamed; index created; warning gone"

echo "4. Upgrade recreates a missing index"
q "DROP INDEX $INDEX" >/dev/null
odoo_bin -d "$DB" -u "$ADDON" --stop-after-init --log-level=info >>"$LOG" 2>&1 \
    || fail "the upgrade exited non-zero"
[ "$(index_count)" = 1 ] || fail "the upgrade did not recreate the index"
echo "   recreated"

echo "5. Registry load (server start) recreates a missing index"
q "DROP INDEX $INDEX" >/dev/null
echo "print('LOADED')" > "$LOG_DIR/install-check-load.py"
shell "$LOG_DIR/install-check-load.py" | grep -q LOADED || fail "registry load"
[ "$(index_count)" = 1 ] || fail "the registry load did not recreate the index"
echo "   recreated"

dropdb -f "$DB" >/dev/null
rm -rf "$DATA_DIR/filestore/$DB"
echo "install-check: OK (log: $LOG)"
