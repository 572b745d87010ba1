#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of `sshotp-enroll resync`: a hardware token pressed 50 times without a login is beyond
# hotp_window, so its code is refused; root resynchronises it with two consecutive codes, after
# which the next press logs in and the pair is used up. Codes that are not consecutive, a pair
# beyond kResyncRange (1000) presses, malformed input, a time-based user and missing input are
# refused with nothing changed. A user resynchronising their own token is counted like a login.
# Each resync leaves one audit line, without the codes.
# The token is a pam_oath users-file line taken over by `migrate oath`; codes come from
# oathtool and are typed on stdin, never in argv. Root only (migrate is): exit 77 otherwise.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"
# shellcheck source=tests/cli/migrate_lib.sh
. "$CLI_DIR/migrate_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: sshotp-enroll migrate needs root"
  exit 77
fi
command -v oathtool >/dev/null || { echo "FAIL: oathtool is missing (run deps.sh)"; exit 1; }

setup_work
OATH="$WORK/oath"
mkdir "$OATH" && pam_service sshotp-resync "$CONF" || exit 99
KT=$(random_hex 20)
KEY160=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP  # a throwaway key for a time-based user

# token_code COUNTER: carol's token's code at COUNTER.
token_code() {
  hotp_hex "$KT" "$1"
}

# resync_with FIRST SECOND [ARGS...]: `resync ARGS` as root, the two codes on stdin.
resync_with() {
  with_input "$1\n$2\n"
  shift 2
  enroll resync "$@" <"$WORK/in"
}

ran_ahead_then_resynced() {
  # Never used, counter 9: the next press is counter 9; the token has since made 50 codes.
  printf 'HOTP/E carol - %s 9\n' "$KT" >"$OATH/tokens.oath"
  migrate_oath "$OATH/tokens.oath"
  expect_rc 0 && expect_in out "carol: imported (SHA1, 6 digits, counter-based, next counter 9)" ||
    return 1
  pam_login sshotp-resync carol "$(token_code 59)"
  expect_rc 7 || { note "a code 50 presses ahead logged in"; return 1; }
  resync_with "$(token_code 59)" "$(token_code 60)" carol
  expect_rc 0 && expect_in out "carol: resynchronised; the next login expects the code of counter 61." &&
    expect_in err "Code of the token's next press: " || return 1
  expect_not_in out "$(token_code 59)" && expect_not_in err "$(token_code 60)" || return 1
  pam_login sshotp-resync carol "$(token_code 61)"
  expect_rc 0 || { note "the press after the pair was refused"; return 1; }
  pam_login sshotp-resync carol "$(token_code 60)"
  expect_rc 7 || { note "the pair's second code logged in"; return 1; }
  resync_with "$(token_code 59)" "$(token_code 60)" carol  # the used pair again
  expect_rc 3 && expect_in err "no two consecutive codes"
}

other_pairs_change_nothing() {
  resync_with "$(token_code 70)" "$(token_code 72)" carol
  expect_rc 3 && expect_in err "resync carol: no two consecutive codes within 1000 presses" ||
    return 1
  resync_with "$(token_code 1100)" "$(token_code 1101)" carol  # beyond the search
  expect_rc 3 && expect_in err "no two consecutive codes" || return 1
  resync_with 12345 "$(token_code 63)" carol
  expect_rc 3 && expect_in err "not a 6-digit code" || return 1
  with_input "$(token_code 62)\n"
  enroll resync carol <"$WORK/in"  # the second code never comes
  expect_rc 3 && expect_in err "aborted; nothing was changed" || return 1
  # Nothing moved: the next press still logs in.
  pam_login sshotp-resync carol "$(token_code 62)"
  expect_rc 0 || { note "a refused resync moved the counter"; return 1; }
}

resync_arguments() {
  enroll resync carol bob </dev/null
  expect_rc 2 || return 1
  resync_with 123456 654321 nobody-enrolled
  expect_rc 5 && expect_in err "not enrolled" || return 1
  with_input "$KEY160\n"
  enroll import alice <"$WORK/in"
  expect_rc 0 || return 1
  resync_with 123456 654321 alice
  expect_rc 1 && expect_in err "resync alice: the enrollment is time-based" || return 1
  enroll disable carol </dev/null
  resync_with "$(token_code 80)" "$(token_code 81)" carol
  expect_rc 3 && expect_in err "disabled" || return 1
  enroll enable carol </dev/null
  expect_rc 0
}

# One resync under a stand-in syslog (see in_private_root in cli_lib.sh).
# shellcheck disable=SC2016  # expanded by the shell inside the namespace
SYSLOG_BODY='
  enroll=$1 conf=$2 work=$3 py=$4 capture=$5
  "$py" "$capture" /dev/log -- "$enroll" --config "$conf" resync carol <"$work/in" \
    >"$work/ns-log" 2>&1
  true'

resync_leaves_one_audit_line() {
  with_input "$(token_code 90)\n$(token_code 91)\n"
  in_private_root /bin/sh -c "$SYSLOG_BODY" body "$ENROLL" "$CONF" "$WORK" "$PY" \
    "$CLI_DIR/syslog_capture.py" || return 1
  expect_syslog_lines "$WORK/ns-log" 1 "action=resync user=carol by_uid=0 result=ok" || return 1
  if grep -qF -e "$(token_code 90)" -e "$(token_code 91)" "$WORK/syslog"; then
    note "a code reached syslog"
    return 1
  fi
}

# The user's own resync: nobody, on a store of nobody's own (as recovery_cases_lib.sh does for
# `recovery`), with max_failures 2.
own_resync_counts_like_a_login() {
  mkdir -m 755 "$WORK/nb" &&
    printf 'db = %s/nb/store/s.db\nkey_file = %s/nb/key\nmax_failures = 2\n' "$WORK" "$WORK" \
      >"$WORK/nb/c.conf" && chmod 644 "$WORK/nb/c.conf" &&
    printf 'HOTP/E nobody - %s\n' "$KT" >"$OATH/nobody.oath" || return 1
  enroll_bare --config "$WORK/nb/c.conf" migrate oath "$OATH/nobody.oath" </dev/null
  expect_rc 0 && chown -R nobody:nogroup "$WORK/nb/store" "$WORK/nb/key" || return 1
  copy_enroll_for_nobody
  with_input "$(token_code 40)\n$(token_code 42)\n"
  as_nobody_with "$WORK/nb/c.conf" resync <"$WORK/in"
  expect_rc 3 && expect_in err "resync nobody: no two consecutive codes" || return 1
  as_nobody_with "$WORK/nb/c.conf" status
  expect_in out "consecutive failures: 1" || return 1
  with_input "$(token_code 40)\n$(token_code 41)\n"
  as_nobody_with "$WORK/nb/c.conf" resync <"$WORK/in"
  expect_rc 0 && expect_in out "nobody: resynchronised; the next login expects the code of counter 42." ||
    return 1
  as_nobody_with "$WORK/nb/c.conf" status
  expect_in out "consecutive failures: 0" || return 1
  with_input "$(token_code 50)\n$(token_code 51)\n"
  as_nobody_with "$WORK/nb/c.conf" resync carol <"$WORK/in"
  expect_rc 4 && expect_in err "permission denied" || return 1
  # Two misses lock, and then not even the right pair is looked at.
  for pair in "60 62" "60 62" "60 61"; do
    # shellcheck disable=SC2086  # two counters
    set -- $pair
    with_input "$(token_code "$1")\n$(token_code "$2")\n"
    as_nobody_with "$WORK/nb/c.conf" resync <"$WORK/in"
    expect_rc 3 || return 1
  done
  expect_in err "too many failed attempts"
}

run_case "a token 50 presses ahead is refused; resync with two codes; the next press logs in" \
  ran_ahead_then_resynced
run_case "pairs with a gap, beyond 1000 presses, malformed or incomplete change nothing (exit 3)" \
  other_pairs_change_nothing
run_case "resync: extra arguments 2, not enrolled 5, time-based 1, disabled 3" resync_arguments
if private_root_available; then
  run_case "one audit line per resync, without the codes" resync_leaves_one_audit_line
else
  skip_case "audit line" "no private mount namespace: $(cat "$WORK/namespace.err")"
fi
run_case "a user's own resync: a miss counts as a failed login, a lockout refuses" \
  own_resync_counts_like_a_login

finish
