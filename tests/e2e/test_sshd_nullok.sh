#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End to end, nullok through a real sshd and ssh client, with the PAM stack pam_sshotp(8)
# documents for it (pam_sshotp nullok, then pam_permit): a user who is not enrolled logs in with
# the public key alone and is never asked for a code, while an enrolled user still is. Needs
# root; skips (77) only when not root.
#
# Environment (set by `make check`): PAM_SSHOTP_MODULE, SSHOTP_ENROLL, SSHOTP_SRCDIR, SSHD.
# shellcheck disable=SC2317 # the cases below are called through e2e_case
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/e2e/e2e_lib.sh
. "$SSHOTP_SRCDIR/tests/e2e/e2e_lib.sh"

e2e_test_preamble sshotp-e2e-nullok
enrolled="sshotp-nok-$E2E_TAG"
unenrolled="sshotp-new-$E2E_TAG"
secret="$E2E_TMP/$enrolled.secret"

e2e_write_test_config
e2e_setup_enrolled_user "$enrolled"
e2e_setup_unenrolled_user "$unenrolled"
e2e_start_test_sshd "auth  required  $PAM_SSHOTP_MODULE config=$E2E_CONF nullok
auth  required  pam_permit.so" "$enrolled" "$unenrolled"

# --- cases ----------------------------------------------------------------------------------

unenrolled_user_needs_only_the_key() {
  e2e_set_answers </dev/null
  e2e_login "$unenrolled" 0 -i "$E2E_TMP/$unenrolled.key" && e2e_expect_prompts 0 &&
    e2e_expect_audit ignore:none:not-enrolled:-
}

enrolled_user_wrong_code_is_refused() {
  e2e_wrong_code "$secret" | e2e_set_answers
  e2e_login "$enrolled" 255 -i "$E2E_TMP/$enrolled.key" && e2e_expect_prompts 1 &&
    e2e_expect_audit deny:totp:wrong:-
}

enrolled_user_correct_code_logs_in() {
  e2e_wait_for_step_margin 5
  e2e_totp "$secret" | e2e_set_answers
  e2e_login "$enrolled" 0 -i "$E2E_TMP/$enrolled.key" && e2e_expect_prompts 1 &&
    e2e_expect_audit accept:totp:ok:-
}

e2e_case "unenrolled user logs in with the key alone, no prompt" unenrolled_user_needs_only_the_key
e2e_case "enrolled user is still asked: wrong code refused" enrolled_user_wrong_code_is_refused
e2e_case "enrolled user is still asked: right code logs in" enrolled_user_correct_code_logs_in
e2e_case "fail2ban filter matches exactly the refusals" e2e_fail2ban_matches_denials
e2e_finish
