#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the PostgreSQL backend's tests:
# Debian's `postgresql` binaries, a cluster in a fresh temporary directory,
# listening only on a Unix socket in that directory, stopped and removed when
# the calling script exits (even on failure). Sourced by test.sh; also usable
# alone: `bash scripts/test-postgres.sh COMMAND...` runs COMMAND with the
# server up.
#
# The server runs as the `postgres` user when this runs as root (CI runs as
# root, and PostgreSQL refuses to), else as the calling user. The library's
# role, `linkvault_app`, is an ordinary login role: no SUPERUSER, no
# BYPASSRLS, so row-level security applies to it. It owns the database
# `linkvault`. The connection URI is exported as LINKVAULT_TEST_POSTGRES;
# LINKVAULT_PG_DIR (the cluster is in its data/) and LINKVAULT_PG_BIN let a
# test restart the server (pg_ctl, as the server's owner).
set -euo pipefail

pg_bin="${LINKVAULT_PG_BIN:-/usr/lib/postgresql/15/bin}"

# Runs a command as the server's owner.
as_server_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_test_postgres() {
  if [[ -n "${LINKVAULT_PG_DIR:-}" && -d "$LINKVAULT_PG_DIR" ]]; then
    as_server_owner "$pg_bin/pg_ctl" -D "$LINKVAULT_PG_DIR/data" -m immediate -w stop \
      >/dev/null 2>&1 || true
    rm -rf "$LINKVAULT_PG_DIR"
  fi
  unset LINKVAULT_PG_DIR LINKVAULT_TEST_POSTGRES
}

start_test_postgres() {
  if [[ ! -x "$pg_bin/initdb" ]]; then
    echo "test-postgres: $pg_bin/initdb not found (apt-get install postgresql)" >&2
    return 1
  fi
  export LINKVAULT_PG_BIN="$pg_bin"  # the tests restart the server (pg_ctl)
  LINKVAULT_PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/linkvault-pg-XXXXXX")"
  export LINKVAULT_PG_DIR
  trap stop_test_postgres EXIT
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$LINKVAULT_PG_DIR"; fi
  as_server_owner "$pg_bin/initdb" -D "$LINKVAULT_PG_DIR/data" --auth=trust \
    --username=postgres --encoding=UTF8 --no-sync >/dev/null
  # No TCP at all; the socket lives in the temporary directory. fsync off:
  # a test server's durability is not what the tests are about (the
  # library's own crash tests kill clients, not the server's machine).
  as_server_owner "$pg_bin/pg_ctl" -D "$LINKVAULT_PG_DIR/data" -w -s \
    -l "$LINKVAULT_PG_DIR/server.log" \
    -o "-c listen_addresses='' -k $LINKVAULT_PG_DIR -c fsync=off -c max_connections=200" \
    start
  local psql=("$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$LINKVAULT_PG_DIR" -U postgres
              -d postgres)
  as_server_owner "${psql[@]}" -c \
    "CREATE ROLE linkvault_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB"
  as_server_owner "${psql[@]}" -c "CREATE DATABASE linkvault OWNER linkvault_app"
  export LINKVAULT_TEST_POSTGRES="postgresql://linkvault_app@/linkvault?host=$LINKVAULT_PG_DIR"
  echo "test-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') up at $LINKVAULT_PG_DIR"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  start_test_postgres
  "$@"
fi
