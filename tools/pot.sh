#!/usr/bin/env bash
# make pot: regenerate the translation template i18n/stock_lot_traceability.pot
# from a database where the add-on is installed (default: the test database).
set -euo pipefail
source "$(dirname "$0")/env.sh"
find_odoo_src
DB="${SLT_TEST_DB:-slt_test}"
db_exists "$DB" || die "database $DB does not exist: run 'make test' first"
mkdir -p "$ROOT/i18n"
"$PY" "$ODOO_SRC/odoo-bin" i18n export -c "$ODOORC" -d "$DB" \
    -o "$ROOT/i18n/$ADDON.pot" "$ADDON"
echo "wrote i18n/$ADDON.pot"
