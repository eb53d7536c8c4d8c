#!/usr/bin/env bash
# The whole suite: everything on SQLite, then the database-touching tests on PostgreSQL
# (TEST_DATABASE_URL if set, else a throw-away local cluster when the server is installed).
set -u
cd "$(dirname "$0")/.."
PYTEST=".venv/bin/python -m pytest"
status=0

echo "== Test suite on SQLite =="
$PYTEST -q tests || status=$?
# pytest exits 5 when it collected nothing: that is a failure, not a pass.
[ $status -eq 5 ] && echo "pytest collected no tests" >&2

pg_status=0
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== Database tests on PostgreSQL (TEST_DATABASE_URL) =="
  $PYTEST -q tests/integration || pg_status=$?
else
  pgdir=$(mktemp -d /tmp/sabak-pg.XXXXXX)
  chmod 755 "$pgdir"
  if url=$(bash tests/pg_cluster.sh start "$pgdir" 2>"$pgdir.err"); then
    echo "== Database tests on PostgreSQL (throw-away cluster in $pgdir) =="
    TEST_DATABASE_URL=$url $PYTEST -q tests/integration || pg_status=$?
    bash tests/pg_cluster.sh stop "$pgdir"
  else
    echo "PostgreSQL tests skipped: could not start a local server ($(cat "$pgdir.err"))."
    if [ "${CI:-}" = "true" ]; then
      echo "In CI PostgreSQL must run: failing." >&2
      pg_status=1
    fi
    rm -rf "$pgdir"
  fi
  rm -f "$pgdir.err"
fi
[ $pg_status -eq 5 ] && echo "pytest collected no PostgreSQL tests" >&2

if [ $status -ne 0 ] || [ $pg_status -ne 0 ]; then
  echo "FAILED (sqlite: $status, postgresql: $pg_status)" >&2
  exit 1
fi
echo "All tests passed on SQLite and PostgreSQL."
