#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# sshotp-enroll uses the settings the module uses: the arguments of the pam_sshotp lines of the
# PAM service (--pam-service-file here, /etc/pam.d/sshd by default) override the settings file
# for the CLI as they do for the module (sshotp-enroll(8) "MODULE ARGUMENTS"). A user's own
# `recovery` checks their code with the module's window and locks after the module's
# max_failures; root's import writes to the module's db and key_file; lines that disagree, read
# another settings file or carry a bad argument make the CLI refuse. Needs root (a store owned
# by nobody, chown): exit 77 else.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: a store of nobody's own needs chown (root)"
  exit 77
fi

KEY160=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP  # a throwaway key for import
setup_work
copy_enroll_for_nobody
mkdir -m 755 "$WORK/pam.d" || exit 99

# service NAME LINE...: $WORK/pam.d/NAME with these lines, readable by nobody.
service() {
  svc=$1
  shift
  printf '%s\n' "$@" >"$WORK/pam.d/$svc" && chmod 644 "$WORK/pam.d/$svc"
}

# previous_code BASE32: the code of the time step before now (accepted with window 1, refused
# with window 0), by pyotp.
# shellcheck disable=SC2016  # Python, not shell
PREVIOUS_PY='
import sys, time, pyotp
print(pyotp.TOTP(sys.stdin.readline().strip()).at(time.time() - 30))'
previous_code() {
  printf '%s\n' "$1" | "$PY" -c "$PREVIOUS_PY"
}

# A store of nobody's own (as in recovery_cases_lib.sh), with the file's defaults: window 1 and
# max_failures 10. Only the module arguments ask for window 0 and 3 failures.
setup_nobody_store() {
  mkdir -m 755 "$WORK/nb" &&
    printf 'db = %s/nb/store/s.db\nkey_file = %s/nb/key\n' "$WORK" "$WORK" >"$WORK/nb/c.conf" &&
    chmod 644 "$WORK/nb/c.conf" || return 1
  with_input "$KEY160\n"
  enroll_bare --config "$WORK/nb/c.conf" import nobody <"$WORK/in"
  expect_rc 0 && chown -R nobody:nogroup "$WORK/nb/store" "$WORK/nb/key"
}

# own_recovery CODE: `recovery` as nobody, with the strict service's arguments.
own_recovery() {
  with_input "$1\n"
  as_nobody_with "$WORK/nb/c.conf" --pam-service-file "$WORK/pam.d/strict" recovery <"$WORK/in"
}

confirmation_uses_module_window_and_lockout() {
  setup_nobody_store || return 1
  service strict "auth required $MODULE config=$WORK/nb/c.conf max_failures=3 window=0"
  own_recovery "$(previous_code "$KEY160")"  # right under window 1, wrong under window 0
  expect_rc 3 && expect_in err "that code is not right" || return 1
  own_recovery "$(totp_code "$KEY160" wrong)"
  expect_rc 3 && expect_in err "that code is not right" || return 1
  own_recovery "$(totp_code "$KEY160" wrong)"  # the third failure: max_failures=3, not 10
  expect_rc 3 && expect_in err "too many failed attempts" || return 1
  own_recovery "$(totp_code "$KEY160")"
  expect_rc 3 && expect_in err "too many failed attempts" || return 1
  as_nobody_with "$WORK/nb/c.conf" status
  expect_in out "lockouts: 1"
}

writes_go_to_the_module_store() {
  service moved "auth required $MODULE config=$CONF db=$WORK/mod/s.db key_file=$WORK/mod.key"
  with_input "$KEY160\n"
  enroll --pam-service-file "$WORK/pam.d/moved" import alice <"$WORK/in"
  expect_rc 0 || return 1
  [ -f "$WORK/mod/s.db" ] && [ -f "$WORK/mod.key" ] && [ ! -e "$DB" ] ||
    { note "the enrollment did not go to the module's store"; return 1; }
  pam_login moved alice "$(totp_code "$KEY160")"
  expect_rc 0 || { note "the module does not find what the CLI wrote"; return 1; }
  enroll --pam-service-file "$WORK/pam.d/moved" status alice </dev/null
  expect_rc 0 && expect_in out "user: alice" || return 1
  enroll status alice </dev/null  # --config alone: the settings file alone
  expect_rc 5
}

disagreeing_lines_are_refused() {
  line="auth required $MODULE config=$CONF"
  # Settings the CLI does not use may differ; a bracketed argument and a continued line parse.
  service agree "$line [prompt=Code please: ] max_failures=4 \\" "  window=2" \
    "auth sufficient $MODULE config=$CONF require_group=root max_failures=4 window=2"
  enroll --pam-service-file "$WORK/pam.d/agree" list </dev/null
  expect_rc 0 || return 1
  service ambiguous "$line max_failures=3" "$line max_failures=5"
  enroll --pam-service-file "$WORK/pam.d/ambiguous" list </dev/null
  expect_rc 1 && expect_in err "line 2: pam_sshotp's max_failures differs from line 1" &&
    expect_in err "ambiguous" || return 1
  service other "auth required $MODULE config=/etc/other-sshotp.conf"
  enroll --pam-service-file "$WORK/pam.d/other" list </dev/null
  expect_rc 1 && expect_in err "reads the settings file /etc/other-sshotp.conf, not $CONF" ||
    return 1
  service typo "$line max_failure=3"
  enroll --pam-service-file "$WORK/pam.d/typo" list </dev/null
  expect_rc 1 && expect_in err "line 1: unknown setting 'max_failure'" || return 1
  # No pam_sshotp line at all: the settings file alone.
  service none "auth required pam_permit.so"
  enroll --pam-service-file "$WORK/pam.d/none" list </dev/null
  expect_rc 0
}

# The file is read as libpam assembles and splits it (Linux-PAM _pam_assemble_line): a line
# the CLI joined or split otherwise would give it other arguments than the module gets. A typo
# in an argument (refused, naming the line) shows which line an argument ended up on.
comment_ends_the_line_despite_a_backslash() {
  # libpam: the '\' is inside the comment, so line 2 is a line of its own.
  service hash "auth required pam_permit.so # see below \\" \
    "auth required $MODULE config=$CONF max_failure=3"
  enroll --pam-service-file "$WORK/pam.d/hash" list </dev/null
  expect_rc 1 && expect_in err "line 2: unknown setting 'max_failure'"
}

backslash_then_spaces_continues() {
  # Trailing blanks are stripped before looking for the '\'.
  service blanks "auth required $MODULE config=$CONF \\  	" "  max_failure=3"
  enroll --pam-service-file "$WORK/pam.d/blanks" list </dev/null
  expect_rc 1 && expect_in err "line 1: unknown setting 'max_failure'"
}

blank_and_comment_lines_inside_a_continuation() {
  # They are skipped and the continuation goes on to the next line with words.
  service gaps "auth required $MODULE config=$CONF \\" "" "   # a note" "  max_failure=3"
  enroll --pam-service-file "$WORK/pam.d/gaps" list </dev/null
  expect_rc 1 && expect_in err "line 1: unknown setting 'max_failure'"
}

types_and_controls_ignore_case() {
  service upper "auth required $MODULE config=$CONF max_failures=5" \
    "Auth Required $MODULE config=$CONF max_failures=3"
  enroll --pam-service-file "$WORK/pam.d/upper" list </dev/null
  expect_rc 1 && expect_in err "line 2: pam_sshotp's max_failures differs from line 1"
}

only_pam_sshotp_so_itself() {
  # Another module whose name merely starts with pam_sshotp: its arguments are not ours.
  service lookalike "auth required $(dirname "$MODULE")/pam_sshotp_foo.so max_failure=3"
  enroll --pam-service-file "$WORK/pam.d/lookalike" list </dev/null
  expect_rc 0
}

includes_without_a_line_of_our_own_warn() {
  service incl "@include common-auth" "auth substack password-auth" \
    "account required pam_permit.so"
  enroll --pam-service-file "$WORK/pam.d/incl" list </dev/null
  expect_rc 0 && expect_in err "includes common-auth, password-auth" &&
    expect_in err "not applied" || return 1
  service none "auth required pam_permit.so"  # nothing included: nothing to say
  enroll --pam-service-file "$WORK/pam.d/none" list </dev/null
  expect_rc 0 && expect_not_in err "warning"
}

run_case "own recovery: the module's window=0 and max_failures=3, not the file's 1 and 10" \
  confirmation_uses_module_window_and_lockout
run_case "import writes to the module's db= and key_file=, where logins find it" \
  writes_go_to_the_module_store
run_case "pam_sshotp lines that disagree, read another file or have a typo are refused" \
  disagreeing_lines_are_refused
run_case "a '\\' after '#' is part of the comment: the next line stands alone" \
  comment_ends_the_line_despite_a_backslash
run_case "blanks after a final '\\' still continue the line" backslash_then_spaces_continues
run_case "blank and comment lines inside a continuation are skipped" \
  blank_and_comment_lines_inside_a_continuation
run_case "'Auth Required' is an auth line, as libpam reads it" types_and_controls_ignore_case
run_case "pam_sshotp_foo.so is not pam_sshotp.so" only_pam_sshotp_so_itself
run_case "only included stacks: a warning that their pam_sshotp arguments are not applied" \
  includes_without_a_line_of_our_own_warn
finish
