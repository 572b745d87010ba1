#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fleet faults (issue 12): logins through libpam and the built module against a real PostgreSQL
# (harness/postgres_lib.sh) that fails in each way the issue names. Each fault must end in a
# refusal, PAM_AUTHINFO_UNAVAIL, within pg_timeout_ms + 1 s: never a hang, never a success.
# Each time to refusal is printed. After the fault is undone (the server restarted or thawed;
# the host's own settings are the fault otherwise), logins work again and nothing is lost: the
# TOTP code and the recovery code used before the faults stay used.
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

fleet_preamble sshotp-fleet-faults
timeout_ms=1500
bound_ms=$((timeout_ms + 1000))
user="sshotp-flt-$E2E_TAG"
secret="$E2E_TMP/$user.secret"
# window = 10: twenty steps of codes usable now, so each case can log in with a code of its own
# (a consumed step must grow) without waiting for the clock.
settings=("pg_timeout_ms = $timeout_ms" "window = 10" "max_failures = 100")

# with_setting KEY VALUE: the host role's conninfo with KEY's value replaced (or added).
with_setting() {
  local conninfo=$PG_HOST_CONNINFO
  if [[ " $conninfo" == *" $1="* ]]; then
    sed -E "s#(^| )$1=[^ ]*#\\1$1=$2#" <<<"$conninfo"
  else
    printf '%s %s=%s\n' "$conninfo" "$1" "$2"
  fi
}

fleet_write_host good "$PG_HOST_CONNINFO" "${settings[@]}"
fleet_use_host good
e2e_create_user "$user"
e2e_new_secret "$secret"
e2e_import "$user" "$secret"
grep -E '^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$' "$E2E_TMP/import-$user.out" >"$E2E_TMP/recovery" ||
  e2e_die "sshotp-enroll import printed no recovery codes"

pg_make_ca "$E2E_TMP/other-ca" "not the server's CA"
fleet_write_host wrong-ca "$(with_setting sslrootcert "$E2E_TMP/other-ca.crt")" "${settings[@]}"
fleet_write_host wrong-name "$(with_setting host sshotp-not-the-server.invalid) hostaddr=127.0.0.1" \
  "${settings[@]}"
fleet_share_key good wrong-ca
fleet_share_key good wrong-name
fleet_write_host wrong-key "$PG_HOST_CONNINFO" "${settings[@]}"
head -c 32 /dev/urandom >"$(fleet_host_dir wrong-key)/sshotp.key"

# next_code: code, a TOTP code of a step after every one used so far (the steps walk up from
# nine steps ago).
offset=-270
next_code() {
  code=$(e2e_totp "$secret" "$offset")
  offset=$((offset + 30))
}

figures=()

# refused_in_time LABEL HOST CAUSE: a valid, unused code on HOST is refused with
# PAM_AUTHINFO_UNAVAIL within the bound, and the module's log line names the cause (matches the
# extended regular expression CAUSE, ignoring case). Prints the time to refusal and that line.
refused_in_time() {
  local logged
  next_code
  fleet_login "$2" "$user" <<<"$code"
  logged=$(fleet_cause_line)
  echo "  $1: PAM result $FLEET_RC in $FLEET_MS ms (bound $bound_ms ms); logged: $logged"
  figures+=("$1: PAM result $FLEET_RC in $FLEET_MS ms")
  [[ $FLEET_RC == 9 && $FLEET_MS != none ]] && ((FLEET_MS <= bound_ms)) &&
    grep -qiE -- "$3" <<<"$logged"
}

# login_is EXPECTED_RC WHAT CODE: one login with CODE on the good host ends in EXPECTED_RC.
login_is() {
  fleet_login good "$user" <<<"$3"
  ((FLEET_RC == $1)) && return 0
  echo "  $E2E_CASE: $2: PAM result $FLEET_RC, expected $1 ($(tail -1 "$E2E_TMP/login.out"))"
  return 1
}

# logins_back: a new code logs in on the good host; the codes used before the faults stay used.
logins_back() {
  next_code
  login_is 0 "a new code" "$code" &&
    login_is 7 "the TOTP code used before the faults" "$first_code" &&
    login_is 7 "the recovery code used before the faults" "$(sed -n 1p "$E2E_TMP/recovery")"
}

before_faults() {
  next_code
  first_code=$code
  login_is 0 "a TOTP code" "$first_code" &&
    login_is 0 "a recovery code" "$(sed -n 1p "$E2E_TMP/recovery")"
}

stopped() {
  pg_halt_server
  refused_in_time "server stopped" good "refused|not running|unavailable"
}

frozen() {
  pg_freeze_server
  local status=0
  refused_in_time "server frozen (SIGSTOP)" good "timed out|timeout" || status=1
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
printf 'fault figures (pg_timeout_ms = %s):\n' "$timeout_ms"
printf '  %s\n' "${figures[@]}"
e2e_finish
