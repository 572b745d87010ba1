# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# A throwaway PgBouncer (Debian's /usr/sbin/pgbouncer) in front of the throwaway PostgreSQL of
# harness/postgres_lib.sh, for the PgBouncer tests and the fleet benchmark. Its configuration is
# the shipped examples/postgresql/pgbouncer.ini with only the paths, ports and the database's
# address rewritten, so the reference setup is what the tests run: transaction pooling, client
# certificates (auth_type = cert) on the hosts' side, TLS with verify-full and a client
# certificate for the host role on the server's side. Never the machine's own pgbouncer
# service or /etc/pgbouncer: it runs as `nobody` (PgBouncer refuses root) from its own 0700
# directory, listens on 127.0.0.1 only (a free port), and is stopped and its directory deleted
# on every exit path.
#
# After pg_start_server, pg_apply_schema and pgb_start [NAME...]:
#   PGB_PORT               where PgBouncer listens (127.0.0.1:PGB_PORT)
#   PGB_DIR                its directory: pgbouncer.ini, pgbouncer.log, the pid file
#   pgb_conninfo ROLE      the conninfo of client ROLE through PgBouncer (verify-full), ROLE
#                          being PG_HOST_ROLE or one of the NAMEs given to pgb_start
# Every client reaches the server as PG_HOST_ROLE, the pool's one server-side role.

# Sourced once: sourcing it again would empty the list of cleanups (harness/base_lib.sh).
# shellcheck source=harness/postgres_lib.sh
declare -F pg_start_server >/dev/null || . "${BASH_SOURCE[0]%/*}/postgres_lib.sh"

PGB_BIN=${PGB_BIN:-/usr/sbin/pgbouncer}
PGB_EXAMPLE="${BASH_SOURCE[0]%/*}/../examples/postgresql/pgbouncer.ini"

# pgb_as_server CMD...: runs CMD as PgBouncer's unprivileged user, from its directory.
pgb_as_server() {
  (cd "$PGB_DIR" && setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@")
}

# pgb_write_config: PGB_DIR/pgbouncer.ini, the example with each setting below rewritten in
# place. A setting the example no longer has is an error: the test would no longer run the
# example.
pgb_write_config() {
  local -a settings=(
    "listen_addr=127.0.0.1"
    "listen_port=$PGB_PORT"
    "pidfile=$PGB_DIR/pgbouncer.pid"
    "logfile=$PGB_DIR/pgbouncer.log"
    "auth_file=$PGB_DIR/users.txt"
    "client_tls_ca_file=$PGB_DIR/ca.crt"
    "client_tls_cert_file=$PGB_DIR/pgbouncer.crt"
    "client_tls_key_file=$PGB_DIR/pgbouncer.key"
    "server_tls_ca_file=$PGB_DIR/ca.crt"
    "server_tls_cert_file=$PGB_DIR/$PG_HOST_ROLE.crt"
    "server_tls_key_file=$PGB_DIR/$PG_HOST_ROLE.key"
    "$PG_DATABASE=host=127.0.0.1 port=$PG_PORT dbname=$PG_DATABASE user=$PG_HOST_ROLE"
  )
  awk -v settings="$(printf '%s\n' "${settings[@]}")" '
    BEGIN {
      n = split(settings, lines, "\n")
      for (i = 1; i <= n; i++) {
        if (lines[i] == "") continue
        eq = index(lines[i], "=")
        value[substr(lines[i], 1, eq - 1)] = substr(lines[i], eq + 1)
      }
    }
    match($0, /^[a-z_]+ = /) {
      key = substr($0, 1, RLENGTH - 3)
      if (key in value) { print key " = " value[key]; done[key] = 1; next }
    }
    { print }
    END {
      for (key in value) if (!(key in done)) { print "missing: " key > "/dev/stderr"; exit 1 }
    }' "$PGB_EXAMPLE" >"$PGB_DIR/pgbouncer.ini" ||
    e2e_die "cannot write pgbouncer.ini from $PGB_EXAMPLE"
  chown nobody:nogroup "$PGB_DIR/pgbouncer.ini" || e2e_die "cannot chown pgbouncer.ini"
}

# pgb_started: waits (10 s at most) for the daemon to say it is up; false if it gave up (the
# log says why: a port taken meanwhile is "cannot listen").
pgb_started() {
  local waited
  for ((waited = 0; waited < 100; waited++)); do
    grep -q ' LOG process up' "$PGB_DIR/pgbouncer.log" 2>/dev/null && return 0
    grep -q ' FATAL ' "$PGB_DIR/pgbouncer.log" 2>/dev/null && return 1
    sleep 0.1
  done
  return 1
}

# pgb_start [NAME...]: PgBouncer on a free port of 127.0.0.1, for the clients PG_HOST_ROLE and
# the NAMEs (a client certificate each, made here if the test CA has none yet). Needs the
# server (pg_start_server); stopped and removed at exit.
pgb_start() {
  local tries name
  [[ -x $PGB_BIN ]] || e2e_die "PgBouncer not found at $PGB_BIN (Debian: pgbouncer)"
  [[ -n ${PG_PORT:-} && -n ${PG_TLS_DIR:-} ]] || e2e_die "pgb_start needs pg_start_server first"
  PGB_DIR=""
  e2e_on_exit pgb_stop
  PGB_DIR=$(mktemp -d /tmp/sshotp-pgb.XXXXXXXX) || e2e_die "mktemp failed"
  [[ -f $PG_TLS_DIR/pgbouncer.crt ]] ||
    pg_make_cert pgbouncer localhost "DNS:localhost,IP:127.0.0.1"
  printf '"%s" ""\n' "$PG_HOST_ROLE" >"$PGB_DIR/users.txt"
  for name in "$@"; do
    [[ -f $PG_TLS_DIR/$name.crt ]] || pg_make_cert "$name" "$name"
    printf '"%s" ""\n' "$name" >>"$PGB_DIR/users.txt"
  done
  install -m 0600 "$PG_TLS_DIR/ca.crt" "$PG_TLS_DIR/pgbouncer.crt" "$PG_TLS_DIR/pgbouncer.key" \
    "$PG_TLS_DIR/$PG_HOST_ROLE.crt" "$PG_TLS_DIR/$PG_HOST_ROLE.key" "$PGB_DIR/"
  chown -R nobody:nogroup "$PGB_DIR"
  chmod 0700 "$PGB_DIR"
  # pgbouncer -d returns 0 before it binds: the log tells whether the port was still free.
  for ((tries = 0; tries < 10; tries++)); do
    PGB_PORT=$(pg_free_port)
    pgb_write_config
    rm -f "$PGB_DIR/pgbouncer.log"
    pgb_as_server "$PGB_BIN" -d "$PGB_DIR/pgbouncer.ini" >"$PGB_DIR/start.out" 2>&1 ||
      { cat "$PGB_DIR/start.out" >&2; e2e_die "pgbouncer did not start"; }
    pgb_started && return 0
    grep -q 'cannot listen' "$PGB_DIR/pgbouncer.log" 2>/dev/null ||
      { cat "$PGB_DIR/pgbouncer.log" >&2; e2e_die "pgbouncer did not start"; }
  done
  e2e_die "no free port for PgBouncer"
}

# pgb_conninfo ROLE: libpq keywords for client ROLE through PgBouncer, with ROLE's certificate,
# PgBouncer's certificate checked against the test CA and its name (verify-full).
pgb_conninfo() {
  printf 'host=127.0.0.1 port=%s dbname=%s user=%s sslmode=verify-full sslrootcert=%s sslcert=%s sslkey=%s' \
    "$PGB_PORT" "$PG_DATABASE" "$1" "$PG_TLS_DIR/ca.crt" "$PG_TLS_DIR/$1.crt" \
    "$PG_TLS_DIR/$1.key"
}

# pgb_pid: the running PgBouncer's pid, or nothing (no pid file, or its pid is no longer
# pgbouncer: a reused pid).
pgb_pid() {
  local pid
  [[ -n ${PGB_DIR:-} && -f $PGB_DIR/pgbouncer.pid ]] || return 0
  pid=$(head -1 "$PGB_DIR/pgbouncer.pid")
  [[ $pid =~ ^[0-9]+$ && $(ps -o comm= -p "$pid" 2>/dev/null) == pgbouncer ]] && echo "$pid"
  return 0
}

# pgb_gone_within PID TENTHS: PID has exited, or does within TENTHS tenths of a second.
pgb_gone_within() {
  local waited
  for ((waited = 0; waited < $2; waited++)); do
    pg_gone "$1" && return 0
    sleep 0.1
  done
  pg_gone "$1"
}

# pgb_stop: SIGTERM (PgBouncer's immediate shutdown), SIGKILL after 5 s, then the directory goes.
pgb_stop() {
  local pid
  [[ -n ${PGB_DIR:-} ]] || return 0
  pid=$(pgb_pid)
  if [[ -n $pid ]]; then
    kill -CONT "$pid" 2>/dev/null
    kill -TERM "$pid" 2>/dev/null
    pgb_gone_within "$pid" 50 || { kill -KILL "$pid" 2>/dev/null; pgb_gone_within "$pid" 20; } ||
      e2e_warn "warning: PgBouncer $pid did not stop"
  fi
  rm -rf "$PGB_DIR"
  PGB_DIR=""
  return 0
}
