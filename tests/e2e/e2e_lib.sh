# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# What the real-sshd tests, tests/e2e/test_sshd_*.sh, share on top of the throwaway-sshd harness
# (harness/harness_lib.sh, sourced here): their config and sshd, one PASS or FAIL line per case
# and the closing count, and the checks of one login (ssh's exit status, the prompts, ssh's
# messages, the module's audit lines, no secret in what it logged). The checks of the shipped
# fail2ban files are in fail2ban_lib.sh, sourced here too.

# shellcheck source=harness/harness_lib.sh
. "${SSHOTP_SRCDIR:?}/harness/harness_lib.sh"
# shellcheck source=tests/e2e/fail2ban_lib.sh
. "${BASH_SOURCE[0]%/*}/fail2ban_lib.sh"

# --- the tests' config and sshd -------------------------------------------------------------

# e2e_write_test_config [SETTING...]: E2E_CONF for the store E2E_DB, with the given settings.
# shellcheck disable=SC2120 # the settings are optional
e2e_write_test_config() {
  e2e_write_module_config "$E2E_CONF" "$E2E_DB" "$E2E_TMP/sshotp.key" "$@"
}

# e2e_start_test_sshd AUTH_LINES USER...: the PAM service sshd-sshotp-E2E_TAG with AUTH_LINES,
# the askpass helper, and sshd for the USERs (e2e_start_sshd).
e2e_start_test_sshd() {
  local auth_lines=$1
  shift
  e2e_install_pam_service "sshd-sshotp-$E2E_TAG" "$auth_lines"
  e2e_write_askpass
  e2e_start_sshd "sshd-sshotp-$E2E_TAG" "$@"
  echo "sshd listening on 127.0.0.1:$E2E_PORT, PAM service $E2E_SERVICE, users $*"
}

# --- test cases -----------------------------------------------------------------------------

E2E_PASSED=0
E2E_FAILED=0
E2E_CASE=""

# e2e_case NAME FUNCTION: runs one case; its checks print why they failed, indented.
e2e_case() {
  E2E_CASE=$1
  if "$2"; then
    echo "PASS: $1"
    E2E_PASSED=$((E2E_PASSED + 1))
  else
    echo "FAIL: $1"
    E2E_FAILED=$((E2E_FAILED + 1))
  fi
}

# e2e_finish: in a sanitizer build, one more case: sshd (stopped first, so no process of it is
# still writing) left no sanitizer report. Then the closing "N passed, M failed" line; exits 1
# (with the logs) if a case failed.
e2e_finish() {
  if [[ -n ${E2E_SANITIZER_DIR:-} ]]; then
    local sshd_ns=""
    [[ -n ${E2E_SSHD_PID:-} ]] && sshd_ns=$(readlink "/proc/$E2E_SSHD_PID/ns/mnt" 2>/dev/null)
    e2e_stop_child E2E_SSHD_PID
    [[ -z $sshd_ns ]] || e2e_wait_until_no_process_in "$sshd_ns"
    e2e_case "no sanitizer report from sshd's processes (the module's among them)" \
      e2e_sanitizer_reports
  fi
  echo "$E2E_PASSED passed, $E2E_FAILED failed"
  if ((E2E_FAILED > 0)); then
    e2e_dump_sshd_log
    exit 1
  fi
  exit 0
}

# --- one login and its checks ---------------------------------------------------------------

# e2e_login USER EXPECTED_EXIT [SSH_OPTIONS...]: one connection running `echo LOGIN-OK` with the
# answers set just before; ssh's output in E2E_OUT and E2E_ERR. Checks ssh's exact exit status
# (255: ssh itself gave up) and that the command ran exactly when it should have.
e2e_login() {
  local user=$1 expected=$2 rc=0 ran=no should_run=no
  shift 2
  E2E_LOGIN_USER=$user
  E2E_OUT="$E2E_TMP/ssh.out"
  E2E_ERR="$E2E_TMP/ssh.err"
  ((expected == 0)) && should_run=yes
  E2E_SYSLOG_MARK=$(wc -l <"$E2E_SYSLOG")
  e2e_ssh_askpass "$user" "$@" -- echo LOGIN-OK >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
  grep -qx 'LOGIN-OK\r\{0,1\}' "$E2E_OUT" && ran=yes
  [[ $rc == "$expected" && $ran == "$should_run" ]] && return 0
  echo "  $E2E_CASE: ssh exit $rc (expected $expected), command ran: $ran"
  echo "  ssh stderr: $(head -c 400 "$E2E_ERR")"
  return 1
}

# e2e_expect_prompts COUNT: the last login showed exactly COUNT code prompts, each with the
# default text.
e2e_expect_prompts() {
  local prompt="($E2E_LOGIN_USER@127.0.0.1) Verification code: " expected="" i
  for ((i = 0; i < $1; i++)); do expected+="$prompt"$'\n'; done
  [[ "$(e2e_prompts)" == "${expected%$'\n'}" ]] && return 0
  echo "  $E2E_CASE: expected $1 prompt(s) \"$prompt\", saw: $(e2e_prompts | head -c 300)"
  return 1
}

# e2e_expect_stderr TEXT: ssh's stderr of the last login contains TEXT.
e2e_expect_stderr() {
  grep -qF -- "$1" "$E2E_ERR" && return 0
  echo "  $E2E_CASE: expected \"$1\" on ssh's stderr, got: $(head -c 400 "$E2E_ERR")"
  return 1
}

# e2e_expect_audit DECISION:METHOD:REASON:CODES_LEFT...: the module logged exactly these
# decisions for the last login's user, in this order, during the last login.
e2e_expect_audit() {
  local expected="" item decision method reason codes_left waited
  for item in "$@"; do
    IFS=: read -r decision method reason codes_left <<<"$item"
    expected+="decision=$decision user=$E2E_LOGIN_USER rhost=127.0.0.1 service=$E2E_SERVICE"
    expected+=" method=$method reason=$reason codes_left=$codes_left"$'\n'
  done
  expected=${expected%$'\n'}
  # The lines of a refused connection may arrive just after ssh has exited.
  for ((waited = 0; waited < 30; waited++)); do
    [[ $(e2e_audit_lines "$E2E_SYSLOG_MARK") == "$expected" ]] && return 0
    sleep 0.1
  done
  echo "  $E2E_CASE: expected audit lines:"
  printf '%s\n' "$expected" | sed 's/^/    /'
  echo "  got:"
  e2e_audit_lines "$E2E_SYSLOG_MARK" | sed 's/^/    /'
  return 1
}

# e2e_module_lines [SKIP]: what this sshd's pam_sshotp logged after the first SKIP captured
# lines, without the syslog header ("decision=..." and any other message of the module).
e2e_module_lines() {
  tail -n "+$((${1:-0} + 1))" "$E2E_SYSLOG" |
    awk -v prefix="pam_sshotp($E2E_SERVICE:auth): " '
      (at = index($0, prefix)) { print substr($0, at + length(prefix)) }'
}

# e2e_audit_lines [SKIP]: the module's audit lines after the first SKIP captured lines, from
# "decision=" up to "codes_left=..." (fields appended in later versions are not checked here).
e2e_audit_lines() {
  e2e_module_lines "$@" | grep '^decision=' | sed 's/\( codes_left=[^ ]*\).*$/\1/'
}

# e2e_expect_not_logged < SECRETS: no line the module logged contains any of the SECRETS (one a
# line: codes, recovery codes; compared as whole words, ignoring case and dashes too).
e2e_expect_not_logged() {
  local secret logged
  logged=$(e2e_module_lines)
  while IFS= read -r secret; do
    [[ -z $secret ]] && continue
    if grep -qwiF -e "$secret" -e "${secret//-/}" <<<"$logged"; then
      echo "  $E2E_CASE: a code or secret appears in what the module logged"
      return 1
    fi
  done
  return 0
}
