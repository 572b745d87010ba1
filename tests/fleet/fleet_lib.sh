# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# What the fleet tests (issue 12: many hosts, one PostgreSQL store) share on top of the
# throwaway-sshd harness and the e2e checks (tests/e2e/e2e_lib.sh) and the throwaway PostgreSQL
# (harness/postgres_lib.sh): "hosts", each a directory $E2E_TMP/NAME with its own sshotp.conf
# (store = postgresql), its own copy of the fleet's key file, its own PAM service and, for the
# sshd tests, its own sshd (port, host key, config); and one login through libpam on a host,
# timed, for the fault tests.

# shellcheck source=tests/e2e/e2e_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/e2e/e2e_lib.sh"
# shellcheck source=harness/postgres_lib.sh
. "$SSHOTP_SRCDIR/harness/postgres_lib.sh"

FLEET_SERVICE=sshotp-fleet

# fleet_preamble PREFIX: root (else skip 77), the e2e preamble (tools, E2E_TMP, the syslog
# capture), and a throwaway PostgreSQL with the schema applied.
fleet_preamble() {
  e2e_test_preamble "$1"
  [[ -f ${SSHOTP_PG_PLUGIN:-} ]] || e2e_die "SSHOTP_PG_PLUGIN is not a file: ${SSHOTP_PG_PLUGIN:-}"
  pg_start_server
  pg_apply_schema
  # What e2e_finish shows when a case failed: the module's lines (and sshd's, if any).
  E2E_SSHD_LOG=$E2E_SYSLOG
  echo "PostgreSQL on 127.0.0.1:$PG_PORT"
}

# fleet_host_dir NAME: the host's directory.
fleet_host_dir() { printf '%s\n' "$E2E_TMP/host-$1"; }

# fleet_write_host NAME CONNINFO [SETTING...]: host NAME's sshotp.conf (the PostgreSQL store
# over CONNINFO, key file sshotp.key in its directory, the built plugin, the SETTINGs), and its
# PAM service directory for libpam logins (fleet_login). The key file is created by the first
# enrollment (sshotp-enroll), or copied with fleet_share_key.
fleet_write_host() {
  local dir conninfo=$2
  dir=$(fleet_host_dir "$1")
  shift 2
  mkdir -m 0700 "$dir" "$dir/pam.d" || e2e_die "cannot create $dir"
  e2e_write_module_config "$dir/sshotp.conf" "" "$dir/sshotp.key" "store = postgresql" \
    "pg_conninfo = \"$conninfo\"" "pg_plugin = $SSHOTP_PG_PLUGIN" "$@"
  printf 'auth required %s config=%s\n' "$PAM_SSHOTP_MODULE" "$dir/sshotp.conf" \
    >"$dir/pam.d/$FLEET_SERVICE"
}

# fleet_share_key FROM TO: host TO gets a copy of host FROM's key file (every host of a fleet
# needs the same key).
fleet_share_key() {
  install -m 0600 "$(fleet_host_dir "$1")/sshotp.key" "$(fleet_host_dir "$2")/sshotp.key" ||
    e2e_die "cannot copy the key of host $1 to host $2"
}

# fleet_start_sshd NAME USER...: host NAME's sshd (its own port, host key and PAM service
# sshd-sshotp-NAME-TAG running the module with the host's config), for the USERs. Its pid,
# port and service are kept in FLEET_SSHD_PID_NAME, FLEET_PORT_NAME, FLEET_SERVICE_NAME.
fleet_start_sshd() {
  local name=$1 pid_var="FLEET_SSHD_PID_$1" service="sshd-sshotp-$1-$E2E_TAG" dir
  shift
  dir=$(fleet_host_dir "$name")
  printf -v "$pid_var" '%s' ""
  e2e_on_exit e2e_stop_child "$pid_var"
  e2e_install_pam_service "$service" "auth  required  $PAM_SSHOTP_MODULE config=$dir/sshotp.conf"
  [[ -n ${E2E_ASKPASS:-} ]] || e2e_write_askpass
  E2E_SSHD_DIR=$dir e2e_start_sshd "$service" "$@"
  # The harness's own cleanup stops E2E_SSHD_PID: hand this sshd over to the host's variable.
  printf -v "$pid_var" '%s' "$E2E_SSHD_PID"
  E2E_SSHD_PID=""
  printf -v "FLEET_PORT_$name" '%s' "$E2E_PORT"
  printf -v "FLEET_SERVICE_$name" '%s' "$service"
  echo "host $name: sshd on 127.0.0.1:$E2E_PORT, PAM service $service"
}

# fleet_finish: e2e_finish, the hosts' sshds stopped first in a sanitizer build (and their
# namespaces empty), so that e2e_finish's check of the sanitizer reports sees all of them.
fleet_finish() {
  local pid_var namespace
  if [[ -n ${E2E_SANITIZER_DIR:-} ]]; then
    for pid_var in "${!FLEET_SSHD_PID_@}"; do
      namespace=""
      [[ -n ${!pid_var} ]] && namespace=$(readlink "/proc/${!pid_var}/ns/mnt" 2>/dev/null)
      e2e_stop_child "$pid_var"
      [[ -z $namespace ]] || e2e_wait_until_no_process_in "$namespace"
    done
  fi
  e2e_finish
}

# fleet_use_host NAME: what follows (e2e_login, the audit checks, e2e_enroll_cli) is on host
# NAME: its sshd, its PAM service's log lines, its config.
fleet_use_host() {
  local port="FLEET_PORT_$1" service="FLEET_SERVICE_$1"
  E2E_PORT=${!port:-}
  E2E_SERVICE=${!service:-$FLEET_SERVICE}
  E2E_CONF="$(fleet_host_dir "$1")/sshotp.conf"
}

# fleet_login NAME USER < CODE: one login through libpam and the built module on host NAME
# (tests/cli/pam_login.py, in the harness's private namespace so the module's lines reach the
# syslog capture). Sets FLEET_RC (the PAM result) and FLEET_MS (how long libpam took, from
# pam_start to pam_end, in ms; "none" if the login never got that far).
# shellcheck disable=SC2034 # FLEET_RC and FLEET_MS are for the scripts
fleet_login() {
  local dir
  dir=$(fleet_host_dir "$1")
  E2E_SYSLOG_MARK=$(wc -l <"$E2E_SYSLOG")
  FLEET_RC=0
  timeout 60 "${E2E_PRIVATE[@]}" /usr/bin/python3 "$SSHOTP_SRCDIR/tests/cli/pam_login.py" \
    "$dir/pam.d" "$FLEET_SERVICE" "$2" >"$E2E_TMP/login.out" 2>&1 || FLEET_RC=$?
  FLEET_MS=$(sed -n 's/^took_ms: \([0-9]*\)$/\1/p' "$E2E_TMP/login.out")
  FLEET_MS=${FLEET_MS:-none}
}

# fleet_logged_line GREP_ARGS...: the first line the module logged during the last fleet_login
# that grep GREP_ARGS selects (waiting up to 2 s for the syslog capture), or nothing.
fleet_logged_line() {
  local waited
  for ((waited = 0; waited < 20; waited++)); do
    e2e_module_lines "$E2E_SYSLOG_MARK" | grep "$@" | grep -q . && break
    sleep 0.1
  done
  e2e_module_lines "$E2E_SYSLOG_MARK" | grep "$@" | head -1
}

# fleet_cause_line: the module's line of the last fleet_login that is not its audit line (the
# cause of a refusal); fleet_audit_line: its audit line (decision=... reason=...).
fleet_cause_line() { fleet_logged_line -v '^decision='; }
fleet_audit_line() { fleet_logged_line '^decision='; }

# --- the libpam fault and failover tests ----------------------------------------------------

# fleet_libpam_preamble PREFIX [SETTING...]: fleet_preamble, then the host "enrolling" (the
# host role's conninfo, pg_timeout_ms = FLEET_TIMEOUT_MS, the SETTINGs) and a throwaway user
# FLEET_USER enrolled there with the secret FLEET_SECRET (its recovery codes in FLEET_RECOVERY,
# one a line). window = 10: twenty steps of codes usable now, so each login can use a code of
# its own (a consumed step must grow) without waiting for the clock (fleet_next_code).
# shellcheck disable=SC2034 # FLEET_BOUND_MS is for the scripts
fleet_libpam_preamble() {
  fleet_preamble "$1"
  shift
  FLEET_TIMEOUT_MS=3000
  FLEET_BOUND_MS=$((FLEET_TIMEOUT_MS + 1000))
  FLEET_SETTINGS=("pg_timeout_ms = $FLEET_TIMEOUT_MS" "window = 10" "$@")
  FLEET_USER="sshotp-fl-$E2E_TAG"
  FLEET_SECRET="$E2E_TMP/$FLEET_USER.secret"
  FLEET_RECOVERY="$E2E_TMP/recovery"
  fleet_write_host enrolling "$PG_HOST_CONNINFO" "${FLEET_SETTINGS[@]}"
  fleet_use_host enrolling
  e2e_create_user "$FLEET_USER"
  e2e_new_secret "$FLEET_SECRET"
  e2e_import "$FLEET_USER" "$FLEET_SECRET"
  grep -E '^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$' "$E2E_TMP/import-$FLEET_USER.out" \
    >"$FLEET_RECOVERY" || e2e_die "sshotp-enroll import printed no recovery codes"
}

# fleet_conninfo_with KEY VALUE...: the host role's conninfo with each KEY's value replaced (or
# the KEY added).
fleet_conninfo_with() {
  local conninfo=$PG_HOST_CONNINFO
  while (($# >= 2)); do
    if [[ " $conninfo" == *" $1="* ]]; then
      conninfo=$(sed -E "s#(^| )$1=[^ ]*#\\1$1=$2#" <<<"$conninfo")
    else
      conninfo+=" $1=$2"
    fi
    shift 2
  done
  printf '%s\n' "$conninfo"
}

# fleet_next_code: FLEET_CODE, a TOTP code of a step after every one fleet_next_code gave
# before (the steps walk up from nine steps ago).
FLEET_OFFSET=-270
fleet_next_code() {
  FLEET_CODE=$(e2e_totp "$FLEET_SECRET" "$FLEET_OFFSET")
  FLEET_OFFSET=$((FLEET_OFFSET + 30))
}

# fleet_login_on HOST EXPECTED_RC WHAT CODE: one login with CODE on HOST ends in EXPECTED_RC;
# if not, says so for the case under way (E2E_CASE), with the module's cause of a refusal.
fleet_login_on() {
  fleet_login "$1" "$FLEET_USER" <<<"$4"
  ((FLEET_RC == $2)) && return 0
  echo "  $E2E_CASE: $3 on host $1: PAM result $FLEET_RC, expected $2" \
    "($(tail -1 "$E2E_TMP/login.out"); logged: $(fleet_cause_line))"
  return 1
}

# fleet_login_is EXPECTED_RC WHAT CODE: fleet_login_on the enrolling host.
fleet_login_is() { fleet_login_on enrolling "$@"; }

# fleet_timed_login LABEL HOST EXPECTED_RC: a login with a new code on HOST; prints its PAM
# result, its time and the module's line that is not the audit line (the cause of a refusal),
# and keeps "LABEL: result in time" in FLEET_FIGURES. True if it ended in EXPECTED_RC within
# FLEET_BOUND_MS; FLEET_CAUSE is the logged line.
FLEET_FIGURES=()
fleet_timed_login() {
  fleet_next_code
  fleet_login "$2" "$FLEET_USER" <<<"$FLEET_CODE"
  FLEET_CAUSE=""
  [[ $FLEET_RC == 0 ]] || FLEET_CAUSE=$(fleet_cause_line)
  echo "  $1: PAM result $FLEET_RC in $FLEET_MS ms (bound $FLEET_BOUND_MS ms)${FLEET_CAUSE:+; logged: $FLEET_CAUSE}"
  FLEET_FIGURES+=("$1: PAM result $FLEET_RC in $FLEET_MS ms")
  [[ $FLEET_RC == "$3" && $FLEET_MS != none ]] && ((FLEET_MS <= FLEET_BOUND_MS))
}

# fleet_print_figures WHAT: the times kept by fleet_timed_login, for the test's log.
fleet_print_figures() {
  printf '%s figures (pg_timeout_ms = %s):\n' "$1" "$FLEET_TIMEOUT_MS"
  printf '  %s\n' "${FLEET_FIGURES[@]}"
}
