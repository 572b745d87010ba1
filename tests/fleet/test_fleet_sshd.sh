#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two real sshd "hosts" and one PostgreSQL store (issue 12): hosts A and B each have their own
# sshd (port, host key, config), PAM service, sshotp.conf and copy of the fleet's key file; both
# stores are the same database, reached as the host role over TLS with its client certificate.
# The user is enrolled once, through host A's CLI; the real ssh client logs in (publickey, then
# keyboard-interactive answered with a code from oathtool). A code used on one host is used on
# all; failures on both count towards one lockout; an unlock on one host frees the user on all.
# Needs root; skips (77) only when not root. Needs configure --with-postgresql.
# shellcheck disable=SC2317 # the cases below are called through e2e_case
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/fleet/fleet_lib.sh
. "$SSHOTP_SRCDIR/tests/fleet/fleet_lib.sh"

fleet_preamble sshotp-fleet-sshd
user="sshotp-fl-$E2E_TAG"
secret="$E2E_TMP/$user.secret"
user_key="$E2E_TMP/$user.key"
settings=("max_failures = 3" "lockout_time = 600")

fleet_write_host a "$PG_HOST_CONNINFO" "${settings[@]}"
fleet_write_host b "$PG_HOST_CONNINFO" "${settings[@]}"
fleet_use_host a
e2e_setup_enrolled_user "$user"
grep -E '^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$' "$E2E_TMP/import-$user.out" >"$E2E_TMP/recovery" ||
  e2e_die "sshotp-enroll import printed no recovery codes"
fleet_share_key a b
fleet_start_sshd a "$user"
fleet_start_sshd b "$user"

locked_message="Too many failed attempts. Try again later or ask your administrator."

# login_on HOST EXPECTED_EXIT ANSWER...: one connection to HOST's sshd answering its prompts.
login_on() {
  local host=$1 expected=$2
  shift 2
  fleet_use_host "$host"
  printf '%s\n' "$@" | e2e_set_answers
  e2e_login "$user" "$expected" -i "$user_key" -o LogLevel=INFO \
    -o PreferredAuthentications=publickey,keyboard-interactive
}

# --- cases ----------------------------------------------------------------------------------
e2e_wait_for_step_margin 10
code=$(e2e_totp "$secret")

code_on_a() {
  login_on a 0 "$code" && e2e_expect_prompts 1 && e2e_expect_audit accept:totp:ok:-
}

same_code_on_b() {
  login_on b 255 "$code" && e2e_expect_prompts 1 && e2e_expect_audit deny:totp:replay:-
}

recovery_on_a_then_b() {
  local recovery
  recovery=$(sed -n 1p "$E2E_TMP/recovery")
  login_on a 0 "$recovery" && e2e_expect_audit accept:recovery:ok:9 &&
    login_on b 255 "$recovery" && e2e_expect_audit deny:recovery:wrong:-
}

# max_failures = 3: a wrong code on A, one on B, and the third, on A, locks the user everywhere.
# The refusal on B above counted too: the count starts again from an unlock (A's CLI).
failures_split_lock() {
  local wrong
  wrong=$(e2e_wrong_code "$secret")
  fleet_use_host a
  e2e_enroll_cli unlock "$user" >/dev/null || return 1
  login_on a 255 "$wrong" && e2e_expect_audit deny:totp:wrong:- &&
    login_on b 255 "$wrong" && e2e_expect_audit deny:totp:wrong:- &&
    login_on a 255 "$wrong" && e2e_expect_audit deny:totp:wrong:- &&
    e2e_expect_stderr "$locked_message" || return 1
  e2e_wait_for_step_margin 5
  login_on b 255 "$(e2e_totp "$secret" 30)" && e2e_expect_prompts 0 &&
    e2e_expect_audit deny:none:locked:-
}

unlock_on_b_works_on_a() {
  local out="$E2E_TMP/unlock.out"
  fleet_use_host b
  if ! e2e_enroll_cli unlock "$user" >"$out" 2>&1; then
    echo "  $E2E_CASE: sshotp-enroll unlock (host B's config) failed: $(head -c 300 "$out")"
    return 1
  fi
  e2e_wait_for_step_margin 5
  login_on a 0 "$(e2e_totp "$secret" 30)" && e2e_expect_prompts 1 &&
    e2e_expect_audit accept:totp:ok:-
}

no_code_logged() {
  { printf '%s\n' "$code"; cat "$E2E_TMP/recovery"; } | not_logged_on_either_host
}

# e2e_expect_not_logged reads the lines of one PAM service; here both hosts count.
not_logged_on_either_host() {
  local secrets
  secrets=$(cat)
  fleet_use_host a
  e2e_expect_not_logged <<<"$secrets" || return 1
  fleet_use_host b
  e2e_expect_not_logged <<<"$secrets"
}

e2e_case "enrolled once via A's CLI, a code from oathtool logs in on A" code_on_a
e2e_case "the same code is refused on B (replay)" same_code_on_b
e2e_case "a recovery code used on A is refused on B" recovery_on_a_then_b
e2e_case "failures split across A and B lock the user at max_failures on both" failures_split_lock
e2e_case "an unlock through B's CLI lets the user in on A" unlock_on_b_works_on_a
e2e_case "no code appears in either host's module log lines" no_code_logged
fleet_finish
