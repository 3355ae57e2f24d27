#!/usr/bin/env bash
# make pytest: the add-on's tests under pytest-odoo, on the database that
# `make test` prepared (the add-on installed). Extra arguments go to pytest,
# e.g.  make pytest ARGS="-k uniqueness"
set -euo pipefail
source "$(dirname "$0")/env.sh"
find_odoo_src
DB="${SLT_TEST_DB:-slt_test}"
db_exists "$DB" || die "database $DB does not exist: run 'make test' first"
# The browser tours (HttpCase) need Odoo's HTTP server: --odoo-http, on a
# free port so that it can run beside `make run`.
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# Through the link, so that pytest-odoo imports odoo.addons.$ADDON.
exec "$VENV/bin/pytest" --odoo-database="$DB" --odoo-config="$ODOORC" \
    --odoo-http --odoo-extra="http-port=$PORT" -p no:cacheprovider \
    "$ADDONS_DIR/$ADDON/tests" "$@"
