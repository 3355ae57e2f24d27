#!/usr/bin/env bash
# make run: a database with the add-on and demo data (created once), then
# Odoo serving on http://localhost:8069 (admin / admin).
#   REBUILD=1   drop and recreate the database
#   SLT_DB      database name (default slt_demo)
#   SLT_PORT    HTTP port (default 8069)
set -euo pipefail
source "$(dirname "$0")/env.sh"
find_odoo_src
[ -x "$PY" ] && [ -f "$ODOORC" ] || die "run 'make setup' first"
DB="${SLT_DB:-slt_demo}"
PORT="${SLT_PORT:-8069}"
if [ "${REBUILD:-0}" = 1 ]; then
    dropdb --if-exists -f "$DB"
    rm -rf "$DATA_DIR/filestore/$DB"
fi
if ! db_exists "$DB"; then
    # The base modules with their demo data come from a template that
    # `make setup` prepares; only the add-on is installed here.
    TEMPLATE="$(demo_template)"
    ensure_template "$TEMPLATE" -i "$EXTRA_MODULES" --with-demo
    echo "Creating database $DB with $ADDON and its demo data"
    copy_db "$TEMPLATE" "$DB"
    odoo_bin -d "$DB" -i "$ADDON" --with-demo --stop-after-init --log-level=warn
fi
echo "Odoo is starting on http://localhost:$PORT  (login: admin / admin, database: $DB)"
exec "$PY" "$ODOO_SRC/odoo-bin" -c "$ODOORC" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT" "$@"
