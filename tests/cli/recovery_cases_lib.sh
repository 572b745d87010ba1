# SPDX-License-Identifier: BSD-3-Clause
# The recovery-code and lockout cases of tests/cli/test_cli.sh, which sources this file and runs
# them after its import tests (alice is enrolled, nobody may run $NOBODY_ENROLL). Logins go
# through libpam and the built module (pam_login.py); codes are checked against pyotp.
# Recovery codes: printed only, one per line, when piped; replaced as a whole set; each logs in
# once. Lockout: max_failures wrong logins lock, status shows it, unlock ends it. A non-root
# user's own `recovery` needs a current TOTP code and is counted like a login.
# $WORK, $CONF, $KEY160, ... come from test_cli.sh and cli_lib.sh; rc is read by cli_lib.sh.
# shellcheck shell=sh disable=SC2154,SC2034

non_root_cannot_open_roots_store() {
  # Until sshotp-enroll is installed setuid, the store is root's alone; a user asking for their
  # own codes is told so, before being asked for a code.
  cp "$CONF" "$WORK/readable.conf" && chmod 644 "$WORK/readable.conf" || return 1
  as_nobody_with "$WORK/readable.conf" recovery </dev/null
  expect_rc 1 && expect_in err "recovery nobody: $DB: " && expect_in err "Permission denied" &&
    expect_in err "only root can open the store" && expect_not_in err "Code from"
}

recovery_replaces_the_set() {
  enroll recovery alice --count 5 </dev/null
  expect_rc 0 && expect_only_codes 5 || return 1
  cp "$WORK/out" "$WORK/old-codes"
  expect_status_shows alice "recovery codes left: 5" || return 1
  enroll recovery alice </dev/null
  expect_rc 0 && expect_only_codes 10 || return 1
  if grep -qxFf "$WORK/old-codes" "$WORK/out"; then
    note "a code of the old set is in the new one"
    return 1
  fi
  [ "$(sort -u "$WORK/out" | wc -l)" -eq 10 ] || { note "the new codes repeat"; return 1; }
  expect_status_shows alice "recovery codes left: 10"
}

recovery_on_a_terminal_explains() {
  rc=0
  # script(1) gives the command a pseudo-terminal as stdout; -e passes its exit status on.
  script -qec "'$ENROLL' --config '$CONF' recovery alice --count 3" /dev/null </dev/null \
    >"$WORK/tty" 2>"$WORK/err" || rc=$?
  tr -d '\r' <"$WORK/tty" >"$WORK/out"
  expect_rc 0 || return 1
  expect_in out "New recovery codes for alice. Each works once; store them somewhere safe." &&
    expect_in out "Previous codes no longer work." || return 1
  found=$(grep -Ecx -- "    $CODE_RE" "$WORK/out")
  [ "$found" -eq 3 ] || { note "$found indented codes, expected 3"; show_output; return 1; }
  expect_status_shows alice "recovery codes left: 3"
}

recovery_refusals() {
  enroll recovery nobody-here </dev/null
  expect_rc 5 && expect_in err "recovery nobody-here: not enrolled" || return 1
  enroll recovery </dev/null  # root itself, who is not enrolled
  expect_rc 5 && expect_in err "recovery root: not enrolled" || return 1
  for count in 0 101 abc -1 ''; do
    enroll recovery alice --count "$count" </dev/null
    if ! expect_rc 2 || ! expect_in err "--count: must be 1 to 100"; then
      note "count '$count'"
      return 1
    fi
  done
  expect_status_shows alice "recovery codes left: 3"  # all of that changed nothing
}

recovery_code_logs_in_once() {
  pam_service sshotp-cli "$CONF" || return 1
  enroll recovery alice --count 3 </dev/null
  expect_rc 0 && expect_only_codes 3 || return 1
  first=$(sed -n 1p "$WORK/out")
  second=$(sed -n 2p "$WORK/out")
  pam_login sshotp-cli alice "$first"
  expect_rc 0 && expect_in out "Recovery code accepted" || return 1
  expect_status_shows alice "recovery codes left: 2" || return 1
  pam_login sshotp-cli alice "$first"
  expect_rc 7 || { note "a used recovery code logged in again"; return 1; }
  # A new set makes the unused codes of the old one worthless.
  enroll recovery alice --count 2 </dev/null
  expect_rc 0 || return 1
  fresh=$(sed -n 1p "$WORK/out")
  pam_login sshotp-cli alice "$second"
  expect_rc 7 || { note "an unused code of the replaced set logged in"; return 1; }
  pam_login sshotp-cli alice "$fresh"
  expect_rc 0 && expect_status_shows alice "recovery codes left: 1"
}

import_codes_log_in() {
  # The set import prints is the one it stored, for the user it imported.
  with_input "$KEY160\n"
  enroll import ivan <"$WORK/in"
  expect_rc 0 && expect_only_codes 10 || return 1
  code=$(sed -n 7p "$WORK/out")
  pam_login sshotp-cli alice "$code"
  expect_rc 7 || { note "ivan's code logged in as alice"; return 1; }
  pam_login sshotp-cli ivan "$code"
  expect_rc 0
}

unlock_ends_a_lockout() {
  # Two failures lock the user (max_failures = 2); unlock clears failures, lock and history.
  cat "$CONF" >"$WORK/lock.conf" && printf 'max_failures = 2\n' >>"$WORK/lock.conf" &&
    pam_service sshotp-lock "$WORK/lock.conf" || return 1
  with_input "$KEY160\n"
  enroll import lena <"$WORK/in"
  expect_rc 0 || return 1
  pam_login sshotp-lock lena zzzz-zzzz-zzzz
  expect_rc 7 || return 1
  expect_status_shows lena "consecutive failures: 1" "locked until: no" "lockouts: 0" ||
    return 1
  pam_login sshotp-lock lena zzzz-zzzz-zzzz
  expect_rc 11 || { note "the second failure did not lock (PAM_MAXTRIES)"; return 1; }
  expect_status_shows lena "consecutive failures: 0" "lockouts: 1" || return 1
  grep -Eqx 'locked until: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z' "$WORK/out" ||
    { note "no ISO 8601 lock end"; show_output; return 1; }
  pam_login sshotp-lock lena "$(totp_code "$KEY160")"
  expect_rc 11 || { note "a locked user logged in with the right code"; return 1; }
  enroll unlock lena </dev/null
  expect_rc 0 && expect_in out "lena: failed attempts and lockouts are reset." || return 1
  expect_status_shows lena "consecutive failures: 0" "locked until: no" "lockouts: 0" ||
    return 1
  pam_login sshotp-lock lena "$(totp_code "$KEY160")"
  expect_rc 0 || return 1
  enroll unlock nobody-here </dev/null
  expect_rc 5 && expect_in err "unlock nobody-here: not enrolled"
}

# setup_nobody_store KEY [IMPORT ARGS...]: a store of nobody's own (config, key and store owned
# by nobody, which the file checks accept from that euid), with KEY imported for nobody: the
# path a user takes for their own codes once the store is reachable.
setup_nobody_store() {
  nobody_key=$1
  shift
  mkdir -m 755 "$WORK/nb" &&
    printf 'db = %s/nb/store/s.db\nkey_file = %s/nb/key\nmax_failures = 2\n' "$WORK" "$WORK" \
      >"$WORK/nb/c.conf" && chmod 644 "$WORK/nb/c.conf" || return 1
  with_input "$nobody_key\n"
  enroll_bare --config "$WORK/nb/c.conf" import nobody "$@" <"$WORK/in"
  expect_rc 0 && chown -R nobody:nogroup "$WORK/nb/store" "$WORK/nb/key"
}

# tab_split CODE: "123456" as "123<TAB>456".
tab_split() {
  printf '%s\t%s' "$(printf '%s' "$1" | cut -c1-3)" "$(printf '%s' "$1" | cut -c4-)"
}

# nobody_recovery CODE ARGS...: `recovery` as nobody on its own store, CODE typed on stdin.
nobody_recovery() {
  with_input "$1\n"
  shift
  as_nobody_with "$WORK/nb/c.conf" recovery "$@" <"$WORK/in"
}

non_root_recovery_needs_a_code() {
  setup_nobody_store "$KEY160" || return 1
  nobody_recovery 12345
  expect_rc 3 && expect_in err "not a 6-digit code" || return 1
  nobody_recovery zzzz-zzzz-zzzz  # a recovery code is no proof: refused before any check
  expect_rc 3 && expect_in err "not a 6-digit code" || return 1
  # The right code split by a tab is refused unread, here as at login (common/typed_code.h):
  # sshotp-enroll used to accept it, a confirmation the module would never have accepted.
  tabbed=$(tab_split "$(totp_code "$KEY160")")
  nobody_recovery "$tabbed"
  expect_rc 3 && expect_in err "not a 6-digit code" || return 1
  as_nobody_with "$WORK/nb/c.conf" status
  expect_rc 0 && expect_in out "consecutive failures: 0" || return 1
  # The same input at login (ivan has the same key, in root's store, which the module reads).
  pam_login sshotp-cli ivan "$tabbed"
  expect_rc 7 || { note "a login accepted a code split by a tab"; return 1; }
  right=$(totp_code "$KEY160")
  nobody_recovery "$right" --count 4
  expect_rc 0 && expect_only_codes 4 || return 1
  as_nobody_with "$WORK/nb/c.conf" status
  expect_in out "recovery codes left: 4" && expect_not_in out "last used: never" || return 1
  nobody_recovery "$right"  # consumed like a login: the same code cannot be used again
  expect_rc 3 && expect_in err "used already" || return 1
  nobody_recovery "$(totp_code "$KEY160" wrong)"  # the second failure in a row: locked
  expect_rc 3 && expect_in err "too many failed attempts" || return 1
  nobody_recovery "$(totp_code "$KEY160")"
  expect_rc 3 && expect_in err "too many failed attempts" && expect_not_in err "Code from" ||
    return 1
  as_nobody_with "$WORK/nb/c.conf" status
  expect_in out "recovery codes left: 4" && expect_in out "lockouts: 1" || return 1
  nobody_recovery "$right" bob
  expect_rc 4
}
