#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The fleet's audit trail: a login that consumes a code records its host's name (gethostname(),
# common/host_name.h) and time in the store, `list`, `list --json` and `status` show them, and
# the module's syslog line carries host=. Two "hosts" share one store: each login runs in a UTS
# namespace of its own named host-a or host-b (cli_lib.sh's PAM_LOGIN_HOST). Runs on the SQLite
# store, and on PostgreSQL through tests/postgresql/test_pg_cli.sh. Needs root (namespaces).

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"
# shellcheck source=tests/cli/admin_lib.sh
. "$CLI_DIR/admin_lib.sh"

if [ "$(id -u)" -ne 0 ] || ! unshare --uts true 2>/dev/null; then
  echo "SKIP: the two hosts' UTS namespaces need root"
  exit 77
fi

setup_work
pam_service sshotp-audit "$CONF" || exit 99

logins_record_their_host() {
  with_batch "ann $KEY_A\nben $KEY_B\n"
  expect_rc 0 || return 1
  enroll status ann </dev/null
  expect_in out "last host: -" || return 1
  PAM_LOGIN_HOST=host-a pam_login sshotp-audit ann "$(totp_code "$KEY_A")"
  expect_rc 0 || return 1
  PAM_LOGIN_HOST=host-b pam_login sshotp-audit ben "$(totp_code "$KEY_B")"
  expect_rc 0 || return 1
  # A refused code records nothing: ann's last host stays host-a.
  PAM_LOGIN_HOST=host-b pam_login sshotp-audit ann "$(totp_code "$KEY_A" wrong)"
  expect_rc 7 || return 1
  enroll status ann </dev/null
  expect_in out "last host: host-a" || return 1
  enroll list </dev/null
  expect_in out "LAST HOST" || return 1
  grep -Eq '^ann .* host-a ' "$WORK/out" && grep -Eq '^ben .* host-b ' "$WORK/out" ||
    { note "list lacks ann on host-a and ben on host-b"; show_output; return 1; }
  list_json 'users["ann"]["last_host"] == "host-a" and users["ben"]["last_host"] == "host-b"
    and users["ann"]["last_used"] is not None'
}

recovery_logins_record_their_host() {
  with_input "$KEY_C\n"
  enroll import cal <"$WORK/in"
  expect_rc 0 || return 1
  code=$(head -n 1 "$WORK/out")
  PAM_LOGIN_HOST=host-b pam_login sshotp-audit cal "$code"
  expect_rc 0 || return 1
  enroll status cal </dev/null
  expect_in out "last host: host-b" && expect_not_in out "last used: never"
}

run_case "a recovery code login records its host and time too" recovery_logins_record_their_host
run_case "a login records its host and time; list, list --json and status show them" \
  logins_record_their_host
finish
