# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# A real streaming-replication standby of the throwaway PostgreSQL (harness/postgres_lib.sh),
# for the failover tests of issue 13: a second instance of its own (directory, port, socket),
# made with pg_basebackup from the primary as `nobody`, replicating over TLS with a client
# certificate, synchronous or not. Stopped and deleted at exit on every path, as the primary is.
#
# After pg_start_server:
#   pg_start_standby NAME [sync|async]
#                        makes and starts the standby (application_name NAME) on a free port;
#                        for sync the primary gets synchronous_standby_names = 'FIRST 1 (NAME)'
#                        and synchronous_commit = on, for async synchronous_standby_names = ''.
#                        Returns once pg_stat_replication on the primary shows it streaming with
#                        that sync_state (bounded). Sets PG_STANDBY_DIR, PG_STANDBY_PORT,
#                        PG_STANDBY_NAME.
#   pg_name_standby sync|async
#                        the primary's synchronous settings changed for the standby, and the same
#                        bounded wait (the failover test's control makes it asynchronous).
#   pg_fleet_conninfo ROLE
#                        ROLE's conninfo (as pg_conninfo) listing the primary, then the standby,
#                        with target_session_attrs=read-write: libpq uses whichever is primary.
#   pg_standby_sql SQL...
#                        pg_super_sql on the standby (a read-only session while it is one).
#   pg_kill9_primary     SIGKILL to the primary's postmaster and all its processes at once (a crash).
#   pg_promote_standby   pg_ctl promote -w (bounded), then pg_swap_roles: from here on PG_DIR,
#                        PG_PORT, pg_super_sql, pg_conninfo... are the promoted server's, and
#                        PG_STANDBY_* the killed primary's (directory and port).
#   pg_swap_roles        swaps the PG_* and PG_STANDBY_* instances (and the conninfos).
#   pg_rebase_old_primary [sync|async]
#                        the instance in PG_STANDBY_DIR (the old primary) made again as a standby
#                        of the primary, on its old port, with the name PG_STANDBY_NAME: a fresh
#                        pg_basebackup into its directory (its own data is thrown away), then as
#                        pg_start_standby.
#   pg_freeze_standby [walreceiver]
#                        SIGSTOP to all the standby's processes (postmaster, startup,
#                        walreceiver: the primary gets no more replies, a standby that stops
#                        answering), or only to its walreceiver. pg_thaw_standby undoes either.
#   pg_halt_standby      a clean stop that keeps its data; pg_restart_standby starts it again.
#
# The reference setup this follows (what examples/postgresql/ documents, checked here):
#   CREATE ROLE replicator WITH LOGIN REPLICATION;      -- no password: a client certificate
#   pg_hba.conf on every server (a standby becomes the primary one day):
#     hostssl replication replicator <standby address>/32 cert
#   the standby: pg_basebackup -R -X stream -c fast -d 'host=... user=replicator
#     sslmode=verify-full sslrootcert=... sslcert=... sslkey=...', and primary_conninfo with
#     application_name=NAME (what synchronous_standby_names names) and sslmode=verify-full;
#   the primary: synchronous_standby_names = 'FIRST 1 (NAME)', synchronous_commit = on (the
#     default): a COMMIT returns once the standby has flushed its WAL, so a code consumed on the
#     primary survives the primary's loss; wal_level = replica and max_wal_senders >= 1 are
#     PostgreSQL 15's defaults. A promoted standby runs with synchronous_standby_names = '' (it
#     has no standby to wait for) until a new standby is attached and named.

# Sourced again after the server started (base_lib.sh's list of cleanups starts empty), it
# would forget the server: so only if not yet there.
# shellcheck source=harness/postgres_lib.sh
declare -F pg_start_server >/dev/null || . "${BASH_SOURCE[0]%/*}/postgres_lib.sh"

PG_STANDBY_DIR=${PG_STANDBY_DIR:-}
PG_STANDBY_PORT=${PG_STANDBY_PORT:-}
PG_STANDBY_NAME=${PG_STANDBY_NAME:-}
# How long a standby gets to catch up and stream, and a promotion to finish, in seconds.
PG_STANDBY_WAIT_S=60

# pg_start_standby NAME [sync|async]: see the header.
pg_start_standby() {
  PG_STANDBY_NAME=$1
  [[ -n ${PG_DIR:-} && -n ${PG_TLS_DIR:-} ]] || e2e_die "pg_start_standby needs pg_start_server"
  [[ -z $PG_STANDBY_DIR ]] || e2e_die "there is a standby already"
  e2e_require_tools "$PG_BIN/pg_basebackup"
  [[ -f $PG_TLS_DIR/$PG_REPLICATOR_ROLE.crt ]] ||
    pg_make_cert "$PG_REPLICATOR_ROLE" "$PG_REPLICATOR_ROLE"
  pg_super_sql "SELECT 1 FROM pg_roles WHERE rolname = '$PG_REPLICATOR_ROLE'" | grep -q . ||
    pg_super_sql "CREATE ROLE $PG_REPLICATOR_ROLE WITH LOGIN REPLICATION"
  e2e_on_exit pg_stop_standby
  pg_make_instance_dir PG_STANDBY_DIR
  pg_basebackup_into "$PG_STANDBY_DIR"
  pg_start_on_free_port "$PG_STANDBY_DIR" PG_STANDBY_PORT
  pg_name_standby "${2:-sync}"
}

# pg_replication_conninfo DIR: the conninfo the instance in DIR replicates from the primary with
# (as nobody: its certificate's copies in DIR).
pg_replication_conninfo() {
  printf 'host=127.0.0.1 port=%s user=%s application_name=%s sslmode=verify-full sslrootcert=%s sslcert=%s sslkey=%s' \
    "$PG_PORT" "$PG_REPLICATOR_ROLE" "$PG_STANDBY_NAME" "$1/ca.crt" \
    "$1/$PG_REPLICATOR_ROLE.crt" "$1/$PG_REPLICATOR_ROLE.key"
}

# pg_basebackup_into DIR: DIR/data a fresh base backup of the primary, set up as its standby.
pg_basebackup_into() {
  local dir=$1 conninfo
  install -m 0600 -o nobody -g nogroup "$PG_TLS_DIR/$PG_REPLICATOR_ROLE.key" \
    "$PG_TLS_DIR/$PG_REPLICATOR_ROLE.crt" "$dir/"
  cp "$PG_DIR/postgresql.conf.initdb" "$dir/"
  chown nobody:nogroup "$dir/postgresql.conf.initdb"
  conninfo=$(pg_replication_conninfo "$dir")
  (cd "$dir" && timeout "$PG_STANDBY_WAIT_S" setpriv --reuid=nobody --regid=nogroup \
    --clear-groups -- "$PG_BIN/pg_basebackup" -D "$dir/data" -R -X stream -c fast \
    --no-sync --no-manifest -d "$conninfo") >"$dir/basebackup.log" 2>&1 ||
    { cat "$dir/basebackup.log" >&2; e2e_die "pg_basebackup failed"; }
  # --no-sync and --no-manifest: test data, and seconds per failover round on a loaded machine.
  # -R wrote primary_conninfo already; these lines come later in the file, so they win: the
  # conninfo exactly as documented, and no synchronous standby of its own (ALTER SYSTEM on the
  # primary put one in the copied postgresql.auto.conf) until a promotion gives it one.
  printf "primary_conninfo = '%s'\nsynchronous_standby_names = ''\n" "$conninfo" \
    >>"$dir/data/postgresql.auto.conf"
}

# pg_name_standby MODE: the primary's synchronous settings for the standby PG_STANDBY_NAME, then
# a bounded wait until pg_stat_replication shows it streaming with sync_state MODE.
pg_name_standby() {
  local mode=$1 names="" waited state=""
  [[ $mode == sync || $mode == async ]] || e2e_die "standby mode sync or async, not $mode"
  [[ $mode == sync ]] && names="FIRST 1 (\"$PG_STANDBY_NAME\")"
  # One psql for the three (each -c its own statement: ALTER SYSTEM cannot be in a transaction).
  psql -X -d "$(pg_super_conninfo)" -v ON_ERROR_STOP=1 -Atq \
    -c "ALTER SYSTEM SET synchronous_standby_names = '$names'" \
    -c "ALTER SYSTEM SET synchronous_commit = on" -c "SELECT pg_reload_conf()" >/dev/null ||
    e2e_die "cannot set the primary's synchronous settings"
  for ((waited = 0; waited < PG_STANDBY_WAIT_S * 10; waited++)); do
    state=$(pg_super_sql "SELECT sync_state FROM pg_stat_replication
      WHERE application_name = '$PG_STANDBY_NAME' AND state = 'streaming'")
    [[ $state == "$mode" ]] && return 0
    sleep 0.1
  done
  tail -20 "$PG_STANDBY_DIR/server.log" >&2
  e2e_die "standby $PG_STANDBY_NAME not streaming as $mode (sync_state: ${state:-none})"
}

pg_stop_standby() {
  pg_stop_instance "${PG_STANDBY_DIR:-}"
  PG_STANDBY_DIR=""
}

pg_fleet_conninfo() {
  printf 'host=127.0.0.1,127.0.0.1 port=%s,%s dbname=%s user=%s target_session_attrs=read-write sslmode=verify-full sslrootcert=%s sslcert=%s sslkey=%s' \
    "$PG_PORT" "$PG_STANDBY_PORT" "$PG_DATABASE" "$1" "$PG_TLS_DIR/ca.crt" \
    "$PG_TLS_DIR/$1.crt" "$PG_TLS_DIR/$1.key"
}

pg_standby_sql() {
  local sql
  for sql in "$@"; do
    psql -X -d "$(pg_super_conninfo "$PG_STANDBY_DIR" "$PG_STANDBY_PORT")" -v ON_ERROR_STOP=1 \
      -Atq -c "$sql" || e2e_die "SQL on the standby failed: $sql"
  done
}

# pg_kill9_primary: the postmaster and every one of its processes (backends, walsender,
# checkpointer...) get SIGKILL in one kill(1), as in a crash of the machine: no backend lives on
# to finish a commit or send more WAL. Returns once they are all gone (bounded).
pg_kill9_primary() {
  local pids pid waited
  pids=$(pg_instance_pids "$PG_DIR")
  [[ -n $pids ]] || e2e_die "no primary to kill"
  # A backend may exit between the listing and the kill (kill then fails for it alone): what
  # counts is the wait below.
  # shellcheck disable=SC2086 # one pid a word
  kill -KILL $pids 2>/dev/null || true
  for pid in $pids; do
    for ((waited = 0; waited < 100; waited++)); do
      pg_gone "$pid" && break
      sleep 0.05
    done
    pg_gone "$pid" || e2e_die "the primary's process $pid survived SIGKILL"
  done
}

pg_promote_standby() {
  pg_as_server "$PG_BIN/pg_ctl" -D "$PG_STANDBY_DIR/data" -w -t "$PG_STANDBY_WAIT_S" \
    promote >/dev/null || { tail -20 "$PG_STANDBY_DIR/server.log" >&2; e2e_die "promote failed"; }
  pg_swap_roles
}

# shellcheck disable=SC2034 # the conninfos are for the scripts
pg_swap_roles() {
  local dir=$PG_DIR port=$PG_PORT
  PG_DIR=$PG_STANDBY_DIR
  PG_PORT=$PG_STANDBY_PORT
  PG_STANDBY_DIR=$dir
  PG_STANDBY_PORT=$port
  PG_SOCKET_DIR="$PG_DIR/sock"
  PG_HOST_CONNINFO=$(pg_conninfo "$PG_HOST_ROLE")
  PG_OWNER_CONNINFO=$(pg_conninfo "$PG_OWNER_ROLE")
}

pg_rebase_old_primary() {
  [[ -n $PG_STANDBY_DIR ]] || e2e_die "no old primary to rebase"
  # Whatever is left of it (a killed server's processes are gone; a live one is stopped).
  [[ -z $(pg_postmaster_pid "$PG_STANDBY_DIR") ]] ||
    pg_as_server "$PG_BIN/pg_ctl" -D "$PG_STANDBY_DIR/data" -m immediate -w -t 30 stop \
      >/dev/null || e2e_die "cannot stop the old primary"
  rm -rf "$PG_STANDBY_DIR/data"
  # And its socket's lock file: it names the killed postmaster, which lingers as a zombie until
  # whatever adopted it (the machine's init) reaps it, and PostgreSQL takes a lock file whose pid
  # still exists, even as a zombie, for a server that is running.
  rm -f "$PG_STANDBY_DIR"/sock/.s.PGSQL.*
  pg_basebackup_into "$PG_STANDBY_DIR"
  pg_start_instance "$PG_STANDBY_DIR" "$PG_STANDBY_PORT" ||
    e2e_die "the old primary's port $PG_STANDBY_PORT is taken"
  pg_name_standby "${1:-sync}"
}

pg_freeze_standby() {
  local pid
  if [[ ${1:-} == walreceiver ]]; then
    pid=$(pg_walreceiver_pid)
    [[ -n $pid ]] || e2e_die "the standby has no walreceiver to freeze"
    kill -STOP "$pid" || e2e_die "cannot freeze the walreceiver"
  else
    # shellcheck disable=SC2046 # one pid a word
    kill -STOP $(pg_instance_pids "$PG_STANDBY_DIR") || e2e_die "cannot freeze the standby"
  fi
}

# shellcheck disable=SC2046 # one pid a word
pg_thaw_standby() { kill -CONT $(pg_instance_pids "$PG_STANDBY_DIR") || e2e_die "cannot thaw"; }

# pg_walreceiver_pid: the standby's walreceiver process, or nothing.
pg_walreceiver_pid() {
  local pid
  pid=$(pg_postmaster_pid "$PG_STANDBY_DIR")
  [[ -n $pid ]] || return 0
  ps -o pid=,args= --ppid "$pid" | awk '/walreceiver/ { print $1; exit }'
}

pg_halt_standby() { pg_halt_server "$PG_STANDBY_DIR"; }
pg_restart_standby() { pg_restart_server "$PG_STANDBY_DIR"; }
