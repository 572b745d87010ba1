#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end: a real OpenSSH sshd on 127.0.0.1 with the built pam_sshotp.so and the shipped
# sshd drop-in, a real throwaway user, and the real ssh client answering the code prompt through
# SSH_ASKPASS. Codes come from oathtool, not from our own code. Covers the TOTP login, its
# refusals, a hardware token's (HOTP) logins beside it, an unsafe store failing closed, and the
# fail2ban filter on the lines all that logged.
# Needs root (UsePAM and /etc/pam.d); skips (77) only when not root.
#
# Environment (set by `make check`): PAM_SSHOTP_MODULE, SSHOTP_ENROLL, SSHOTP_SRCDIR, SSHD.
# shellcheck disable=SC2317 # the cases below are called through e2e_case
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/e2e/e2e_lib.sh
. "$SSHOTP_SRCDIR/tests/e2e/e2e_lib.sh"

e2e_test_preamble sshotp-e2e
user="sshotp-$E2E_TAG"
secret="$E2E_TMP/$user.secret"
user_key="$E2E_TMP/$user.key"
stranger_key="$E2E_TMP/stranger_key"
# A hardware token's user: an HOTP secret in hex, as a token's vendor or ykman prints it,
# imported with the token's next counter (it was used up to 4 elsewhere).
token_user="hotp-$E2E_TAG"
token_hex="$E2E_TMP/$token_user.hex"

e2e_write_test_config
e2e_setup_enrolled_user "$user"
e2e_setup_unenrolled_user "$token_user"
head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$token_hex"
e2e_enroll_cli import "$token_user" --hotp --hex --counter 5 <"$token_hex" >/dev/null ||
  e2e_die "sshotp-enroll import --hotp failed"
e2e_new_key "$stranger_key"
e2e_start_test_sshd "auth  required  $PAM_SSHOTP_MODULE config=$E2E_CONF" "$user" "$token_user"

# token_code COUNTER: the token's code at COUNTER, from oathtool (the secret on stdin).
token_code() {
  oathtool --hotp --counter="$1" - <"$token_hex"
}

# expect_refused_before_prompt: the server refused the connection at the publickey step.
expect_refused_before_prompt() {
  e2e_expect_prompts 0 && e2e_expect_stderr "Permission denied (publickey)"
}

# --- cases ----------------------------------------------------------------------------------
e2e_wait_for_step_margin 5
code=$(e2e_totp "$secret")

correct_code() {
  printf '%s\n' "$code" | e2e_set_answers
  e2e_login "$user" 0 -i "$user_key" && e2e_expect_prompts 1 &&
    e2e_expect_audit accept:totp:ok:-
}

wrong_code() {
  e2e_wrong_code "$secret" | e2e_set_answers
  e2e_login "$user" 255 -i "$user_key" && e2e_expect_prompts 1 &&
    e2e_expect_audit deny:totp:wrong:-
}

replayed_code() {
  printf '%s\n' "$code" | e2e_set_answers
  e2e_login "$user" 255 -i "$user_key" && e2e_expect_prompts 1 &&
    e2e_expect_audit deny:totp:replay:-
}

unknown_key() {
  printf '%s\n' "$code" | e2e_set_answers
  e2e_login "$user" 255 -i "$stranger_key" && expect_refused_before_prompt && e2e_expect_audit
}

no_key() {
  printf '%s\n' "$code" | e2e_set_answers
  e2e_login "$user" 255 -o PubkeyAuthentication=no && expect_refused_before_prompt &&
    e2e_expect_audit
}

# A store that anyone could read fails closed, before the user types anything.
unsafe_store() {
  local status=0
  e2e_totp "$secret" | e2e_set_answers
  chmod 0644 "$E2E_DB"
  e2e_login "$user" 255 -i "$user_key" && e2e_expect_prompts 0 &&
    e2e_expect_audit deny:none:store-error:- || status=1
  chmod 0600 "$E2E_DB"
  return "$status"
}

# The next step's code lies inside the default window of one step and is newer than the step
# accepted above, so it must work: the refusals did not lock the user out. The wrong first answer
# shows that a second prompt in the same connection is served too.
wrong_then_fresh_code() {
  fresh_code=$(e2e_totp "$secret" 30)
  printf '%s\n' "$(e2e_wrong_code "$secret")" "$fresh_code" | e2e_set_answers
  e2e_login "$user" 0 -i "$user_key" -o NumberOfPasswordPrompts=2 && e2e_expect_prompts 2 &&
    e2e_expect_audit deny:totp:wrong:- accept:totp:ok:-
}

# The token: the code of its next press (counter 5), not twice; a YubiKey's identifier before
# the code of a press skipped over (7, within the default hotp_window); one pressed far ahead.
token_logins() {
  local key="$E2E_TMP/$token_user.key"
  token_code 5 | e2e_set_answers
  e2e_login "$token_user" 0 -i "$key" && e2e_expect_audit accept:hotp:ok:- || return 1
  token_code 5 | e2e_set_answers
  e2e_login "$token_user" 255 -i "$key" && e2e_expect_audit deny:hotp:replay:- || return 1
  printf 'ubhe12345678%s\n' "$(token_code 7)" | e2e_set_answers
  e2e_login "$token_user" 0 -i "$key" && e2e_expect_audit accept:hotp:ok:- || return 1
  token_code 40 | e2e_set_answers
  e2e_login "$token_user" 255 -i "$key" && e2e_expect_audit deny:hotp:wrong:-
}

no_code_logged() {
  printf '%s\n' "$code" "${fresh_code:-}" "$(token_code 5)" "$(token_code 7)" |
    e2e_expect_not_logged
}

e2e_case "correct code after the key logs in" correct_code
e2e_case "wrong code is refused" wrong_code
e2e_case "replayed code is refused" replayed_code
e2e_case "unknown key is refused before any code prompt" unknown_key
e2e_case "no key at all is refused before any code prompt" no_key
e2e_case "unsafe store fails closed without a prompt" unsafe_store
e2e_case "wrong then fresh code in one connection logs in" wrong_then_fresh_code
e2e_case "a hardware token's next code logs in, once; one far ahead is refused" token_logins
e2e_case "no code appears in the module's log lines" no_code_logged
e2e_case "fail2ban filter matches exactly the refusals" e2e_fail2ban_matches_denials
e2e_finish
