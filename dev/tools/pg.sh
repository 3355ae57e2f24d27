# PostgreSQL part of `make setup`; sourced by dev/tools/setup.sh and by the
# setup self-test (dev/tools/setup_selftest.sh), never run on its own.
# Needs env.sh (die, PGHOST, PGPORT, PGUSER, PGPASSWORD).

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else
        echo "Run as root:  $*" >&2; return 1
    fi
}

# psql as the cluster's superuser over the local socket (peer
# authentication). The PG* variables of env.sh describe the role that is
# being created, so they must not reach this client: with them it would try
# to log in as that role before it exists.
psql_as_postgres() {  # port, psql arguments...
    local port="$1"; shift
    local client=(env -u PGHOST -u PGUSER -u PGPASSWORD -u PGDATABASE
                  psql -X -q -p "$port" -d postgres "$@")
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "${client[@]}")
    elif [ "$(id -un)" = postgres ]; then
        "${client[@]}"
    else
        (cd / && sudo -u postgres "${client[@]}")
    fi
}

# Start the Debian cluster that listens on the port, unless it is running.
pg_ensure_running() {  # port
    local port="$1" cluster
    pg_isready -q -h "$PGHOST" -p "$port" && return 0
    cluster="$(pg_lsclusters --no-header | awk -v p="$port" '$3 == p {print $1" "$2; exit}')"
    [ -n "$cluster" ] || die "no PostgreSQL cluster on port $port (pg_lsclusters); install postgresql (13+) or set PGPORT"
    echo "Starting PostgreSQL cluster $cluster (port $port)"
    # shellcheck disable=SC2086
    as_root pg_ctlcluster $cluster start || die "start PostgreSQL with: pg_ctlcluster $cluster start"
    for _ in $(seq 30); do pg_isready -q -h "$PGHOST" -p "$port" && return 0; sleep 1; done
    die "PostgreSQL cluster $cluster did not accept connections within 30 s"
}

# A login role Odoo accepts (it refuses 'postgres'), with the password of
# env.sh; created when missing, its password and rights reset otherwise.
pg_ensure_role() {  # port
    local port="$1"
    if PGPORT="$port" psql -X -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
        return 0
    fi
    echo "Creating PostgreSQL role $PGUSER (port $port)"
    local sql="DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PGUSER')
         THEN CREATE ROLE \"$PGUSER\" LOGIN SUPERUSER PASSWORD '$PGPASSWORD';
         ELSE ALTER ROLE \"$PGUSER\" LOGIN SUPERUSER PASSWORD '$PGPASSWORD'; END IF; END\$\$;"
    psql_as_postgres "$port" -c "$sql" \
        || die "create the role with: sudo -u postgres psql -p $port -c \"CREATE ROLE $PGUSER LOGIN SUPERUSER PASSWORD '$PGPASSWORD'\""
    PGPORT="$port" psql -X -d postgres -tAc "SELECT 1" >/dev/null \
        || die "role $PGUSER was created but cannot log in on $PGHOST:$port (check pg_hba.conf)"
}
