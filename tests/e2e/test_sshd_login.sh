#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end: a real OpenSSH sshd on 127.0.0.1 with the built pam_sshotp.so and the shipped
# sshd drop-in, a real throwaway user, and the real ssh client answering the code prompt through
# SSH_ASKPASS. Codes come from oathtool, not from our own TOTP code. Needs root (UsePAM and
# /etc/pam.d); skips (77) only when not root.
#
# Environment (set by `make check`): PAM_SSHOTP_MODULE, SSHOTP_ENROLL, SSHOTP_SRCDIR, SSHD.
# shellcheck disable=SC2317 # the cases below are called through run_case
set -euo pipefail

if [[ $(id -u) != 0 ]]; then
  echo "SKIP: the sshd end-to-end test needs root"
  exit 77
fi

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/e2e/lib.sh
. "$SSHOTP_SRCDIR/tests/e2e/lib.sh"

[[ -f ${PAM_SSHOTP_MODULE:-} ]] || e2e_die "PAM_SSHOTP_MODULE is not a file: ${PAM_SSHOTP_MODULE:-}"
[[ -x ${SSHOTP_ENROLL:-} ]] || e2e_die "SSHOTP_ENROLL is not executable: ${SSHOTP_ENROLL:-}"
e2e_require_tools ssh ssh-keygen oathtool useradd userdel setsid timeout base32

e2e_init sshotp-e2e
tag="e2e-$$"
user="sshotp-$tag"
service="sshd-sshotp-$tag"
conf="$E2E_TMP/sshotp.conf"
secret="$E2E_TMP/secret"
user_key="$E2E_TMP/user_key"
stranger_key="$E2E_TMP/stranger_key"

passed=0
failed=0
current_case=""

# run_case NAME FUNCTION: runs one case; its checks print why they failed, indented.
run_case() {
  current_case=$1
  if "$2"; then
    echo "PASS: $1"
    passed=$((passed + 1))
  else
    echo "FAIL: $1"
    failed=$((failed + 1))
  fi
}

# --- setup ----------------------------------------------------------------------------------
e2e_capture_syslog
e2e_create_user "$user"
e2e_new_key "$user_key"
e2e_new_key "$stranger_key"
e2e_authorize_key "$user" "$user_key.pub"
e2e_write_module_config "$conf" "$E2E_TMP/store/sshotp.db" "$E2E_TMP/sshotp.key"
e2e_new_secret "$secret"
"$SSHOTP_ENROLL" --config "$conf" import "$user" <"$secret" >"$E2E_TMP/enroll.out" 2>&1 ||
  { cat "$E2E_TMP/enroll.out" >&2; e2e_die "sshotp-enroll import failed"; }
e2e_install_pam_service "$service" "auth  required  $PAM_SSHOTP_MODULE config=$conf"
e2e_write_askpass
e2e_start_sshd "$service" "$user"
echo "sshd listening on 127.0.0.1:$E2E_PORT, PAM service $service, user $user"

prompt="($user@127.0.0.1) Verification code: "
out="$E2E_TMP/ssh.out"
err="$E2E_TMP/ssh.err"

# login EXPECTED_EXIT [SSH_OPTIONS...]: one connection running `echo LOGIN-OK` with the answers
# set just before. Checks ssh's exact exit status (255: ssh itself gave up) and that the command
# ran exactly when it should have.
login() {
  local expected=$1 rc=0 ran=no should_run=no
  shift
  ((expected == 0)) && should_run=yes
  syslog_mark=$( ([[ -n $E2E_SYSLOG ]] && wc -l <"$E2E_SYSLOG") || echo 0)
  e2e_ssh_askpass "$user" "$@" -- echo LOGIN-OK >"$out" 2>"$err" || rc=$?
  [[ $(cat "$out") == LOGIN-OK ]] && ran=yes
  [[ $rc == "$expected" && $ran == "$should_run" ]] && return 0
  echo "  $current_case: ssh exit $rc (expected $expected), command ran: $ran"
  echo "  ssh stderr: $(head -c 400 "$err")"
  return 1
}

# expect_prompts COUNT: ssh showed exactly COUNT code prompts, each with the default text.
expect_prompts() {
  local expected="" i
  for ((i = 0; i < $1; i++)); do expected+="$prompt"$'\n'; done
  [[ "$(e2e_prompts)" == "${expected%$'\n'}" ]] && return 0
  echo "  $current_case: expected $1 prompt(s) \"$prompt\", saw: $(e2e_prompts | head -c 300)"
  return 1
}

# expect_refused_before_prompt: the server refused the connection at the publickey step.
expect_refused_before_prompt() {
  expect_prompts 0 && grep -q "Permission denied (publickey)" "$err" && return 0
  echo "  $current_case: ssh stderr: $(head -c 400 "$err")"
  return 1
}

# expect_audit DECISION:REASON...: the module logged exactly these decisions, in this order,
# during the last connection (checked only when the harness captures syslog itself).
expect_audit() {
  [[ -z $E2E_SYSLOG ]] && return 0
  local expected="" item waited
  for item in "$@"; do
    expected+="decision=${item%%:*} user=$user rhost=127.0.0.1 service=$service"
    expected+=" method=totp reason=${item#*:}"$'\n'
  done
  expected=${expected%$'\n'}
  for ((waited = 0; waited < 30; waited++)); do
    [[ $(audit_lines_since_mark) == "$expected" ]] && return 0
    sleep 0.1
  done
  echo "  $current_case: expected audit lines:"
  printf '%s\n' "$expected" | sed 's/^/    /'
  echo "  got:"
  audit_lines_since_mark | sed 's/^/    /'
  return 1
}

# This sshd's audit lines since the last connection started, from "decision=" up to "reason=..."
# (other PAM users on the machine log to the same socket; later fields are not checked here).
audit_lines_since_mark() {
  tail -n "+$((syslog_mark + 1))" "$E2E_SYSLOG" | grep -F "pam_sshotp($service:auth): " |
    sed -e 's/^.*: decision=/decision=/' -e 's/\( reason=[^ ]*\).*$/\1/'
}

# --- cases ----------------------------------------------------------------------------------
e2e_wait_for_step_margin 5
code=$(e2e_totp "$secret")

correct_code() {
  printf '%s\n' "$code" | e2e_set_answers
  login 0 -i "$user_key" && expect_prompts 1 && expect_audit accept:ok
}

wrong_code() {
  e2e_wrong_code "$secret" | e2e_set_answers
  login 255 -i "$user_key" && expect_prompts 1 && expect_audit deny:wrong
}

replayed_code() {
  printf '%s\n' "$code" | e2e_set_answers
  login 255 -i "$user_key" && expect_prompts 1 && expect_audit deny:replay
}

unknown_key() {
  printf '%s\n' "$code" | e2e_set_answers
  login 255 -i "$stranger_key" && expect_refused_before_prompt && expect_audit
}

no_key() {
  printf '%s\n' "$code" | e2e_set_answers
  login 255 -o PubkeyAuthentication=no && expect_refused_before_prompt && expect_audit
}

# The next step's code lies inside the default window of one step and is newer than the step
# accepted above, so it must work: the refusals did not lock the user out. The wrong first answer
# shows that a second prompt in the same connection is served too.
wrong_then_fresh_code() {
  {
    e2e_wrong_code "$secret"
    e2e_totp "$secret" 30
  } | e2e_set_answers
  login 0 -i "$user_key" -o NumberOfPasswordPrompts=2 && expect_prompts 2 &&
    expect_audit deny:wrong accept:ok
}

no_code_in_audit_lines() {
  syslog_mark=0
  ! audit_lines_since_mark | grep -qE "(^|[^0-9])$code([^0-9]|$)"
}

run_case "correct code after the key logs in" correct_code
run_case "wrong code is refused" wrong_code
run_case "replayed code is refused" replayed_code
run_case "unknown key is refused before any code prompt" unknown_key
run_case "no key at all is refused before any code prompt" no_key
run_case "wrong then fresh code in one connection logs in" wrong_then_fresh_code
if [[ -n $E2E_SYSLOG ]]; then
  run_case "no audit line carries a code" no_code_in_audit_lines
else
  echo "note: /dev/log belongs to a syslog daemon (or python3 is missing): audit lines not checked"
fi

echo "$passed passed, $failed failed"
if ((failed > 0)); then
  e2e_dump_sshd_log
  exit 1
fi
exit 0
