#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end, recovery codes through a real sshd and ssh client: a recovery code typed at the
# code prompt logs in once and the user is told how many are left, the same code is refused the
# second time, input is forgiving (case, dashes), a new set from `sshotp-enroll recovery`
# replaces the old one and warns when few are left. The codes are the ones the CLI printed.
# Needs root; skips (77) only when not root.
#
# Environment (set by `make check`): PAM_SSHOTP_MODULE, SSHOTP_ENROLL, SSHOTP_SRCDIR, SSHD.
# shellcheck disable=SC2317 # the cases below are called through e2e_case
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/e2e/e2e_lib.sh
. "$SSHOTP_SRCDIR/tests/e2e/e2e_lib.sh"

e2e_test_preamble sshotp-e2e-recovery
user="sshotp-rec-$E2E_TAG"
user_key="$E2E_TMP/$user.key"
codes="$E2E_TMP/recovery-codes"
new_codes="$E2E_TMP/new-recovery-codes"

# printed_codes FILE: the recovery codes sshotp-enroll printed into FILE, one a line.
printed_codes() {
  grep -E '^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$' "$1" || true
}

e2e_write_test_config
e2e_setup_enrolled_user "$user"
# import prints the new enrollment's recovery codes, one a line, on stdout (10 by default).
printed_codes "$E2E_TMP/import-$user.out" >"$codes"
(($(wc -l <"$codes") == 10)) || e2e_die "sshotp-enroll import did not print 10 recovery codes"
e2e_start_test_sshd "auth  required  $PAM_SSHOTP_MODULE config=$E2E_CONF" "$user"

# code N [FILE]: the Nth recovery code of FILE (default: the imported set).
code() {
  sed -n "${1}p" "${2:-$codes}"
}

# login_with ANSWER EXPECTED_EXIT: one connection typing ANSWER at the single code prompt. ssh
# runs at LogLevel INFO, where it shows what the server said during keyboard-interactive.
login_with() {
  printf '%s\n' "$1" | e2e_set_answers
  e2e_login "$user" "$2" -i "$user_key" -o LogLevel=INFO && e2e_expect_prompts 1
}

# --- cases ----------------------------------------------------------------------------------

recovery_code_logs_in() {
  login_with "$(code 1)" 0 && e2e_expect_stderr "Recovery code accepted. 9 left." &&
    e2e_expect_audit accept:recovery:ok:9
}

used_recovery_code_is_refused() {
  login_with "$(code 1)" 255 && e2e_expect_audit deny:recovery:wrong:-
}

neither_code_nor_recovery_code_is_refused() {
  login_with "hello" 255 && e2e_expect_audit deny:none:bad-input:-
}

# Upper case without dashes, as someone might copy it from paper.
forgiving_input() {
  local typed
  typed=$(code 2 | tr -d - | tr '[:lower:]' '[:upper:]')
  login_with "$typed" 0 && e2e_expect_stderr "Recovery code accepted. 8 left." &&
    e2e_expect_audit accept:recovery:ok:8
}

new_set_replaces_old_one() {
  local out="$E2E_TMP/recovery.out"
  if ! e2e_enroll_cli recovery --count 3 "$user" >"$out" 2>&1; then
    echo "  $E2E_CASE: sshotp-enroll recovery failed: $(head -c 300 "$out")"
    return 1
  fi
  printed_codes "$out" >"$new_codes"
  if (($(wc -l <"$new_codes") != 3)); then
    echo "  $E2E_CASE: expected 3 new codes, sshotp-enroll printed: $(head -c 300 "$out")"
    return 1
  fi
  login_with "$(code 3)" 255 && e2e_expect_audit deny:recovery:wrong:- &&
    login_with "$(code 1 "$new_codes")" 0 &&
    e2e_expect_stderr "Recovery code accepted. Only 2 left: create new ones with" &&
    e2e_expect_audit accept:recovery:ok:2
}

no_recovery_code_logged() {
  cat "$codes" "$new_codes" | e2e_expect_not_logged
}

e2e_case "recovery code logs in and tells how many are left" recovery_code_logs_in
e2e_case "used recovery code is refused" used_recovery_code_is_refused
e2e_case "an answer that is neither kind of code is refused" neither_code_nor_recovery_code_is_refused
e2e_case "recovery code typed in upper case without dashes logs in" forgiving_input
e2e_case "new set replaces the old one and warns when few are left" new_set_replaces_old_one
e2e_case "no recovery code appears in the module's log lines" no_recovery_code_logged
e2e_case "fail2ban filter matches exactly the refusals" e2e_fail2ban_matches_denials
e2e_finish
