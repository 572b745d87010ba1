# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# A throwaway PostgreSQL 15 server for the tests of the PostgreSQL store (and later the two-host
# sshd tests and the fleet benchmark): Debian's own initdb and pg_ctl, run as `nobody` in a
# directory of its own, listening on 127.0.0.1 only (a free port) and on a unix socket inside
# that directory. TLS with a CA, a server certificate and client certificates made here with
# openssl; the roles log in over `hostssl ... cert` only, as a real fleet's hosts would. Never the
# machine's own cluster: nothing outside the temp directories is read or written, and the server
# is stopped and everything deleted on every exit path (harness/base_lib.sh's cleanups).
#
# Why `nobody`: postgres refuses to run as root, and a throwaway system user would be one more
# thing to clean up (and to collide on, when two tests run at once). Its data directory is its
# own 0700 directory, so no other user, `nobody`'s other processes aside, can read it: test
# data only.
#
# After pg_start_server:
#   PG_PORT, PG_SOCKET_DIR    where the server listens (127.0.0.1:PG_PORT, and the socket)
#   PG_HOST_CONNINFO          the least-privilege host role over TLS with its client certificate
#   PG_OWNER_CONNINFO         the owner role (schema changes) over TLS with its certificate
#   PG_TLS_DIR                ca.crt and the client certificates and keys (root, 0600 keys)
# pg_super_sql SQL runs SQL as the bootstrap superuser over the unix socket (trust, reachable by
# root and nobody only: the socket's directory is nobody's, mode 0700).
# An instance is a directory (DIR/data, DIR/sock, its TLS files) and a port: the helpers that
# take an optional DIR work on any instance, the primary (PG_DIR) when it is left out. A
# streaming-replication standby of this server: harness/postgres_standby_lib.sh.

# shellcheck source=harness/base_lib.sh
. "${BASH_SOURCE[0]%/*}/base_lib.sh"

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_SUPERUSER=pgsuper
PG_DATABASE=sshotp
PG_OWNER_ROLE=sshotp_owner
PG_HOST_ROLE=sshotp_host
# The role a standby replicates as (harness/postgres_standby_lib.sh creates it): pg_hba.conf lets
# it in over TLS with its certificate only, and only for replication.
PG_REPLICATOR_ROLE=replicator
# The shipped SQL: roles.sql, and the schema migrations schema_NNN.sql.
PG_SQL_DIR="${BASH_SOURCE[0]%/*}/../common/postgresql/sql"

# pg_as_server CMD...: runs CMD as the server's unprivileged user, from its own directory.
pg_as_server() {
  (cd "$PG_DIR" && setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@")
}

# pg_make_ca PREFIX CN: a self-signed CA, PREFIX.key and PREFIX.crt (the fleet tests make a
# second one, which the server's certificate does not chain to).
pg_make_ca() {
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 2 \
    -keyout "$1.key" -out "$1.crt" -subj "/CN=$2" 2>/dev/null ||
    e2e_die "openssl: cannot make the CA $2"
}

# pg_make_cert NAME CN [SAN]: NAME.key and NAME.crt in PG_TLS_DIR, signed by the test CA.
pg_make_cert() {
  local name=$1 cn=$2 san=${3:-} ext
  ext="$PG_TLS_DIR/$name.ext"
  printf 'basicConstraints=CA:FALSE\n%s' "${san:+subjectAltName=$san
}" >"$ext"
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$PG_TLS_DIR/$name.key" -out "$PG_TLS_DIR/$name.csr" -subj "/CN=$cn" 2>/dev/null &&
    openssl x509 -req -in "$PG_TLS_DIR/$name.csr" -CA "$PG_TLS_DIR/ca.crt" \
      -CAkey "$PG_TLS_DIR/ca.key" -CAcreateserial -days 2 -extfile "$ext" \
      -out "$PG_TLS_DIR/$name.crt" 2>/dev/null ||
    e2e_die "openssl: cannot make the $name certificate"
  chmod 0600 "$PG_TLS_DIR/$name.key"
}

# pg_make_tls: the CA, the server's certificate (localhost and 127.0.0.1) and one client
# certificate per role, its CN the role name (what `cert` authentication compares).
pg_make_tls() {
  PG_TLS_DIR="$E2E_TMP/pg-tls"
  mkdir -m 0700 "$PG_TLS_DIR" || e2e_die "cannot create $PG_TLS_DIR"
  pg_make_ca "$PG_TLS_DIR/ca" "pam_sshotp test CA"
  pg_make_cert server localhost "DNS:localhost,IP:127.0.0.1"
  pg_make_cert "$PG_HOST_ROLE" "$PG_HOST_ROLE"
  pg_make_cert "$PG_OWNER_ROLE" "$PG_OWNER_ROLE"
}

# pg_free_port: a TCP port nothing listens on now (the start retries if it is taken meanwhile).
pg_free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    ss -Htln "sport = :$port" 2>/dev/null | grep -q . || break
  done
  echo "$port"
}

# pg_conninfo ROLE: libpq keywords for ROLE over TLS with its client certificate, the server's
# certificate checked against the test CA and its name (verify-full).
pg_conninfo() {
  printf 'host=127.0.0.1 port=%s dbname=%s user=%s sslmode=verify-full sslrootcert=%s sslcert=%s sslkey=%s' \
    "$PG_PORT" "$PG_DATABASE" "$1" "$PG_TLS_DIR/ca.crt" "$PG_TLS_DIR/$1.crt" \
    "$PG_TLS_DIR/$1.key"
}

# pg_write_server_config [DIR PORT]: the instance's postgresql.conf (initdb's, saved as
# DIR/postgresql.conf.initdb, plus these lines) and pg_hba.conf.
pg_write_server_config() {
  local dir=${1:-$PG_DIR} port=${2:-$PG_PORT}
  cp "$dir/postgresql.conf.initdb" "$dir/data/postgresql.conf"
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/sock'
ssl = on
ssl_cert_file = '$dir/server.crt'
ssl_key_file = '$dir/server.key'
ssl_ca_file = '$dir/ca.crt'
# A test server: small, quiet, and no disk waits (durability is the store's claim about a real
# server's settings, which issue 13's failover tests exercise; not these). fsync = off does not
# weaken the failover tests: they kill the server (kill -9), not the machine, and what a killed
# server wrote is in the page cache, where the next server to start reads it.
max_connections = 60
shared_buffers = 16MB
fsync = off
full_page_writes = off
log_min_messages = warning
logging_collector = off
EOF
  cat >"$dir/data/pg_hba.conf" <<EOF
# The harness's own set-up over the socket; the roles only over TLS with a client certificate.
local   all  $PG_SUPERUSER                 trust
hostssl all  $PG_HOST_ROLE   127.0.0.1/32  cert
hostssl all  $PG_OWNER_ROLE  127.0.0.1/32  cert
hostssl replication  $PG_REPLICATOR_ROLE  127.0.0.1/32  cert
EOF
}

# pg_make_instance_dir VAR: a new 0700 directory of nobody's for an instance (its socket
# directory and its copy of the server's TLS files), its path in VAR.
pg_make_instance_dir() {
  local made
  made=$(mktemp -d /tmp/sshotp-pg.XXXXXXXX) || e2e_die "mktemp failed"
  printf -v "$1" '%s' "$made"
  mkdir -m 0700 "$made/sock"
  install -m 0600 "$PG_TLS_DIR/server.key" "$PG_TLS_DIR/server.crt" "$PG_TLS_DIR/ca.crt" "$made/"
  chown -R nobody:nogroup "$made"
  chmod 0700 "$made"
}

# pg_start_instance DIR PORT: writes the instance's configuration for PORT and starts it. False
# (the log kept) if the port was taken meanwhile; any other failure is fatal.
pg_start_instance() {
  pg_write_server_config "$1" "$2"
  pg_as_server "$PG_BIN/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 start >/dev/null &&
    return 0
  grep -q 'could not bind\|already in use' "$1/server.log" 2>/dev/null ||
    { tail -20 "$1/server.log" >&2; e2e_die "pg_ctl start failed"; }
  return 1
}

# pg_start_on_free_port DIR PORT_VAR: starts the instance on a free port, kept in PORT_VAR (a
# port found free can be taken before the server binds it: then another is tried).
pg_start_on_free_port() {
  local tries port
  for ((tries = 0; tries < 10; tries++)); do
    port=$(pg_free_port)
    if pg_start_instance "$1" "$port"; then
      printf -v "$2" '%s' "$port"
      return 0
    fi
  done
  e2e_die "no free port for PostgreSQL"
}

# pg_start_server: initdb, TLS, start, roles and the database. Needs e2e_init first (E2E_TMP and
# the exit traps). The server is stopped and its directory removed at exit.
pg_start_server() {
  [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] ||
    e2e_die "PostgreSQL 15 not found in $PG_BIN (Debian: postgresql)"
  e2e_require_tools openssl setpriv ss psql
  pg_make_tls
  PG_DIR=""
  e2e_on_exit pg_stop_server
  pg_make_instance_dir PG_DIR
  PG_SOCKET_DIR="$PG_DIR/sock"
  pg_as_server "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_SUPERUSER" -A reject -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; e2e_die "initdb failed"; }
  cp "$PG_DIR/data/postgresql.conf" "$PG_DIR/postgresql.conf.initdb"
  pg_start_on_free_port "$PG_DIR" PG_PORT
  # The shipped roles file, as an administrator runs it.
  psql -X -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres -v ON_ERROR_STOP=1 \
    -q -f "$PG_SQL_DIR/roles.sql" || e2e_die "roles.sql failed"
  PG_HOST_CONNINFO=$(pg_conninfo "$PG_HOST_ROLE")
  PG_OWNER_CONNINFO=$(pg_conninfo "$PG_OWNER_ROLE")
}

# pg_apply_schema: every schema migration in order, each in one transaction, as the owner role
# over TLS (what `sshotp-enroll db init` does).
pg_apply_schema() {
  local migration
  for migration in "$PG_SQL_DIR"/schema_[0-9][0-9][0-9].sql; do
    psql -X "$PG_OWNER_CONNINFO" -v ON_ERROR_STOP=1 -q --single-transaction -f "$migration" ||
      e2e_die "${migration##*/} failed"
  done
}

# pg_super_sql SQL...: each SQL argument runs as the bootstrap superuser in PG_DATABASE, stopping
# at the first error; prints the rows, unaligned.
pg_super_sql() {
  local sql
  for sql in "$@"; do
    # shellcheck disable=SC2119 # the primary's
    psql -X -d "$(pg_super_conninfo)" -v ON_ERROR_STOP=1 -Atq -c "$sql" ||
      e2e_die "SQL failed: $sql"
  done
}

# pg_super_conninfo [DIR PORT]: the conninfo of the superuser, over the instance's socket.
# shellcheck disable=SC2120 # DIR PORT: postgres_standby_lib.sh's standby
pg_super_conninfo() {
  printf 'host=%s port=%s user=%s dbname=%s' "${1:-$PG_DIR}/sock" "${2:-$PG_PORT}" \
    "$PG_SUPERUSER" "$PG_DATABASE"
}

# pg_postmaster_pid [DIR]: the running postmaster's pid, or nothing (no pid file, or its pid is
# no longer a postgres process: a pid file left by a killed server may name a reused pid; or a
# killed one's zombie, whose parent, not us, reaps it).
pg_postmaster_pid() {
  local pid dir=${1:-${PG_DIR:-}}
  [[ -n $dir && -f $dir/data/postmaster.pid ]] || return 0
  pid=$(head -1 "$dir/data/postmaster.pid")
  [[ $pid =~ ^[0-9]+$ && $(ps -o comm= -p "$pid" 2>/dev/null) == postgres ]] &&
    ! pg_gone "$pid" && echo "$pid"
  return 0
}

# pg_gone PID: PID has exited (an exited postmaster may linger as a zombie until whoever
# inherited it reaps it: that counts as gone).
pg_gone() {
  [[ $(ps -o stat= -p "$1" 2>/dev/null) != [^Z]* ]]
}

# pg_freeze_server: the postmaster stopped with SIGSTOP. The kernel still completes TCP
# handshakes on its listening socket, so a client connects and then waits for an answer that
# never comes: a hung server, as the fault tests need it. pg_thaw_server undoes it.
pg_freeze_server() { pg_signal_postmaster STOP freeze; }
pg_thaw_server() { pg_signal_postmaster CONT thaw; }

# pg_signal_postmaster SIGNAL WHAT [DIR]: the instance's postmaster (alone) gets SIGNAL.
pg_signal_postmaster() {
  local pid
  pid=$(pg_postmaster_pid "${3:-}")
  [[ -n $pid ]] || e2e_die "no postmaster to $2"
  kill "-$1" "$pid" || e2e_die "cannot $2 the postmaster"
}

# pg_instance_pids DIR: the postmaster of the instance in DIR and its children, one a line. Not
# its process group: every child of the postmaster calls setsid() (InitPostmasterChild), so a
# signal to the group reaches the postmaster alone.
pg_instance_pids() {
  local pid
  pid=$(pg_postmaster_pid "$1")
  [[ -n $pid ]] || return 0
  echo "$pid"
  ps -o pid= --ppid "$pid"
}

# pg_halt_server [DIR]: a clean stop that keeps the data directory; pg_restart_server [DIR]
# starts the same server again on the same port (the fault tests: a restart must lose nothing).
pg_halt_server() {
  pg_as_server "$PG_BIN/pg_ctl" -D "${1:-$PG_DIR}/data" -m fast -w -t 30 stop >/dev/null ||
    e2e_die "pg_ctl stop failed"
}

pg_restart_server() {
  local dir=${1:-$PG_DIR}
  pg_as_server "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    start >/dev/null || { tail -20 "$dir/server.log" >&2; e2e_die "pg_ctl start failed"; }
}

# pg_stop_server: immediate stop (nothing to keep), then the directory goes. It must also work on
# a server frozen with SIGSTOP (a fault test that failed half-way): pg_ctl would wait its whole
# timeout on a stopped postmaster while rm ran under it, leaking the process and its port. So
# the postmaster and its children get SIGCONT first (a stopped child would never act on the
# postmaster's SIGQUIT), pg_ctl gets a short wait, SIGKILL follows for whatever is still there,
# and the stop is checked.
pg_stop_server() {
  pg_stop_instance "${PG_DIR:-}"
  PG_DIR=""
}

# pg_stop_instance DIR: pg_stop_server's work for any instance (nothing if DIR is empty).
pg_stop_instance() {
  local pid pids waited dir=$1
  [[ -n $dir ]] || return 0
  pid=$(pg_postmaster_pid "$dir")
  if [[ -n $pid ]]; then
    pids=$(pg_instance_pids "$dir")
    # shellcheck disable=SC2086 # one pid a word
    kill -CONT $pids 2>/dev/null
    pg_as_server "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 5 stop >/dev/null 2>&1
    # shellcheck disable=SC2086
    pg_gone "$pid" || kill -KILL $pids 2>/dev/null
    for ((waited = 0; waited < 50; waited++)); do
      pg_gone "$pid" && break
      sleep 0.1
    done
    pg_gone "$pid" || e2e_warn "warning: the PostgreSQL postmaster $pid did not stop"
  fi
  rm -rf "$dir"
  return 0
}
