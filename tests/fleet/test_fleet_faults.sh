#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fleet faults (issue 12): logins through libpam and the built module against a real PostgreSQL
# (harness/postgres_lib.sh) that fails in each way the issue names. Each fault must end in a
# refusal, PAM_AUTHINFO_UNAVAIL, within pg_timeout_ms + 1 s (never a hang, never a success),
# with a log line naming the cause. Each time to refusal is printed. After the fault is undone
# (the server restarted or thawed; otherwise the fault is the host's own settings), logins work
# again and nothing is lost: the TOTP code and the recovery code used before stay used.
#   the server stopped             pg_ctl stop; then started again
#   the server frozen              SIGSTOP: the kernel accepts the connection, nobody answers
#   the wrong CA                   sslrootcert names a CA the server's certificate is not from
#   the wrong host name            verify-full against a name the certificate does not carry
#   the wrong key file             a host whose key_file is not the fleet's (key check)
# Needs root; skips (77) only when not root. Needs configure --with-postgresql.
# shellcheck disable=SC2317 # the cases below are called through e2e_case
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/fleet/fleet_lib.sh
. "$SSHOTP_SRCDIR/tests/fleet/fleet_lib.sh"

# Refused codes count as failures: keep the lockout out of the way.
fleet_libpam_preamble sshotp-fleet-faults "max_failures = 100"
pg_make_ca "$E2E_TMP/other-ca" "not the server's CA"
fleet_write_host wrong-ca "$(fleet_conninfo_with sslrootcert "$E2E_TMP/other-ca.crt")" \
  "${FLEET_SETTINGS[@]}"
fleet_write_host wrong-name \
  "$(fleet_conninfo_with host sshotp-not-the-server.invalid hostaddr 127.0.0.1)" \
  "${FLEET_SETTINGS[@]}"
fleet_share_key enrolling wrong-ca
fleet_share_key enrolling wrong-name
fleet_write_host wrong-key "$PG_HOST_CONNINFO" "${FLEET_SETTINGS[@]}"
head -c 32 /dev/urandom >"$(fleet_host_dir wrong-key)/sshotp.key"
first_recovery=$(sed -n 1p "$FLEET_RECOVERY")

# refused_in_time LABEL HOST CAUSE: a valid, unused code on HOST is refused with
# PAM_AUTHINFO_UNAVAIL within the bound, and the module's log line names the cause (matches the
# extended regular expression CAUSE, ignoring case).
refused_in_time() {
  fleet_timed_login "$1" "$2" 9 && grep -qiE -- "$3" <<<"$FLEET_CAUSE"
}

before_faults() {
  fleet_next_code
  first_code=$FLEET_CODE
  fleet_login_is 0 "a TOTP code" "$first_code" &&
    fleet_login_is 0 "a recovery code" "$first_recovery"
}

# logins_back: a new code logs in; the codes used before the faults stay used.
logins_back() {
  fleet_next_code
  fleet_login_is 0 "a new code" "$FLEET_CODE" &&
    fleet_login_is 7 "the TOTP code used before the faults" "$first_code" &&
    fleet_login_is 7 "the recovery code used before the faults" "$first_recovery"
}

stopped() {
  pg_halt_server
  refused_in_time "server stopped" enrolling "refused|not running"
}

frozen() {
  local status=0
  pg_freeze_server
  refused_in_time "server frozen (SIGSTOP)" enrolling "timed out|timeout" || status=1
  pg_thaw_server
  return "$status"
}

wrong_ca() { refused_in_time "wrong CA" wrong-ca "certificate"; }
wrong_name() { refused_in_time "wrong host name" wrong-name "host ?name"; }
wrong_key() { refused_in_time "wrong key file" wrong-key "not the key"; }

e2e_case "before the faults, a TOTP code and a recovery code log in" before_faults
e2e_case "server stopped: refused in time" stopped
pg_restart_server
e2e_case "after a restart, logins are back and nothing is lost" logins_back
e2e_case "server frozen: refused in time" frozen
e2e_case "after a thaw, logins are back and nothing is lost" logins_back
e2e_case "wrong CA: refused in time" wrong_ca
e2e_case "wrong host name: refused in time" wrong_name
e2e_case "wrong key file: refused in time" wrong_key
e2e_case "after the host faults, logins on a good host are back and nothing is lost" logins_back
fleet_print_figures fault
fleet_finish
