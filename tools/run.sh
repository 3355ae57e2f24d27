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
    echo "Creating database $DB with $ADDON, $EXTRA_MODULES and demo data"
    odoo_bin -d "$DB" -i "$ADDON,$EXTRA_MODULES" --with-demo --stop-after-init --log-level=warn
fi
echo "Odoo is starting on http://localhost:$PORT  (login: admin / admin, database: $DB)"
exec "$PY" "$ODOO_SRC/odoo-bin" -c "$ODOORC" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT" "$@"
