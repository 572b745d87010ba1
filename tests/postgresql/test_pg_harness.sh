#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The throwaway PostgreSQL server (harness/postgres_lib.sh) that the PostgreSQL store's tests run
# against: it starts as an unprivileged user on 127.0.0.1, the roles get in only over TLS with
# their client certificate, and it is gone afterwards, whether its script exits normally or is
# killed with SIGTERM. Skips (77) only when not root.
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/pg_test_lib.sh"

# psql_as CONNINFO SQL: one value, or nothing (and psql's error on stderr) if refused.
psql_as() { PGCONNECT_TIMEOUT=10 psql -X "$1" -Atqc "$2"; }

# refused_by_server CONNINFO WHY: the server, not the client, turns the connection away, with a
# FATAL that says WHY (a client that gives up on its own proves nothing about the server).
refused_by_server() {
  local said
  said=$(psql_as "$1" 'SELECT 1' 2>&1) && return 1
  [[ $said == *"FATAL:  $2"* ]] || { echo "not the server's refusal ($2): $said"; return 1; }
}

# A server started by a child script that then ends, normally, by SIGTERM, or with its server
# frozen by SIGSTOP (a fault test that failed half-way), must leave neither a process nor a
# directory behind, and a frozen server must not hold the exit up for pg_ctl's whole wait. The
# child prints its PG_DIR and postmaster pid first.
lifecycle() {
  local how=$1 out dir pid
  out=$(bash -c '
    . "$SSHOTP_SRCDIR/harness/postgres_lib.sh"
    e2e_init sshotp-pg-life
    pg_start_server
    echo "$PG_DIR $(head -1 "$PG_DIR/data/postmaster.pid")"
    [[ $1 == term ]] && kill -TERM $$
    [[ $1 == freeze ]] && pg_freeze_server
    exit 0' lifecycle "$how")
  read -r dir pid <<<"$out"
  [[ -n $dir && -n $pid ]] || return 1
  # An exited postmaster may linger as a zombie until whoever inherited it reaps it: gone too.
  [[ ! -e $dir && $(ps -o stat= -p "$pid") != [^Z]* ]]
}

pg_test_preamble sshotp-pg-harness

owner=$(stat -c %U "$PG_DIR/data")
[[ $owner == nobody ]]
verdict "the server's data directory is nobody's, not root's" $?

[[ $(psql_as "$PG_HOST_CONNINFO" 'SELECT current_user || ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()') == sshotp_hosttrue ]]
verdict "the host role logs in over TLS with its client certificate (verify-full)" $?

[[ $(psql_as "$PG_OWNER_CONNINFO" 'SELECT current_user') == sshotp_owner ]]
verdict "the owner role logs in with its certificate" $?

# libpq sends no certificate when sslcert names no file (/dev/null would fail in the client).
no_cert="host=127.0.0.1 port=$PG_PORT dbname=sshotp user=sshotp_host sslmode=verify-full sslrootcert=$PG_TLS_DIR/ca.crt sslcert=$PG_TLS_DIR/none.crt sslkey=$PG_TLS_DIR/none.key"
refused_by_server "$no_cert" "connection requires a valid client certificate"
verdict "without a client certificate the host role is refused" $?

plain="host=127.0.0.1 port=$PG_PORT dbname=sshotp user=sshotp_host sslmode=disable"
refused_by_server "$plain" "no pg_hba.conf entry"
verdict "without TLS the host role is refused" $?

wrong_role="${PG_HOST_CONNINFO/user=sshotp_host/user=sshotp_owner}"
refused_by_server "$wrong_role" "certificate authentication failed"
verdict "the host's certificate does not log in as the owner" $?

listening=$(ss -Htlnp | grep "pid=$(head -1 "$PG_DIR/data/postmaster.pid")," | awk '{print $4}')
[[ $listening == "127.0.0.1:$PG_PORT" ]]
verdict "the server listens on 127.0.0.1 only" $?

lifecycle exit
verdict "a script that exits leaves no server and no directory" $?
lifecycle term
verdict "a script killed with SIGTERM leaves no server and no directory" $?
started=$SECONDS
lifecycle freeze
status=$?
echo "a script whose server was frozen exited (and cleaned up) in $((SECONDS - started)) s"
((status == 0 && SECONDS - started < 20))
verdict "a script whose server is frozen (SIGSTOP) leaves no server and no directory, promptly" $?

# The standby (harness/postgres_standby_lib.sh): synchronous, streaming over TLS as the
# replicator role, and what the primary commits is there. A script that started one and froze
# it (SIGSTOP, as the "standby stops answering" tests do) leaves neither server behind.
# shellcheck source=harness/postgres_standby_lib.sh
. "$SSHOTP_SRCDIR/harness/postgres_standby_lib.sh"
pg_start_standby harness-standby sync
echo "standby on 127.0.0.1:$PG_STANDBY_PORT"
[[ $(pg_super_sql "SELECT sync_state || ' ' || ssl::text || ' ' || usename
  FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)
  WHERE application_name = 'harness-standby'") == "sync true replicator" ]]
verdict "the standby streams synchronously, over TLS, as the replicator role" $?

pg_super_sql "CREATE TABLE harness_probe (v text)" "INSERT INTO harness_probe VALUES ('probe-$$')"
# A synchronous commit waits for the standby's flush, not for its replay: a short bounded wait.
standby_sees_row() {
  local waited
  for ((waited = 0; waited < 50; waited++)); do
    [[ $(pg_standby_sql "SELECT v FROM harness_probe" 2>/dev/null) == "probe-$$" ]] && return 0
    sleep 0.1
  done
  return 1
}
standby_sees_row
verdict "a row committed on the primary is read on the standby" $?

[[ $(psql_as "$(pg_fleet_conninfo "$PG_HOST_ROLE")" 'SELECT inet_server_port()') == "$PG_PORT" ]]
verdict "a conninfo listing both, read-write, reaches the primary" $?

out=$(bash -c '
  . "$SSHOTP_SRCDIR/harness/postgres_standby_lib.sh"
  e2e_init sshotp-pg-life
  pg_start_server
  pg_start_standby life async
  echo "$PG_DIR $(pg_postmaster_pid) $PG_STANDBY_DIR $(pg_postmaster_pid "$PG_STANDBY_DIR")"
  pg_freeze_standby
  exit 0')
read -r dir pid standby_dir standby_pid <<<"$out"
[[ -n $standby_pid && ! -e $dir && ! -e $standby_dir ]] &&
  ! ps -o stat= -p "$pid,$standby_pid" | awk '$1 !~ /^Z/' | grep -q .
verdict "a script whose standby is frozen leaves no server, no standby and no directory" $?

pg_test_finish
