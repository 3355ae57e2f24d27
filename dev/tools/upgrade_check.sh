#!/usr/bin/env bash
# make upgrade-check: for each old release (OLD_COMMITS), install it into a
# copy of the test template, fill it with its own code (recalls, assignment
# runs, blocked lots), upgrade it in place to this checkout with
# `-u stock_lot_traceability` and check that nothing was lost
# (dev/tools/upgrade_check.py). Prints one OK/FAILED line per check; exits
# non-zero on failure. Cleans up its git worktree and database on exit.
#   SLT_UPGRADE_DB   database name (default slt_upgrade_check)
#   SLT_UPGRADE_FROM old commits (default: see OLD_COMMITS)
set -euo pipefail

# The releases upgraded from, each into its own copy of the template: the
# first release (every migration runs, on data of the oldest schema) and
# the last landed one (its data under the latest names: moved forward at
# each release, to the commit that shipped it, README.rst, Upgrades). Each
# must exist in the clone (CI clones the full history). SLT_UPGRADE_FROM
# names others (space-separated commits).
OLD_COMMITS="${SLT_UPGRADE_FROM:-8b2ad45 e216f0c}"

source "$(dirname "$0")/env.sh"
find_odoo_src
[ -x "$PY" ] && [ -f "$ODOORC" ] || die "run 'make setup' first"
for commit in $OLD_COMMITS; do
    git -C "$ROOT" rev-parse -q --verify "$commit^{commit}" >/dev/null \
        || die "commit $commit is not in this clone (shallow clone? fetch the full history)"
done
DB="${SLT_UPGRADE_DB:-slt_upgrade_check}"
mkdir -p "$LOG_DIR"
# Outside the checkout, so that neither Odoo nor lint walks the old code.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/slt-upgrade-check.XXXXXX")"
OLD_SRC="$WORK/src"
OLD_ADDONS="$WORK/addons"

remove_old_src() {
    if ! git -C "$ROOT" worktree remove --force "$OLD_SRC" >/dev/null 2>&1; then
        rm -rf "$OLD_SRC"
        git -C "$ROOT" worktree prune   # forgets only worktrees whose folder is gone
    fi
    rm -rf "$OLD_ADDONS"
}
cleanup() {
    set +e
    remove_old_src
    dropdb --if-exists -f "$DB" >/dev/null 2>&1
    rm -rf "$WORK" "$DATA_DIR/filestore/$DB"
}
trap cleanup EXIT

started=$SECONDS
step() { echo "[$((SECONDS - started))s] $*"; }
# Odoo with the add-on taken from one folder; the log goes to $LOG.
# A step that fails ends the check, with the end of the log.
abort() {
    tail -n 25 "$LOG" | sed 's/^/    /'
    echo "upgrade-check FAILED: $* (log: $LOG)"
    exit 1
}
odoo_from() {  # addons folder, odoo-bin arguments
    local addons="$1"; shift
    odoo_bin --addons-path="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$addons" \
        -d "$DB" --stop-after-init --max-cron-threads=0 \
        --logfile="$LOG" "$@" 2>>"$LOG"
}
helper() {  # addons folder, upgrade_check.py arguments
    local addons="$1"; shift
    "$PY" "$ROOT/dev/tools/upgrade_check.py" --config "$ODOORC" --database "$DB" \
        --addons-path "$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$addons" "$@" \
        2>>"$LOG"
}
log_errors() {
    grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$LOG" || true
}
manifest_version() {
    "$PY" -c 'import ast, sys; print(ast.literal_eval(open(sys.argv[1]).read())["version"])' "$1/__manifest__.py"
}

NEW_VERSION="$(manifest_version "$ROOT")"
TEMPLATE="$(test_template)"
ensure_template "$TEMPLATE" -i "$TEST_MODULES"
summary=()
failed=0

# One upgrade from the release of commit $1: install, fill, fingerprint,
# -u with this checkout, checks. Sets hop_failed.
upgrade_from() {
    local old_commit="$1" old_version errors_before errors
    hop_failed=0
    LOG="$LOG_DIR/upgrade-check-$DB-$old_commit.log"
    : > "$LOG"
    step "Old release $old_commit into $OLD_SRC"
    remove_old_src
    git -C "$ROOT" worktree add --detach -q "$OLD_SRC" "$old_commit"
    mkdir -p "$OLD_ADDONS"
    ln -s "$OLD_SRC" "$OLD_ADDONS/$ADDON"
    old_version="$(manifest_version "$OLD_SRC")"

    dropdb --if-exists -f "$DB" >/dev/null 2>&1
    rm -rf "$DATA_DIR/filestore/$DB"
    copy_db "$TEMPLATE" "$DB"
    step "Installing $ADDON $old_version into $DB (log: $LOG)"
    odoo_from "$OLD_ADDONS" -i "$ADDON" --log-level=warn || abort "install of $old_version"
    step "Filling it with the old code"
    helper "$OLD_ADDONS" populate || abort "filling the database with the old code"
    helper "$OLD_ADDONS" fingerprint "$WORK/before.json" || abort "fingerprint"
    errors_before="$(log_errors)"

    step "Upgrading to this checkout ($NEW_VERSION): -u $ADDON"
    odoo_from "$ADDONS_DIR" -u "$ADDON" --log-level=info || abort "-u $ADDON"
    grep -E "Running upgrade|stock_lot_traceability.migrations" "$LOG" \
        | sed -E 's/^[0-9-]+ [0-9:,]+ [0-9]+ [A-Z]+ [^ ]+ /    log: /' || true

    step "Checking"
    helper "$ADDONS_DIR" verify "$WORK/before.json" --expected-version "$NEW_VERSION" \
        || hop_failed=1
    errors="$(log_errors)"
    if [ -z "$errors" ]; then
        echo "  OK     no ERROR or CRITICAL line in the install, fill and upgrade log"
    else
        echo "  FAILED ERROR or CRITICAL lines in $LOG:"
        echo "$errors" | head -n 10 | sed 's/^/    /'
        [ -n "$errors_before" ] && echo "    (some already before the upgrade)"
        hop_failed=1
    fi
    summary+=("$([ "$hop_failed" -eq 0 ] && echo OK || echo FAILED) $old_commit $old_version -> $NEW_VERSION")
}

for commit in $OLD_COMMITS; do
    upgrade_from "$commit"
    [ "$hop_failed" -eq 0 ] || failed=1
done
if [ "$failed" -ne 0 ]; then
    echo "upgrade-check FAILED ($(IFS=','; echo "${summary[*]}"); $((SECONDS - started)) s)"
    exit 1
fi
echo "upgrade-check OK ($(IFS=','; echo "${summary[*]}"); $((SECONDS - started)) s)"
