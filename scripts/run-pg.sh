#!/usr/bin/env bash
# `make run-pg`: brid on a throwaway local PostgreSQL, to try the PostgreSQL store.
#
# Starts a PostgreSQL server of its own (initdb in var/pg, as the `postgres` user when run
# as root: initdb refuses root), listening on a Unix socket in that folder only, with a role
# `brid` that logs in with a password (kept in var/pg/password, mode 0600) and a database
# `brid` it owns. Writes var/brid-pg.toml — the bundled config with `[store] kind =
# "postgresql"` — and runs brid on it in the foreground; Ctrl-C stops brid, then the server.
# Run it again and the same server and data are used; `make clean-state` throws them away.
set -euo pipefail
cd "$(dirname "$0")/.."

state=var
pgdir="$state/pg"
port=${BRID_PG_PORT:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "run-pg: PostgreSQL is not installed (make deps installs it)" >&2; exit 1; }

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$pgdir"
pgdir=$(cd "$pgdir" && pwd)
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$pgdir"
    # The postgres user must reach the folder: every parent needs search permission.
    d="$pgdir"; while [ "$d" != / ]; do d=$(dirname "$d"); [ -x "$d" ] || break; done
    runuser -u postgres -- test -x "$pgdir" || {
        echo "run-pg: the postgres user cannot enter $pgdir (a parent folder is private); move the checkout" >&2; exit 1; }
fi

if [ ! -f "$pgdir/data/PG_VERSION" ]; then
    echo "run-pg: creating a PostgreSQL cluster in $pgdir/data"
    as_pg "$bin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
    cat >> "$pgdir/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $port
unix_socket_directories = '$pgdir'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
CONF
    printf 'local all postgres trust\nlocal all all scram-sha-256\n' > "$pgdir/data/pg_hba.conf"
    chown --reference="$pgdir/data" "$pgdir/data/pg_hba.conf"
fi

# The port the cluster was made with (BRID_PG_PORT counts when it is first made).
port=$(sed -n "s/^port = \([0-9]*\)$/\1/p" "$pgdir/data/postgresql.conf" | tail -1)

if ! as_pg "$bin/pg_ctl" status -D "$pgdir/data" >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" start -w -t 60 -D "$pgdir/data" -l "$pgdir/server.log" >/dev/null
fi
stop_server() { as_pg "$bin/pg_ctl" stop -D "$pgdir/data" -m fast >/dev/null 2>&1 || true; }
trap stop_server EXIT

psql_su() { as_pg "$bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$pgdir" -p "$port" -U postgres "$@"; }
if [ ! -s "$pgdir/password" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$pgdir/password")
fi
password=$(cat "$pgdir/password")
# The role brid logs in with a password and owns its database (Docs: README "Roles and grants").
# The password goes to psql on its standard input, not on a command line others can see.
if [ -z "$(psql_su -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'brid'")" ]; then
    printf "CREATE ROLE brid LOGIN PASSWORD '%s';\n" "$password" | psql_su -d postgres
    psql_su -d postgres -c "CREATE DATABASE brid OWNER brid"
fi

# The bundled config, its store moved to this server. Its relative paths resolve against
# Config/, so the copy sits there too (git ignores it).
config=Config/brid-pg.local.toml
{
    # Its listener beside make run's (8089): 8090.
    sed 's/listen = "127.0.0.1:8089"/listen = "127.0.0.1:8090"/' Config/brid.toml
    cat <<TOML

# Added by scripts/run-pg.sh: the store in the throwaway PostgreSQL of var/pg.
[store]
kind = "postgresql"
url = "postgresql://brid@$(printf %s "$pgdir" | sed 's|/|%2F|g'):$port/brid"
password = { file = "$pgdir/password" }
lease = "30s"
TOML
} > "$config"

mkdir -p "$state/drop/bri-cn-kz"
cp Config/samples/bri-cn-kz-2018.csv "$state/drop/bri-cn-kz/"
echo "run-pg: PostgreSQL on $pgdir (port $port), database brid; config $config"
echo "  psql: psql -h $pgdir -p $port -U brid brid   (password in $pgdir/password)"
echo "  brictl: export BRID_SOCKET=$state/control.sock; .build/debug/brictl status"
.build/debug/brid --config "$config"
