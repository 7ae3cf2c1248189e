#!/bin/sh
# The PostgreSQL benchmarks (issue 11 point 7): starts a throwaway PostgreSQL server
# (initdb in a temporary folder, pg_ctl as the postgres user when run as root, a Unix
# socket in that folder only, the server's default settings otherwise), then runs, each on
# an empty database of its own, `brid-bench --pg-ingest` (ingest against psql's \copy) and
# `brid-bench --pg-reads` (show/history round trips through a brid daemon on PostgreSQL and
# on SQLite); the server and folder are removed at the end.
# Usage: scripts/bench-pg.sh [--pg-ingest | --pg-reads] [--series N] [--periods N]
# (both phases unless one is named; --series/--periods go to each phase run).
set -eu
cd "$(dirname "$0")/.."
ingest=yes reads=yes
case "${1:-}" in
    --pg-ingest) reads=no; shift ;;
    --pg-reads) ingest=no; shift ;;
esac
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "bench-pg: PostgreSQL is not installed (scripts/install-deps.sh)" >&2; exit 1; }
folder=$(mktemp -d /tmp/brid-bench-pg-XXXXXX)
port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$folder"
cleanup() {
    as_postgres "$bin/pg_ctl" stop -m immediate -w -D "$folder/data" >/dev/null 2>&1 || true
    rm -rf "$folder"
}
trap cleanup EXIT INT TERM
as_postgres "$bin/initdb" -D "$folder/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
cat >> "$folder/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $port
unix_socket_directories = '$folder'
CONF
as_postgres "$bin/pg_ctl" start -w -t 120 -D "$folder/data" -l "$folder/server.log" >/dev/null
"$bin/psql" -X -q -h "$folder" -p "$port" -U postgres -c "CREATE DATABASE bench" -c "CREATE DATABASE bench_reads"
swift build -c release --product brid-bench >/dev/null
if [ "$ingest" = yes ]; then
    .build/release/brid-bench --pg-ingest "host=$folder port=$port dbname=bench user=postgres" --psql "$bin/psql" "$@"
fi
if [ "$reads" = yes ]; then
    swift build -c release --product brid >/dev/null
    [ "$ingest" = yes ] && echo
    .build/release/brid-bench --pg-reads "host=$folder port=$port dbname=bench_reads user=postgres" --brid .build/release/brid "$@"
fi
