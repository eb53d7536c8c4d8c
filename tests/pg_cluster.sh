#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL cluster on a Unix socket, for the test suite.
#   tests/pg_cluster.sh start DIR   -> prints the TEST_DATABASE_URL on success
#   tests/pg_cluster.sh stop DIR
set -eu
action=$1
dir=$2
bindir=""
for candidate in /usr/lib/postgresql/*/bin; do
  [ -x "$candidate/initdb" ] && bindir=$candidate
done
if [ -z "$bindir" ] && command -v initdb >/dev/null; then bindir=$(dirname "$(command -v initdb)"); fi
[ -n "$bindir" ] || { echo "no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 3; }

# PostgreSQL refuses to run as root: as root, run it as the postgres user.
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $action in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = "0" ] && chown postgres "$dir"
    as_pg "$bindir/initdb" -D "$dir/data" -U sabak --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=120" start >/dev/null
    as_pg "$bindir/createdb" -h "$dir" -U sabak sabak_test
    echo "postgresql+psycopg://sabak@/sabak_test?host=$dir"
    ;;
  stop)
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
esac
