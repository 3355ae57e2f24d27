#!/usr/bin/env bash
# make pot: regenerate the translation template i18n/stock_lot_traceability.pot
# from a database where the add-on is installed (default: the test database).
#   POT_OUT   the file to write (default i18n/stock_lot_traceability.pot)
set -euo pipefail
source "$(dirname "$0")/env.sh"
find_odoo_src
DB="${SLT_TEST_DB:-slt_test}"
db_exists "$DB" || die "database $DB does not exist: run 'make test' first"
# Odoo's exporter walks the whole module folder: give it the tracked files
# only (the checkout also holds .venv/ and the filestore).
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/addons/$ADDON"
(cd "$ROOT" && git ls-files -z | xargs -0 cp --parents -t "$tmp/addons/$ADDON")
sed -E "s#^addons_path = .*#addons_path = $tmp/addons,$ODOO_SRC/addons,$ODOO_SRC/odoo/addons#" \
    "$ODOORC" > "$tmp/odoorc"
OUT="${POT_OUT:-$ROOT/i18n/$ADDON.pot}"
mkdir -p "$(dirname "$OUT")"
"$PY" "$ODOO_SRC/odoo-bin" i18n export -c "$tmp/odoorc" -d "$DB" -o "$OUT" "$ADDON"
echo "wrote $OUT"
