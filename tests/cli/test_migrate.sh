#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of `sshotp-enroll migrate`: google-authenticator state files made by the real
# google-authenticator tool (migrate_ga_cases_lib.sh) and pam_oath users files
# (migrate_oath_cases_lib.sh) are taken over, time-based and counter-based (tokens used with
# pam_oath and pam_google_authenticator themselves first), the migrated users log in through
# libpam and the built module with codes from oathtool while the old modules' last codes stay
# used, whatever does not carry over is reported, hostile files are refused with nothing stored,
# a second run changes nothing, and each migration leaves an audit line without any secret. Root
# only (migrate is), so exit 77 otherwise; the google-authenticator tool and both old modules
# come from Debian's libpam-google-authenticator and libpam-oath, which deps.sh installs.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"
# shellcheck source=tests/cli/migrate_lib.sh
. "$CLI_DIR/migrate_lib.sh"
# shellcheck source=tests/cli/migrate_ga_cases_lib.sh
. "$CLI_DIR/migrate_ga_cases_lib.sh"
# shellcheck source=tests/cli/migrate_oath_cases_lib.sh
. "$CLI_DIR/migrate_oath_cases_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: sshotp-enroll migrate needs root"
  exit 77
fi
for tool in google-authenticator oathtool sqlite3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (run deps.sh)"; exit 1; }
done

KEY160=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP  # a throwaway key for import
setup_work
GA="$WORK/ga"
OATH="$WORK/oath"
mkdir "$GA" "$OATH" && pam_service sshotp-mig "$CONF" || exit 99

# One migration of each kind under a stand-in syslog (see in_private_root in cli_lib.sh).
# shellcheck disable=SC2016  # expanded by the shell inside the namespace
SYSLOG_BODY='
  enroll=$1 conf=$2 work=$3 py=$4 capture=$5
  "$py" "$capture" /dev/log -- "$enroll" --config "$conf" migrate google-authenticator sysga \
    "$work/ga/sysga" >"$work/ns-log" 2>&1
  "$py" "$capture" /dev/log -- "$enroll" --config "$conf" migrate oath "$work/oath/sys.oath" \
    >>"$work/ns-log" 2>&1
  "$py" "$capture" /dev/log -- "$enroll" --config "$conf" migrate google-authenticator sysga \
    "$work/ga/sysga" >>"$work/ns-log" 2>&1
  true'

audit_lines_hold_no_secret() {
  make_ga_file "$GA/sysga" -t -d -u -w 3 -e 3 || return 1
  syskey=$(random_hex 20)
  printf 'HOTP/T30 sysoath - %s\nHOTP/E/7 sysskip - %s\n' "$syskey" "$syskey" >"$OATH/sys.oath"
  in_private_root /bin/sh -c "$SYSLOG_BODY" body "$ENROLL" "$CONF" "$WORK" "$PY" \
    "$CLI_DIR/syslog_capture.py" || return 1
  grep '^syslog: ' "$WORK/ns-log" >"$WORK/syslog"
  for line in "action=migrate-google-authenticator user=sysga by_uid=0 result=ok" \
    "action=migrate-oath user=sysoath by_uid=0 result=ok" \
    "action=migrate-google-authenticator user=sysga by_uid=0 result=unchanged"; do
    grep -q "sshotp-enroll\[[0-9]*\]: $line\$" "$WORK/syslog" ||
      { note "no syslog line '$line'"; sed 's/^/    /' "$WORK/ns-log"; return 1; }
  done
  [ "$(wc -l <"$WORK/syslog")" -eq 3 ] || { note "not one line per migrated user"; return 1; }
  if grep -qF -e "$syskey" -e "$(head -n 1 "$GA/sysga")" "$WORK/syslog" ||
    grep -Eq '[0-9]{8}' "$WORK/syslog"; then
    note "a key or a scratch code reached syslog"
    return 1
  fi
}

run_case "google-authenticator: migrate, warn about RATE_LIMIT/DISALLOW_REUSE, log in" \
  ga_migrates_and_logs_in
run_case "google-authenticator: a scratch code logs in once (0, then 7)" \
  ga_scratch_code_logs_in_once
run_case "google-authenticator: a second run changes nothing; the file's codes come back" \
  ga_migration_is_idempotent
run_case "google-authenticator: STEP_SIZE 45 carries over; WINDOW_SIZE 17, mode 0644 are warned about" \
  ga_step_size_and_window_carry_over
run_case "google-authenticator: HOTP, used with its module first: the next press logs in, not the last" \
  ga_counter_based_carries_over
run_case "google-authenticator: missing, symlinked, huge, garbled, unsafe files: exit 1, nothing stored" \
  ga_hostile_files_are_refused
run_case "google-authenticator: another key is kept unless --replace" ga_other_key_needs_replace
run_case "migrate: bad arguments exit 2, unknown users 1, non-root callers 4" ga_arguments
if passwd_namespace_available; then
  run_case "google-authenticator: ~USER/.google_authenticator by default, owned by the user" \
    ga_default_path_of_the_user
else
  skip_case "default path" "no private mount namespace: $(cat "$WORK/namespace.err")"
fi
run_case "oath: TOTP and HOTP lines imported, the others reported with their line numbers" \
  oath_imports_totp_and_hotp_and_reports_the_rest
run_case "oath: migrated users log in with oathtool codes (6/30, 8/60, 8/30, HOTP 6 and 8)" \
  oath_users_log_in_with_oathtool_codes
run_case "oath: tokens used with pam_oath: its last code is refused, the next press logs in" \
  oath_tokens_carry_over_from_pam_oath
run_case "oath: the last code pam_oath accepted stays used" oath_last_code_stays_used
run_case "oath: a second run changes nothing and keeps the users' own codes" \
  oath_migration_is_idempotent
run_case "oath: symlinked, group-writable or missing users files: exit 1" \
  oath_unsafe_files_are_refused
run_case "oath: names are stored canonical; two spellings of one account: exit 1" \
  oath_names_are_canonical
if private_root_available; then
  run_case "one audit line per migrated user, never a key or a code" audit_lines_hold_no_secret
else
  skip_case "audit lines" "no private mount namespace: $(cat "$WORK/namespace.err")"
fi

finish
