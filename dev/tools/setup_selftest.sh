#!/usr/bin/env bash
# make setup-selftest: the PostgreSQL part of `make setup` on a machine that
# has never seen this project. A throwaway cluster with no roles but
# 'postgres' is created on a spare port, left stopped, then setup's own
# functions (dev/tools/pg.sh) must start it and create a role that can log in,
# twice (the second run must change nothing). The cluster is removed at the
# end, whatever happens. Needs root (or sudo) and Debian's postgresql-common.
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/pg.sh"

command -v pg_createcluster >/dev/null || die "pg_createcluster not found: apt-get install postgresql"
version="$(pg_lsclusters --no-header | awk 'NR == 1 {print $1}')"
[ -n "$version" ] || version="$(ls /usr/lib/postgresql | sort -n | tail -n1)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
name="slt_selftest_$$"

cleanup() { as_root pg_dropcluster --stop "$version" "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "setup self-test: throwaway cluster $version/$name on port $port (stopped, no odoo role)"
as_root pg_createcluster "$version" "$name" -p "$port" >/dev/null
pg_isready -q -h "$PGHOST" -p "$port" && die "the throwaway cluster should not be running yet"

fail=0
check() {  # description, command...
    local what="$1"; shift
    if "$@"; then echo "  ok   $what"; else echo "  FAIL $what"; fail=1; fi
}
role_count() { psql_as_postgres "$port" -tAc "SELECT count(*) FROM pg_roles WHERE rolname = '$PGUSER'"; }

check "no $PGUSER role before setup" [ "$(
    as_root pg_ctlcluster "$version" "$name" start && role_count
    as_root pg_ctlcluster "$version" "$name" stop)" = 0 ]

# The environment setup runs in: env.sh exported PGHOST/PGUSER/PGPASSWORD
# for the role that does not exist yet (the bug this test guards against).
first="$(pg_ensure_running "$port" && pg_ensure_role "$port")"
echo "$first" | sed 's/^/  | /'
check "setup started the cluster" pg_isready -q -h "$PGHOST" -p "$port"
check "setup created role $PGUSER" [ "$(role_count)" = 1 ]
as_role() { PGPORT="$port" psql -X -d postgres -tAc "$1" 2>/dev/null; }
check "$PGUSER logs in over TCP with its password" \
    [ "$(as_role "SELECT current_user = '$PGUSER'")" = t ]
check "$PGUSER may create databases (Odoo needs it)" \
    [ "$(as_role "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user")" = t ]
second="$(pg_ensure_running "$port" && pg_ensure_role "$port")"
check "a second run changes nothing" [ -z "$second" ]

if [ "$fail" = 0 ]; then echo "setup self-test: OK"; else echo "setup self-test: FAILED"; exit 1; fi
