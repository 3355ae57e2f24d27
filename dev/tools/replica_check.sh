#!/usr/bin/env bash
# make replica-check: the read-only entry points served by a PostgreSQL
# replica. Leaves the development cluster (PGPORT) alone:
#   1. a throwaway PRIMARY cluster on a free port (pg_createcluster), with
#      pg_stat_statements, the odoo role and a replication role;
#   2. a streaming REPLICA of it on a second free port: pg_basebackup -R
#      into a second cluster's data directory, started, streaming checked in
#      the primary's pg_stat_replication;
#   3. a small database on the primary: the add-on installed without demo
#      data (no mrp: the chain's levels are received, not manufactured), a
#      two-level chain shipped to customers and a traced recall of its lots
#      (TraceabilityChainBuilder, in odoo-bin shell);
#   4. dev/tools/replica_check.py starts odoo-bin with db_host/db_port of the
#      primary and db_replica_host/db_replica_port of the replica, calls the
#      read-only entry points over JSON-RPC and HTTP, and reads each
#      cluster's own pg_stat_statements to show where their queries ran.
# Both clusters are dropped at the end, whatever happens. Needs root (or
# sudo) and Debian's postgresql-common (pg_createcluster), like
# make setup-selftest.
#   SLT_REPLICA_DB  database name (default slt_replica_check)
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/pg.sh"
find_odoo_src
[ -x "$PY" ] && [ -f "$ODOORC" ] || die "run 'make setup' first"
command -v pg_createcluster >/dev/null || die "pg_createcluster not found: apt-get install postgresql"
version="$(pg_lsclusters --no-header | awk 'NR == 1 {print $1}')"
[ -n "$version" ] || version="$(ls /usr/lib/postgresql | sort -n | tail -n1)"
pgbin="/usr/lib/postgresql/$version/bin"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
primary_port="$(free_port)"
replica_port="$(free_port)"
[ "$primary_port" != "$replica_port" ] || replica_port="$(free_port)"
primary="slt_replica_$$_primary"
replica="slt_replica_$$_standby"
DB="${SLT_REPLICA_DB:-slt_replica_check}"
REPLICATOR=slt_replicator
REPLICATOR_PASSWORD="replica-$$-$RANDOM"
mkdir -p "$LOG_DIR"
LOG="$LOG_DIR/replica-check.log"
: > "$LOG"

as_postgres() { (cd / && if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi); }
drop_cluster() {
    as_root pg_dropcluster --stop "$version" "$1" >/dev/null 2>&1 || true
    # pg_dropcluster keeps a configuration folder holding files of our own
    as_root rm -rf "/etc/postgresql/$version/$1"
}
cleanup() {
    drop_cluster "$replica"
    drop_cluster "$primary"
    rm -rf "$DATA_DIR/filestore/$DB"
}
trap cleanup EXIT
# Clusters a killed earlier run left behind (its process is gone).
for stale in $(pg_lsclusters --no-header | awk '$2 ~ /^slt_replica_[0-9]+_(primary|standby)$/ {print $2}'); do
    pid="${stale#slt_replica_}"; pid="${pid%%_*}"
    kill -0 "$pid" 2>/dev/null || { echo "Dropping stale cluster $stale"; drop_cluster "$stale"; }
done

settings() {  # cluster: pg_stat_statements and the replication settings
    local conf="/etc/postgresql/$version/$1/conf.d/replica_check.conf"
    printf '%s\n' \
        "shared_preload_libraries = 'pg_stat_statements'" \
        "pg_stat_statements.track = all" \
        "wal_level = replica" \
        "max_wal_senders = 4" \
        "hot_standby = on" \
        "listen_addresses = 'localhost'" | as_root tee "$conf" >/dev/null
}

echo "replica-check: primary $version/$primary on port $primary_port (log: $LOG)"
# UTF-8 whatever the caller's locale: a bare environment (CI) would give
# SQL_ASCII, which Odoo cannot use.
as_root pg_createcluster "$version" "$primary" -p "$primary_port" -e UTF8 --locale C.UTF-8 >>"$LOG" 2>&1
settings "$primary"
as_root pg_ctlcluster "$version" "$primary" start
pg_ensure_role "$primary_port" >>"$LOG"
psql_as_postgres "$primary_port" -c \
    "CREATE ROLE $REPLICATOR REPLICATION LOGIN PASSWORD '$REPLICATOR_PASSWORD'"

echo "replica-check: streaming replica $version/$replica on port $replica_port (pg_basebackup -R)"
as_root pg_createcluster "$version" "$replica" -p "$replica_port" -e UTF8 --locale C.UTF-8 >>"$LOG" 2>&1
settings "$replica"
replica_data="$(pg_lsclusters --no-header | awk -v c="$replica" '$2 == c {print $6}')"
as_postgres bash -c "rm -rf '$replica_data' && mkdir -m 700 '$replica_data'"
# Over TCP with a password, as a standby on another host would connect
# (Debian's pg_hba.conf: host replication all 127.0.0.1/32 scram-sha-256).
as_postgres env PGPASSWORD="$REPLICATOR_PASSWORD" "$pgbin/pg_basebackup" \
    -h 127.0.0.1 -p "$primary_port" -U "$REPLICATOR" -D "$replica_data" \
    -R -X stream -c fast >>"$LOG" 2>&1 || die "pg_basebackup failed, see $LOG"
as_root pg_ctlcluster "$version" "$replica" start

echo "replica-check: database $DB on the primary (add-on without demo data, a traced recall)"
primary_args=(--db_host 127.0.0.1 --db_port "$primary_port")
PGPORT="$primary_port" dropdb --if-exists -f "$DB" >/dev/null
PGPORT="$primary_port" psql -X -q -d postgres -c "CREATE DATABASE \"$DB\""
PGPORT="$primary_port" psql -X -q -d "$DB" -c "CREATE EXTENSION pg_stat_statements"
odoo_bin "${primary_args[@]}" -d "$DB" -i "$ADDON" --stop-after-init \
    --log-level=warn >>"$LOG" 2>&1 || die "install failed, see $LOG"
"$PY" "$ODOO_SRC/odoo-bin" shell -c "$ODOORC" "${primary_args[@]}" -d "$DB" --no-http --log-level=warn >>"$LOG" 2>&1 <<'PYTHON' \
    || die "building the chain failed, see $LOG"
from odoo.addons.stock_lot_traceability.tests.chain_builder import (
    TraceabilityChainBuilder,
)
from odoo.fields import Command

env.user.group_ids |= env.ref("stock.group_production_lot") | env.ref(
    "stock_lot_traceability.group_recall_manager"
)
chain = TraceabilityChainBuilder(env).build_chain(
    levels=2, prefix="REPLICA", serials=4, customers=2, raw_qty=10.0
)
recall = env["stock.recall"].create(
    {
        "lot_ids": [Command.set(env["stock.lot"].union(*chain["lots"]).ids)],
        "reason": "make replica-check",
    }
)
recall.action_trace()
env.cr.commit()
PYTHON

"$PY" "$ROOT/dev/tools/replica_check.py" --db "$DB" --odoo-bin "$ODOO_SRC/odoo-bin" \
    --config "$ODOORC" --log "$LOG" \
    --primary-port "$primary_port" --replica-port "$replica_port"
