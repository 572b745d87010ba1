#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of the sshotp-enroll CLI as users and scripts drive it: argument handling and exit
# statuses, import/status/remove against a private store, permissions of what it creates,
# recovery codes (issued by import, enroll and recovery, and logging in through libpam and the
# built module, see pam_login.py), unlocking a locked-out user, interactive enrollment through a
# pseudo-terminal (pexpect, with pyotp, qrencode and zbarimg as independent oracles; see
# enroll_session.py), the settings file at the default path and the syslog lines (both in a
# private mount namespace). Everything lives in a mktemp -d directory. import, remove and unlock
# are root-only, so the whole test needs root (CI runs as root): exit 77 else.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"
# shellcheck source=tests/cli/recovery_cases_lib.sh
. "$CLI_DIR/recovery_cases_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: sshotp-enroll import/remove need root"
  exit 77
fi

# Throwaway keys for this test only. 32 base32 characters = 160 bits; 26 = 128 bits (the
# minimum import accepts); 16 = 80 bits (refused).
KEY160=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
KEY128=GEZDGNBVGY3TQOJQGEZDGNBVGY
KEY80=GEZDGNBVGY3TQOJQ

setup_work
# A copy nobody can execute (the build tree may sit under a private home directory); $WORK
# itself stays unlistable.
mkdir -m 755 "$WORK/bin" && cp "$ENROLL" "$WORK/bin/sshotp-enroll" &&
  chmod 755 "$WORK/bin/sshotp-enroll" && chmod 711 "$WORK" || exit 99
NOBODY_ENROLL="$WORK/bin/sshotp-enroll"

# --------------------------------------------------------------------------------------------
# Arguments, help and exit statuses

help_lists_everything() {
  enroll_bare --help
  expect_rc 0 || return 1
  for word in enroll import recovery remove unlock status --config --qr --algorithm --digits \
    --period --count \
    "Exit status" "  0  " "  1  " "  2  " "  3  " "  4  " "  5  "; do
    expect_in out "$word" || return 1
  done
  # Bugs go where README.md says, not to an address that does not exist.
  expect_in out 'see "Reporting bugs" in README.md' && expect_not_in out "://" || return 1
  grep -q '^## Reporting bugs$' "$SSHOTP_SRCDIR/README.md" ||
    { note "README.md has no Reporting bugs section"; return 1; }
  enroll_bare status --help
  expect_rc 0 && expect_in out "Usage:"
}

version_is_printed() {
  enroll_bare --version
  expect_rc 0 && expect_in out "sshotp-enroll (pam_sshotp) "
}

usage_errors_exit_2() {
  # Each line is one argument vector that must be refused as a usage error.
  while read -r args; do
    # shellcheck disable=SC2086  # word splitting is the point
    enroll $args </dev/null
    expect_rc 2 || { note "arguments: $args"; return 1; }
    expect_in err "sshotp-enroll: " || return 1
  done <<'EOF'
frobnicate
--bogus status
status --bogus
status -x
import
import alice bob
import alice --digits 7
import alice --digits six
import alice --period 5
import alice --algorithm md5
import alice --digits
enroll --qr=sixel
status a:b
status -- -alice
recovery --count 0 alice
recovery --count 101 alice
recovery --count abc alice
recovery --count= alice
recovery alice --count
recovery alice bob
unlock
unlock alice bob
unlock --bogus alice
EOF
  enroll_bare
  expect_rc 2 && expect_in err "missing command" || return 1
  enroll_bare --config
  expect_rc 2 || return 1
  [ ! -e "$DB" ] || { note "a usage error created the store"; return 1; }
}

config_problems_exit_1() {
  enroll_bare --config "$WORK/missing.conf" status alice
  expect_rc 1 && expect_in err "$WORK/missing.conf" || return 1
  cp "$CONF" "$WORK/loose.conf" && chmod 666 "$WORK/loose.conf"
  enroll_bare --config "$WORK/loose.conf" status alice
  expect_rc 1 && expect_in err "writable by group or others" || return 1
  # A store directory others may write to is refused, and the message names it.
  mkdir -m 777 "$WORK/open" && chmod 777 "$WORK/open"
  printf 'db = %s/open/s.db\nkey_file = %s\n' "$WORK" "$KEY" >"$WORK/open.conf"
  with_input "$KEY160\n"
  enroll_bare --config "$WORK/open.conf" import alice <"$WORK/in"
  expect_rc 1 && expect_in err "$WORK/open" && expect_in err "writable by group or others"
}

# --------------------------------------------------------------------------------------------
# import, status, remove

status_without_store_is_not_enrolled() {
  expect_status alice 5 && expect_in out "alice: not enrolled"
}

import_then_status() {
  with_input "$KEY160\n"
  enroll import alice <"$WORK/in"
  expect_rc 0 || return 1
  expect_not_in out "$KEY160" && expect_not_in err "$KEY160" || return 1
  # stdout is for scripts: the 10 recovery codes (the default count) and nothing else.
  expect_only_codes 10 && expect_in err "imported the key of alice" || return 1
  expect_status_shows alice "user: alice" "algorithm: SHA1" "digits: 6" "period: 30" \
    "last used: never" "consecutive failures: 0" "locked until: no" "lockouts: 0" \
    "recovery codes left: 10" || return 1
  grep -Eq '^created: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "$WORK/out" ||
    { note "no ISO 8601 UTC creation time"; show_output; return 1; }
}

import_with_params_replaces() {
  with_input "$KEY160\n"
  enroll import --algorithm sha256 --digits 8 alice --period 60 <"$WORK/in"
  expect_rc 0 || return 1
  expect_status alice 0 || return 1
  for line in "algorithm: SHA256" "digits: 8" "period: 60"; do
    expect_in out "$line" || return 1
  done
  rows=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM enrollments WHERE user = 'alice'")
  [ "$rows" = 1 ] || { note "alice has $rows rows"; return 1; }
}

import_accepts_128_bits() {
  with_input "$KEY128\n"
  enroll import carol <"$WORK/in"
  expect_rc 0 && expect_status carol 0
}

# import_refuses INPUT...: each INPUT (see with_input) on stdin exits 2 for user bob, never
# echoes the input, and stores nothing.
import_refuses() {
  for input in "$@"; do
    with_input "$input"
    enroll import bob <"$WORK/in"
    expect_rc 2 || { note "input: $input"; return 1; }
    expect_not_in err "SECRETSECRET" || return 1
    expect_status bob 5 || return 1
  done
}

import_rejects_bad_input() {
  import_refuses 'SECRETSECRET1SECRET\n' 'SECRETSECRET!!\n' "$KEY80\n" '\n' '' \
    "$KEY160\n$KEY160\n" || return 1
  long=$(head -c 2000 /dev/zero | tr '\0' 'A')
  import_refuses "$long\n"
}

store_files_are_private() {
  expect_mode "$DB" 600 && expect_mode "$KEY" 600 && expect_mode "$(dirname "$DB")" 700
}

remove_then_status() {
  enroll remove carol </dev/null
  expect_rc 0 && expect_in out "carol: the enrollment is removed." || return 1
  expect_status carol 5 || return 1
  enroll remove carol </dev/null
  expect_rc 5 && expect_in err "remove carol: not enrolled" || return 1
  expect_status alice 0  # others are untouched
}

non_root_is_refused() {
  with_input "$KEY160\n"
  as_nobody import alice <"$WORK/in"
  expect_rc 4 && expect_in err "permission denied" || return 1
  for args in "remove alice" "status alice" "enroll alice" "recovery alice" "unlock alice" \
    "unlock nobody"; do
    # shellcheck disable=SC2086
    as_nobody $args </dev/null
    expect_rc 4 || { note "as nobody: $args"; return 1; }
  done
  expect_status alice 0 && expect_in out "digits: 8"
}

# --------------------------------------------------------------------------------------------
# Interactive enrollment

# session SCENARIO QR_STYLE USER [CONFIG]: one pexpect-driven enrollment (enroll_session.py).
session() {
  "$PY" "$CLI_DIR/enroll_session.py" --enroll "$ENROLL" --config "${4:-$CONF}" --db "$STORE" \
    --user "$3" --issuer "$ISSUER" --qr "$2" --scenario "$1" --work "$WORK"
}

# The same store, but new enrollments get SHA256, 8 digits and 60 seconds.
session_with_params() {
  cat "$CONF" >"$WORK/params.conf" &&
    printf 'algorithm = SHA256\ndigits = 8\nperiod = 60\n' >>"$WORK/params.conf" &&
    session confirm none "$1" "$WORK/params.conf" || return 1
  expect_status "$1" 0 && expect_in out "algorithm: SHA256" && expect_in out "digits: 8" &&
    expect_in out "period: 60"
}

enroll_without_terminal() {
  # Three malformed answers on a pipe, no controlling terminal: refused, nothing stored.
  with_input 'abcdef\n12345\n1234567\n'
  rc=0
  setsid -w "$ENROLL" --config "$CONF" enroll --qr=none dave <"$WORK/in" >"$WORK/out" \
    2>"$WORK/err" || rc=$?
  expect_rc 3 && expect_in out "Key URI: otpauth://totp/" && expect_not_in out "Scan this QR" &&
    expect_in err "enroll dave: no valid code after three attempts" && expect_status dave 5
}

# --------------------------------------------------------------------------------------------
# Default paths and syslog, in a private mount namespace (see in_private_root)

# shellcheck disable=SC2016  # expanded by the shell inside the namespace
NAMESPACE_BODY='
  enroll=$1 work=$2 py=$3 capture=$4 nobody_enroll=$5 shipped=$6
  "$enroll" import alice <"$work/in" >"$work/ns-without" 2>&1 && echo 0 >"$work/ns-without-rc" ||
    echo $? >"$work/ns-without-rc"
  find /etc/security /var/lib -mindepth 1 >"$work/ns-without-files"
  cp "$shipped" /etc/security/sshotp.conf && chmod 644 /etc/security/sshotp.conf
  "$py" "$capture" /dev/log -- "$enroll" import alice <"$work/in" >"$work/ns-import" 2>&1
  stat -c %a /etc/security/sshotp.conf /etc/security/sshotp.key /var/lib/sshotp \
    /var/lib/sshotp/sshotp.db >"$work/ns-modes"
  "$enroll" status alice >"$work/ns-status" 2>&1
  "$py" "$capture" /dev/log -- "$enroll" remove bob >"$work/ns-remove" 2>&1
  "$py" "$capture" /dev/log -- "$enroll" recovery alice --count 4 >"$work/ns-recovery" 2>&1
  "$py" "$capture" /dev/log -- "$enroll" unlock alice >"$work/ns-unlock" 2>&1
  "$py" "$capture" /dev/log -- setpriv --reuid=nobody --regid=nogroup \
    --clear-groups "$nobody_enroll" import alice </dev/null >"$work/ns-denied" 2>&1
  true'

run_in_namespace() {
  with_input "$KEY160\n"
  in_private_root /bin/sh -c "$NAMESPACE_BODY" body "$ENROLL" "$WORK" "$PY" \
    "$CLI_DIR/syslog_capture.py" "$NOBODY_ENROLL" "$SSHOTP_SRCDIR/enroll/sshotp.conf"
}

# The settings file is installed with the package (or make install), never created by the CLI:
# without it a writing command refuses and creates nothing (tests/unit/test_shipped_settings.cc
# checks the shipped file itself). With the shipped file in place, the first import creates the
# key and the store with the modes the module checks.
default_config_is_required() {
  [ "$(cat "$WORK/ns-without-rc")" = 1 ] ||
    { note "import without the settings file: exit $(cat "$WORK/ns-without-rc")"; return 1; }
  refusal="/etc/security/sshotp.conf: No such file or directory (pam_sshotp refuses every login"
  grep -qF "$refusal" "$WORK/ns-without" ||
    { note "no refusal naming the file"; sed 's/^/    /' "$WORK/ns-without"; return 1; }
  [ ! -s "$WORK/ns-without-files" ] ||
    { note "created without settings: $(cat "$WORK/ns-without-files")"; return 1; }
  ! grep -q "created" "$WORK/ns-import" ||
    { note "import created something it announced:"; sed 's/^/    /' "$WORK/ns-import"; return 1; }
  [ "$(tr '\n' ' ' <"$WORK/ns-modes")" = "644 600 700 600 " ] ||
    { note "modes (config key dir db): $(cat "$WORK/ns-modes")"; return 1; }
  grep -q "^digits: 6$" "$WORK/ns-status" || { note "status after import failed"; return 1; }
}

syslog_lines_are_written() {
  cat "$WORK/ns-import" "$WORK/ns-remove" "$WORK/ns-recovery" "$WORK/ns-unlock" \
    "$WORK/ns-denied" >"$WORK/ns-all"
  expect_syslog_lines "$WORK/ns-all" 5 "action=import user=alice by_uid=0 result=ok" \
    "action=remove user=bob by_uid=0 result=not-enrolled" \
    "action=recovery user=alice by_uid=0 result=ok" \
    "action=unlock user=alice by_uid=0 result=ok" \
    "action=import user=alice by_uid=65534 result=denied" || return 1
  ! grep -qF "$KEY160" "$WORK/syslog" || { note "the secret reached syslog"; return 1; }
  # The 10 codes import printed and the 4 recovery printed never reach the log.
  grep -hEx -- "$CODE_RE" "$WORK/ns-import" "$WORK/ns-recovery" >"$WORK/ns-codes"
  [ "$(wc -l <"$WORK/ns-codes")" -eq 14 ] || { note "expected 14 printed codes"; return 1; }
  ! grep -qFf "$WORK/ns-codes" "$WORK/syslog" ||
    { note "a recovery code reached syslog"; return 1; }
}

# --------------------------------------------------------------------------------------------

run_case "--help lists every command, option, exit status and where bugs go" \
  help_lists_everything
run_case "--version prints the version" version_is_printed
run_case "bad commands, options and values exit 2 and touch nothing" usage_errors_exit_2
run_case "config and store problems exit 1 naming the path" config_problems_exit_1
run_case "status before any store exists says not enrolled (exit 5)" \
  status_without_store_is_not_enrolled
run_case "import from stdin, status shows user, SHA1, 6 digits, 30 s" import_then_status
sqlite_case "import with --algorithm/--digits/--period replaces the enrollment" \
  import_with_params_replaces
run_case "import accepts a 128-bit key" import_accepts_128_bits
run_case "import refuses bad base32, empty, short, multi-line, long input (exit 2)" \
  import_rejects_bad_input
sqlite_case "key file and store are mode 0600, store directory 0700" store_files_are_private
run_case "remove, then status and a second remove exit 5" remove_then_status
sqlite_case "a non-root caller cannot import, remove, enroll, unlock or query others (exit 4)" \
  non_root_is_refused
sqlite_case "a non-root caller is told that only root can open root's store (exit 1)" \
  non_root_cannot_open_roots_store
run_case "recovery replaces the whole set; piped output is the codes only" \
  recovery_replaces_the_set
run_case "recovery on a terminal explains the codes before listing them" \
  recovery_on_a_terminal_explains
run_case "recovery: not enrolled exits 5, a --count outside 1..100 exits 2" recovery_refusals
run_case "a printed recovery code logs in once through libpam; a replaced set is dead" \
  recovery_code_logs_in_once
run_case "import's recovery codes log in as that user only" import_codes_log_in
run_case "lockout after max_failures shows in status; unlock ends it" unlock_ends_a_lockout
run_case "recovery for yourself takes a current TOTP code, counted like a login" \
  non_root_recovery_needs_a_code
run_case "enroll: wrong code refused and nothing stored, right code enrolls (default QR)" \
  session confirm default erin
run_case "enroll --qr=ansi: QR matches qrencode and decodes" session confirm ansi frank
run_case "enroll --qr=utf8: EOF at the prompt exits 3, enrollment untouched" \
  session eof utf8 erin
run_case "enroll --qr=invert: Ctrl-C at the prompt exits 3, enrollment untouched" \
  session interrupt invert frank
run_case "enroll: three wrong codes exit 3, enrollment untouched" session exhaust none erin
sqlite_case "enroll with SHA256/8 digits/60 s from the config: URI and code agree" \
  session_with_params grace
run_case "enroll without a terminal: three bad answers exit 3, nothing stored" \
  enroll_without_terminal
sqlite_case "store still mode 0600 after interactive enrollments" store_files_are_private

if private_root_available; then
  run_in_namespace
  run_case "without the settings file import refuses; with the shipped one it creates the store" \
    default_config_is_required
  run_case "one syslog line per admin action, never the secret or a recovery code" \
    syslog_lines_are_written
else
  skip_case "default settings file and syslog" \
    "no private mount namespace: $(cat "$WORK/namespace.err")"
fi

finish
