#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fleet failover (issue 12): with several hosts in pg_conninfo's host=, a login whose first host
# is unusable is served by the second, within pg_timeout_ms + 1 s:
#   the first host down            nothing listens on its port (connection refused)
#   the first host frozen          it accepts the connection and never answers (a listening
#                                  socket whose owner is stopped with SIGSTOP, as a frozen
#                                  server is: the kernel completes the handshake), which must
#                                  not use up the whole budget before the second is tried
# Logins go through libpam and the built module; each time to the login is printed.
# Needs root; skips (77) only when not root. Needs configure --with-postgresql.
# shellcheck disable=SC2317 # the cases below are called through e2e_case
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/fleet/fleet_lib.sh
. "$SSHOTP_SRCDIR/tests/fleet/fleet_lib.sh"

fleet_preamble sshotp-fleet-failover
timeout_ms=1500
bound_ms=$((timeout_ms + 1000))
user="sshotp-fo-$E2E_TAG"
secret="$E2E_TMP/$user.secret"
settings=("pg_timeout_ms = $timeout_ms" "window = 10")

# first_host_then_server PORT: the host role's conninfo with 127.0.0.1:PORT first, then the server.
first_host_then_server() {
  sed -E "s#(^| )host=[^ ]*#\\1host=127.0.0.1,127.0.0.1#; s#(^| )port=[^ ]*#\\1port=$1,$PG_PORT#" \
    <<<"$PG_HOST_CONNINFO"
}

# start_frozen_listener: FROZEN_PORT, a port on 127.0.0.1 that accepts connections (the kernel's
# backlog) and never answers: its listener stops itself with SIGSTOP once it listens.
frozen_pid=""
stop_frozen_listener() {
  [[ -n $frozen_pid ]] && kill -CONT "$frozen_pid" 2>/dev/null
  e2e_stop_child frozen_pid
}
start_frozen_listener() {
  local waited
  e2e_on_exit stop_frozen_listener
  /usr/bin/python3 -c '
import os, signal, socket, sys
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(64)
with open(sys.argv[1] + ".tmp", "w") as out:
    out.write("%d\n" % listener.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
os.kill(os.getpid(), signal.SIGSTOP)
signal.pause()' "$E2E_TMP/frozen.port" &
  frozen_pid=$!
  for ((waited = 0; waited < 50; waited++)); do
    [[ -s $E2E_TMP/frozen.port ]] && break
    sleep 0.1
  done
  FROZEN_PORT=$(cat "$E2E_TMP/frozen.port" 2>/dev/null) || e2e_die "the frozen listener did not start"
}

fleet_write_host enrolling "$PG_HOST_CONNINFO" "${settings[@]}"
fleet_use_host enrolling
e2e_create_user "$user"
e2e_new_secret "$secret"
e2e_import "$user" "$secret"
start_frozen_listener
fleet_write_host first-down "$(first_host_then_server "$(pg_free_port)")" "${settings[@]}"
fleet_write_host first-frozen "$(first_host_then_server "$FROZEN_PORT")" "${settings[@]}"
fleet_share_key enrolling first-down
fleet_share_key enrolling first-frozen

offset=-270
figures=()

# served_in_time LABEL HOST: a new code on HOST logs in within the bound; prints the time.
served_in_time() {
  local code
  code=$(e2e_totp "$secret" "$offset")
  offset=$((offset + 30))
  fleet_login "$2" "$user" <<<"$code"
  echo "  $1: PAM result $FLEET_RC in $FLEET_MS ms (bound $bound_ms ms)"
  figures+=("$1: PAM result $FLEET_RC in $FLEET_MS ms")
  [[ $FLEET_RC == 0 && $FLEET_MS != none ]] && ((FLEET_MS <= bound_ms)) && return 0
  echo "  logged: $(fleet_cause_line)"
  return 1
}

first_down() { served_in_time "first host down" first-down; }
first_frozen() {
  served_in_time "first host frozen" first-frozen && return 0
  echo "  (expected to fail until the connection layer connects host by host, each with its own"
  echo "   share of pg_timeout_ms, so that a frozen first host does not use up the budget)"
  return 1
}

e2e_case "first host in host= down: the second serves the login in time" first_down
e2e_case "first host in host= frozen: the second serves the login in time" first_frozen
printf 'failover figures (pg_timeout_ms = %s):\n' "$timeout_ms"
printf '  %s\n' "${figures[@]}"
e2e_finish
