#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of the admin commands of sshotp-enroll that show and switch enrollments: `list` (table
# and --json, parsed by Python's json module), the state line of `status`, and
# `disable`/`enable` with logins through libpam and the built module (pam_login.py, codes from
# pyotp); the arguments of every admin command and who may run them (import --batch and the QR
# image files of `enroll` included: test_import_batch.sh and test_qr_images.sh test what they
# do); and the syslog line of every admin action (in a private mount namespace). Everything
# lives in a mktemp -d directory. The commands are root-only: exit 77 if not root.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"
# shellcheck source=tests/cli/admin_lib.sh
. "$CLI_DIR/admin_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: sshotp-enroll list/disable/import --batch need root"
  exit 77
fi

setup_work
copy_enroll_for_nobody
pam_service sshotp-admin "$CONF" || exit 99

# --------------------------------------------------------------------------------------------
# Arguments

help_lists_admin_commands() {
  enroll_bare --help
  expect_rc 0 || return 1
  for word in list disable enable --json --batch --qr-png --qr-svg; do
    expect_in out "$word" || return 1
  done
}

usage_errors_exit_2() {
  while read -r args; do
    # shellcheck disable=SC2086  # word splitting is the point
    enroll $args </dev/null
    expect_rc 2 || { note "arguments: $args"; return 1; }
  done <<'EOF'
list alice
list --bogus
disable
disable alice bob
enable
enable --json alice
import --batch alice
import --batch --digits 7
import --batch --bogus
enroll --qr-png
enroll --qr-png= alice
enroll --qr-png same --qr-svg same alice
EOF
  [ ! -e "$DB" ] || { note "a usage error created the store"; return 1; }
}

non_root_is_refused() {
  for args in "list" "list --json" "disable alice" "enable alice"; do
    # shellcheck disable=SC2086
    as_nobody $args </dev/null
    expect_rc 4 && expect_in err "permission denied" || { note "as nobody: $args"; return 1; }
  done
  with_input "alice $KEY_A\n"
  as_nobody import --batch <"$WORK/in"
  expect_rc 4 && expect_in err "permission denied"
}

# --------------------------------------------------------------------------------------------
# list, status, disable, enable

list_before_any_store_is_empty() {
  list_json 'users == {}' || return 1
  enroll list </dev/null
  expect_rc 0 && [ "$(wc -l <"$WORK/out")" -eq 1 ] && expect_in out "USER" &&
    expect_in out "CODES LEFT"
}

# users_to_list: the users whose rows the list cases check besides their own (as
# test_import_batch.sh leaves them): ann has logged in, cat holds two recovery codes, and fay's
# key is SHA256, 8 digits, 60 seconds.
users_to_list() {
  with_batch "ann $KEY_A\ncat $KEY_C\n"
  expect_rc 0 || return 1
  with_batch "fay $KEY_B\n" --algorithm sha256 --digits 8 --period 60
  expect_rc 0 || return 1
  pam_login sshotp-admin ann "$(totp_code "$KEY_A")"
  expect_rc 0 || return 1
  enroll recovery cat --count 2 </dev/null
  expect_rc 0
}

states_show_in_list_and_status() {
  users_to_list || return 1
  # hal: locked after one failure; pat: only a pending enrollment (written directly, as an
  # enrollment waiting for its first code would be).
  cat "$CONF" >"$WORK/lock.conf" && printf 'max_failures = 1\n' >>"$WORK/lock.conf" &&
    pam_service sshotp-lock "$WORK/lock.conf" || return 1
  with_batch "hal $KEY_C\n"
  expect_rc 0 || return 1
  pam_login sshotp-lock hal "$(totp_code "$KEY_C" wrong)"
  expect_rc 11 || { note "one failure did not lock hal"; return 1; }
  sqlite3 "$DB" "INSERT INTO pending_enrollments (user, algorithm, digits, period,
    sealed_secret, created_at) VALUES ('pat', 'SHA1', 6, 30, x'0102030405', 1700000000)" ||
    return 1
  list_json 'users["hal"]["state"] == "locked" and users["hal"]["locked_until"] and
    users["hal"]["failures"] == 0 and users["hal"]["lockouts"] == 1 and
    users["pat"]["state"] == "pending" and users["pat"]["created"] == "2023-11-14T22:13:20Z" and
    users["ann"]["state"] == "active" and users["ann"]["last_used"] and
    users["cat"]["recovery_codes_left"] == 2 and
    users["ann"]["kind"] == "totp" and users["ann"]["counter"] is None and
    set(users["ann"]) == {"user", "state", "kind", "algorithm", "digits", "period", "counter",
      "created", "last_used", "last_host", "failures", "locked_until", "lockouts",
      "recovery_codes_left"}' || return 1
  expect_status_shows hal "state: locked" "lockouts: 1" || return 1
  expect_status pat 5 && expect_in out "state: pending" || return 1
  enroll list </dev/null
  expect_rc 0 || return 1
  grep -Eq '^USER +STATE +KIND +PARAMETERS +CREATED +LAST USED' "$WORK/out" &&
    grep -Eq '^hal +locked +totp +SHA1/6/30 +[0-9T:Z-]+ +never +- +0 +[0-9T:Z-]+ +0$' \
      "$WORK/out" &&
    grep -Eq '^pat +pending +totp +SHA1/6/30 +2023-11-14T22:13:20Z +never +- +0 +- +0$' \
      "$WORK/out" &&
    grep -Eq '^fay +active +totp +SHA256/8/60 ' "$WORK/out" ||
    { note "unexpected table"; show_output; return 1; }
}

disable_refuses_logins_until_enable() {
  with_batch "ida $KEY_B\n"
  expect_rc 0 || return 1
  enroll disable ida </dev/null
  expect_rc 0 && expect_in out "ida: disabled" || return 1
  expect_status_shows ida "state: disabled" || return 1
  pam_login sshotp-admin ida "$(totp_code "$KEY_B")"
  expect_rc 7 || { note "a disabled user logged in"; return 1; }
  # pam_login.py's timing line (took_ms) differs from run to run: the words are compared.
  grep -v '^took_ms: ' "$WORK/out" >"$WORK/disabled-login"
  list_json 'users["ida"]["state"] == "disabled" and users["ida"]["failures"] == 0' || return 1
  enroll enable ida </dev/null
  expect_rc 0 && expect_in out "ida: enabled" && expect_status_shows ida "state: active" ||
    return 1
  # Disabled must not show through: same prompt, same refusal, same words as a wrong code.
  pam_login sshotp-admin ida "$(totp_code "$KEY_B" wrong)"
  grep -v '^took_ms: ' "$WORK/out" >"$WORK/wrong-code-login"
  expect_rc 7 && cmp -s "$WORK/wrong-code-login" "$WORK/disabled-login" ||
    { note "a disabled login differs from a wrong code:"; diff "$WORK/disabled-login" \
      "$WORK/wrong-code-login" | sed 's/^/    /'; return 1; }
  pam_login sshotp-admin ida "$(totp_code "$KEY_B")"
  expect_rc 0 || return 1
  for command in disable enable; do
    enroll "$command" nobody-here </dev/null
    expect_rc 5 && expect_in err "$command nobody-here: not enrolled" || return 1
  done
}

json_escapes_odd_names() {
  # User names may hold quotes, backslashes and any byte above 0x7f; JSON must stay valid
  # UTF-8 (a byte that is not UTF-8 becomes U+FFFD).
  printf 'q"u\\o\303\251te\377 %s\n' "$KEY_A" >"$WORK/in"
  enroll import --batch <"$WORK/in"
  expect_rc 0 || return 1
  list_json 'users.get("q\"u\\o\u00e9te\ufffd", {}).get("state") == "active"' &&
    expect_no_secret
}

# Runs after states_show_in_list_and_status, which enrolls ann (whose row --json prints first).
list_stops_at_a_corrupt_row() {
  # The table reads every row before printing any, so it prints nothing; --json streams, so
  # what it printed before the bad row must not parse as a complete array.
  with_batch "mid $KEY_A\n"
  expect_rc 0 || return 1
  sqlite3 "$DB" "UPDATE enrollments SET state = 'bogus' WHERE user = 'mid'" || return 1
  enroll list </dev/null
  expect_rc 1 && expect_in err "corrupt enrollment row for user 'mid'" || return 1
  [ ! -s "$WORK/out" ] || { note "the table printed part of a failed read"; show_output; return 1; }
  enroll list --json </dev/null
  expect_rc 1 && expect_in out '"user": "ann"' || return 1
  if "$PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$WORK/out" 2>/dev/null; then
    note "a failed list --json printed a complete array"
    return 1
  fi
  sqlite3 "$DB" "DELETE FROM enrollments WHERE user = 'mid'"
}

# --------------------------------------------------------------------------------------------
# Syslog, in a private mount namespace (see in_private_root)

# shellcheck disable=SC2016  # expanded by the shell inside the namespace
NAMESPACE_BODY='
  enroll=$1 conf=$2 work=$3 py=$4 capture=$5 nobody_enroll=$6
  log() { "$py" "$capture" /dev/log -- "$@" >>"$work/ns-log" 2>&1 </dev/null; }
  "$py" "$capture" /dev/log -- "$enroll" --config "$conf" import --batch \
    <"$work/ns-good" >>"$work/ns-log" 2>&1
  "$py" "$capture" /dev/log -- "$enroll" --config "$conf" import --batch \
    <"$work/ns-bad" >>"$work/ns-log" 2>&1
  log "$enroll" --config "$conf" disable jon
  log "$enroll" --config "$conf" enable jon
  log "$enroll" --config "$conf" disable nobody-here
  log setpriv --reuid=nobody --regid=nogroup --clear-groups "$nobody_enroll" --config "$conf" \
    disable jon
  log "$enroll" --config "$conf" list
  true'

syslog_lines_name_who_whom_what() {
  printf 'jon %s\nkay %s\n' "$KEY_A" "$KEY_B" >"$WORK/ns-good"
  printf 'lou %s\nmia %s\n' "$KEY_C" "$KEY80" >"$WORK/ns-bad"
  : >"$WORK/ns-log"
  in_private_root /bin/sh -c "$NAMESPACE_BODY" body "$ENROLL" "$CONF" "$WORK" "$PY" \
    "$CLI_DIR/syslog_capture.py" "$NOBODY_ENROLL" || return 1
  expect_syslog_lines "$WORK/ns-log" 6 "action=import-batch user=- by_uid=0 result=ok users=2" \
    "action=import-batch user=- by_uid=0 result=bad-input line=2" \
    "action=disable user=jon by_uid=0 result=ok" \
    "action=enable user=jon by_uid=0 result=ok" \
    "action=disable user=nobody-here by_uid=0 result=not-enrolled" \
    "action=disable user=jon by_uid=65534 result=denied" || return 1
  for secret in "$KEY_A" "$KEY_B" "$KEY_C" "$KEY80"; do
    ! grep -qF "$secret" "$WORK/ns-log" || { note "a key was printed or logged"; return 1; }
  done
}

# --------------------------------------------------------------------------------------------

run_case "--help lists list, disable, enable, --json, --batch, --qr-png, --qr-svg" \
  help_lists_admin_commands
run_case "bad arguments exit 2 and create nothing" usage_errors_exit_2
run_case "a non-root caller cannot list, disable, enable or import a batch (exit 4)" \
  non_root_is_refused
run_case "list without a store: a header line, and [] as JSON" list_before_any_store_is_empty
sqlite_case "list, list --json and status show active, locked and pending states" \
  states_show_in_list_and_status
run_case "disable refuses the right code (PAM_AUTH_ERR); enable lets it in again" \
  disable_refuses_logins_until_enable
sqlite_case "list --json escapes quotes, backslashes and bytes that are not UTF-8" \
  json_escapes_odd_names
sqlite_case "list exits 1 at a corrupt row; --json leaves its array unclosed" \
  list_stops_at_a_corrupt_row
if private_root_available; then
  run_case "one syslog line per admin action: who, whom, what; never a key" \
    syslog_lines_name_who_whom_what
else
  skip_case "syslog lines" "no private mount namespace: $(cat "$WORK/namespace.err")"
fi
finish
