#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The key file and the store belong together (common/key_check.h): sshotp-enroll refuses to
# create a key for a store that already holds enrollments, refuses a key that is not the
# store's before writing anything, and records the check value in stores made before it
# existed. The directories holding the key file and the config are checked as the store's is,
# by the CLI and by the module (a login then fails closed, PAM_AUTHINFO_UNAVAIL). Needs root
# (import, and chown for the foreign-owner cases): exit 77 else.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: sshotp-enroll import needs root"
  exit 77
fi

KEY160=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
PAM_AUTHINFO_UNAVAIL=9

setup_work
# The same store under another key, as after restoring the store without its key file.
OTHER_CONF="$WORK/other.conf"
printf 'db = %s\nkey_file = %s/other.key\n' "$DB" "$WORK" >"$OTHER_CONF"
head -c 32 /dev/urandom >"$WORK/other.key" || exit 99

# import_user USER [CONFIG]: imports $KEY160 for USER; status in $rc.
import_user() {
  with_input "$KEY160\n"
  enroll_bare --config "${2:-$CONF}" import "$1" <"$WORK/in"
}

# The store's rows and key check value, to show that a refusal wrote nothing.
store_dump() {
  sqlite3 "$DB" .dump
}

expect_same_store() {
  [ "$(store_dump)" = "$1" ] && return 0
  note "the store changed"
  return 1
}

# The refusals while the key file is away (in key.bak).
expect_no_new_key() {
  before=$(store_dump)
  enroll enroll carol </dev/null
  expect_rc 1 && expect_in err "$KEY is missing, but $DB holds 1 enrollment(s)" &&
    expect_in err "Restore the key file from the backup" || return 1
  [ ! -e "$KEY" ] || { note "a new key file was created"; return 1; }
  import_user bob
  expect_rc 1 && expect_in err "$KEY is missing" || return 1
  [ ! -e "$KEY" ] || { note "a new key file was created"; return 1; }
  expect_same_store "$before"
}

missing_key_with_enrollments_is_refused() {
  import_user alice
  expect_rc 0 || return 1
  mv "$KEY" "$WORK/key.bak" || return 1
  refused=0
  expect_no_new_key || refused=1
  # Put the right key back whatever happened, so that the later cases start from it.
  rm -f "$KEY" && mv "$WORK/key.bak" "$KEY" || return 1
  [ "$refused" -eq 0 ] && import_user bob && expect_rc 0
}

wrong_key_is_refused_and_nothing_written() {
  before=$(store_dump)
  import_user dave "$OTHER_CONF"
  expect_rc 1 && expect_in err "$WORK/other.key is not the key of $DB" &&
    expect_in err "enrollment(s) are sealed under another key" &&
    expect_in err "No enrollment was changed" || return 1
  expect_same_store "$before" || return 1
  enroll_bare --config "$OTHER_CONF" recovery alice </dev/null
  expect_rc 1 && expect_in err "is not the key of" || return 1
  expect_same_store "$before" && expect_status dave 5
}

# A store as the release before the key check left it: schema 3, no key_check table (and none of
# the later last_host column).
make_old_store() {
  sqlite3 "$DB" 'DROP TABLE key_check; ALTER TABLE enrollments DROP COLUMN last_host;
    PRAGMA user_version = 3;' &&
    [ "$(sqlite3 "$DB" 'PRAGMA user_version')" = 3 ]
}

old_store_gets_a_check_value() {
  make_old_store || return 1
  # Under another key: refused, since alice's secret does not open; no value is recorded.
  import_user erin "$OTHER_CONF"
  expect_rc 1 && expect_in err "is not the key of" || return 1
  [ "$(sqlite3 "$DB" 'SELECT count(*) FROM key_check')" = 0 ] ||
    { note "a check value was recorded for the wrong key"; return 1; }
  import_user erin
  expect_rc 0 || return 1
  if [ "$(sqlite3 "$DB" 'PRAGMA user_version')" != 5 ] ||
    [ "$(sqlite3 "$DB" 'SELECT length(value) FROM key_check')" != 32 ]; then
    note "no check value recorded"
    return 1
  fi
  import_user frank "$OTHER_CONF"
  expect_rc 1 && expect_in err "is not the key of"
}

# The module under a key that is not the store's: the login fails closed, and its log (caught in
# a private mount namespace, where /dev/log is ours) says why rather than "altered row".
wrong_key_login_is_logged() {
  pam_service other "$OTHER_CONF" && with_input "$(totp_code "$KEY160")\n" || return 1
  rc=0
  # with_nss.sh: alice must be an account (the module refuses unknown names), as in pam_login.
  in_private_root "$PY" "$CLI_DIR/syslog_capture.py" /dev/log -- \
    sh "$CLI_DIR/../support/with_nss.sh" \
    "$PY" "$CLI_DIR/pam_login.py" "$WORK/pam.d" other alice <"$WORK/in" >"$WORK/out" \
    2>"$WORK/err" || rc=$?
  expect_rc "$PAM_AUTHINFO_UNAVAIL" &&
    expect_in out "$WORK/other.key is not the key of $DB (the store's key check value differs)"
}

# A copy of the config and key in DIR, whose mode or owner the caller then spoils.
config_in() {
  mkdir -m 755 "$1" && cp -p "$KEY" "$1/key" &&
    printf 'db = %s\nkey_file = %s/key\n' "$DB" "$1" >"$1/c.conf" && chmod 644 "$1/c.conf" &&
    pam_service "$(basename "$1")" "$1/c.conf"
}

# expect_dir_refused DIR WHY: the CLI refuses naming DIR and WHY, a login fails closed.
expect_dir_refused() {
  import_user gina "$1/c.conf"
  expect_rc 1 && expect_in err "$1: $2" || return 1
  pam_login "$(basename "$1")" alice "$(totp_code "$KEY160")"
  expect_rc "$PAM_AUTHINFO_UNAVAIL" || return 1
  expect_status gina 5
}

insecure_key_or_config_directory_is_refused() {
  config_in "$WORK/kc" || return 1
  pam_login kc alice "$(totp_code "$KEY160")"
  expect_rc 0 || { note "the intact copy does not log in"; return 1; }
  # Key and config share the directory; then the key alone moves to a spoilt one.
  chmod 775 "$WORK/kc" && expect_dir_refused "$WORK/kc" "is writable by group or others" ||
    return 1
  chmod 755 "$WORK/kc" && chown nobody "$WORK/kc" &&
    expect_dir_refused "$WORK/kc" "is owned by another user" || return 1
  chown 0 "$WORK/kc" && mkdir -m 700 "$WORK/kd" && mv "$WORK/kc/key" "$WORK/kd/key" &&
    sed -i "s|^key_file = .*|key_file = $WORK/kd/key|" "$WORK/kc/c.conf" || return 1
  chmod 730 "$WORK/kd" && import_user gina "$WORK/kc/c.conf"
  expect_rc 1 && expect_in err "$WORK/kd: is writable by group or others" || return 1
  pam_login kc alice "$(totp_code "$KEY160")"
  expect_rc "$PAM_AUTHINFO_UNAVAIL"
}

run_case "key file missing while users are enrolled: refused, no key created" \
  missing_key_with_enrollments_is_refused
run_case "a key that is not the store's: refused, nothing written" \
  wrong_key_is_refused_and_nothing_written
run_case "a store without a check value works and gets one, for its own key only" \
  old_store_gets_a_check_value
if private_root_available; then
  run_case "a login under a key that is not the store's fails closed and logs why" \
    wrong_key_login_is_logged
else
  skip_case "the module's log of a wrong key" "no private mount namespace"
fi
run_case "group-writable or foreign-owned key/config directory: CLI refuses, login fails closed" \
  insecure_key_or_config_directory_is_refused
finish
