#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end, the persistent lockout through a real sshd and ssh client: with max_failures = 3,
# the third wrong code returns PAM_MAXTRIES and sshd stops offering keyboard-interactive on that
# connection; a new connection with the right code is refused without a prompt; after
# `sshotp-enroll unlock` the right code logs in. Also checks the shipped fail2ban jail loads and
# the filter matches exactly the refusals logged here. Needs root; skips (77) only when not root.
#
# Environment (set by `make check`): PAM_SSHOTP_MODULE, SSHOTP_ENROLL, SSHOTP_SRCDIR, SSHD.
# shellcheck disable=SC2317 # the cases below are called through e2e_case
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/e2e/e2e_lib.sh
. "$SSHOTP_SRCDIR/tests/e2e/e2e_lib.sh"

e2e_test_preamble sshotp-e2e-lockout
user="sshotp-lock-$E2E_TAG"
secret="$E2E_TMP/$user.secret"
user_key="$E2E_TMP/$user.key"

e2e_write_test_config "max_failures = 3" "lockout_time = 600"
e2e_setup_enrolled_user "$user"
e2e_start_test_sshd "auth  required  $PAM_SSHOTP_MODULE config=$E2E_CONF" "$user"

# What the module tells a locked user (shown by ssh at LogLevel INFO).
locked_message="Too many failed attempts. Try again later or ask your administrator."

# --- cases ----------------------------------------------------------------------------------

# One wrong code in a connection of its own, then more in a connection whose client would try
# five times: the third failure locks the user, the module says so and sshd ends the connection
# ("Too many authentication failures") instead of asking a fourth time.
third_failure_ends_the_connection() {
  local wrong
  wrong=$(e2e_wrong_code "$secret")
  printf '%s\n' "$wrong" | e2e_set_answers
  e2e_login "$user" 255 -i "$user_key" && e2e_expect_prompts 1 &&
    e2e_expect_audit deny:totp:wrong:- || return 1
  printf '%s\n' "$wrong" "$wrong" "$wrong" "$wrong" "$wrong" | e2e_set_answers
  e2e_login "$user" 255 -i "$user_key" -o NumberOfPasswordPrompts=5 -o LogLevel=INFO &&
    e2e_expect_prompts 2 && e2e_expect_audit deny:totp:wrong:- deny:totp:wrong:- &&
    e2e_expect_stderr "$locked_message" && e2e_expect_stderr "Too many authentication failures"
}

# The code is right and fresh, but the module does not even ask for it, and after PAM_MAXTRIES
# sshd offers no method at all any more ("Permission denied ()."). On such an empty list the
# OpenSSH client falls back to its own defaults and would ask for a password that the server
# does not accept; PreferredAuthentications keeps the client to the server's methods.
locked_user_is_not_asked() {
  e2e_wait_for_step_margin 5
  e2e_totp "$secret" | e2e_set_answers
  e2e_login "$user" 255 -i "$user_key" -o NumberOfPasswordPrompts=3 -o LogLevel=INFO \
    -o PreferredAuthentications=publickey,keyboard-interactive && e2e_expect_prompts 0 &&
    e2e_expect_audit deny:none:locked:- && e2e_expect_stderr "$locked_message" &&
    e2e_expect_stderr "Permission denied ()."
}

unlock_then_correct_code() {
  local out="$E2E_TMP/unlock.out"
  if ! e2e_enroll_cli unlock "$user" >"$out" 2>&1; then
    echo "  $E2E_CASE: sshotp-enroll unlock failed: $(head -c 300 "$out")"
    return 1
  fi
  e2e_wait_for_step_margin 5
  e2e_totp "$secret" | e2e_set_answers
  e2e_login "$user" 0 -i "$user_key" && e2e_expect_prompts 1 && e2e_expect_audit accept:totp:ok:-
}

e2e_case "third wrong code locks and ends keyboard-interactive" third_failure_ends_the_connection
e2e_case "locked user is refused without a prompt" locked_user_is_not_asked
e2e_case "sshotp-enroll unlock lets the right code in" unlock_then_correct_code
e2e_case "fail2ban filter matches exactly the refusals" e2e_fail2ban_matches_denials
e2e_case "fail2ban jail loads with the filter" e2e_fail2ban_jail_loads
e2e_finish
