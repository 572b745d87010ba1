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

# first_host_then_server PORT: the host role's conninfo with 127.0.0.1:PORT first, then the server.
first_host_then_server() {
  fleet_conninfo_with host 127.0.0.1,127.0.0.1 port "$1,$PG_PORT"
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

fleet_libpam_preamble sshotp-fleet-failover
start_frozen_listener
fleet_write_host first-down "$(first_host_then_server "$(pg_free_port)")" "${FLEET_SETTINGS[@]}"
fleet_write_host first-frozen "$(first_host_then_server "$FROZEN_PORT")" "${FLEET_SETTINGS[@]}"
fleet_share_key enrolling first-down
fleet_share_key enrolling first-frozen

first_down() { fleet_timed_login "first host down" first-down 0; }
first_frozen() { fleet_timed_login "first host frozen" first-frozen 0; }

e2e_case "first host in host= down: the second serves the login in time" first_down
e2e_case "first host in host= frozen: the second serves the login in time" first_frozen
fleet_print_figures failover
fleet_finish
