#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Self-service through a setuid-root copy of sshotp-enroll (the passwd(1) model, see "SECURITY
# MODEL" in sshotp-enroll(8)): a throwaway user enrolls themselves while the store stays
# root's; they cannot name another user or choose the settings file; replacing their enrollment
# takes a current code or a recovery code; a new key stays pending, with the old one working,
# until its first code; a locked or disabled user is refused; and a hostile caller (umask 000,
# closed stdout/stderr, a huge environment, a tiny file size limit, ignored signals, inherited
# descriptors) gets neither a crash nor an exposed file.
# The setuid copy uses the default paths, so the whole test runs in a private mount namespace
# with empty tmpfs mounts over /etc/security and /var/lib: nothing real is touched. The user is
# created with useradd and removed on every exit path. Needs root (CI runs as root): exit 77
# else, or when no mount namespace can be made.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"

setuid_namespace_or_skip "$0" "$@"

setup_work
trap remove_setuid_fixture EXIT
trap 'exit 99' INT TERM HUP
add_test_user "sshotp-ss$$"

private_default_paths sshotp-selfservice
pam_service sshotp-selfservice "$CONF" || exit 99
: >"$WORK/in"

# as_user ARGS...: the setuid copy as the test user without a terminal, stdin from $WORK/in.
as_user() {
  rc=0
  setsid -w setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups "$SUID_ENROLL" "$@" \
    <"$WORK/in" >"$WORK/out" 2>"$WORK/err" || rc=$?
}

# session STEP: one step of selfservice_session.py (pexpect, as the test user).
session() {
  "$PY" "$CLI_DIR/selfservice_session.py" "$1" --enroll "$SUID_ENROLL" --root-enroll "$ENROLL" \
    --user "$TUSER" --group "$TUSER" --db "$STORE" --work "$WORK" --issuer "$(hostname)" \
    --pam-confdir "$WORK/pam.d" --service sshotp-selfservice
}

fresh_code() {
  "$PY" "$CLI_DIR/selfservice_session.py" fresh-code --user "$TUSER" --db "$STORE" --work "$WORK"
}

active_secret() {
  store_sql "SELECT hex(sealed_secret) FROM enrollments WHERE user = '$TUSER'" \
    "SELECT encode(sealed_secret, 'hex') FROM sshotp.enrollments WHERE username = '$TUSER'"
}

# --------------------------------------------------------------------------------------------

# On PostgreSQL there is no store file, and nothing may have made one.
store_stays_roots() {
  if [ "$STORE" = postgresql ]; then
    [ ! -e /var/lib/sshotp ] || { note "/var/lib/sshotp exists with a PostgreSQL store"; return 1; }
  else
    expect_mode /var/lib/sshotp 700 && expect_mode "$DB" 600 || return 1
  fi
  strangers=$(find /etc/security /var/lib \( ! -user root -o ! -group root \) -print)
  [ -z "$strangers" ] || { note "not root:root: $strangers"; return 1; }
  exposed=$(find /var/lib /etc/security/sshotp.key -type f -perm /077 -print)
  [ -z "$exposed" ] || { note "readable by others: $exposed"; return 1; }
  expect_mode /etc/security/sshotp.key 600 && expect_mode "$CONF" 644
}

user_cannot_act_on_others() {
  for args in "status root" "enroll root" "recovery root" "import $TUSER" "remove $TUSER" \
    "unlock $TUSER"; do
    # shellcheck disable=SC2086  # word splitting is the point
    as_user $args
    expect_rc 4 && expect_in err "permission denied" || { note "as $TUSER: $args"; return 1; }
  done
}

config_is_roots_choice() {
  for option in "--config $CONF" "-c /dev/null" "--config=$CONF"; do
    # shellcheck disable=SC2086
    as_user $option status
    expect_rc 4 && expect_in err "only root may choose the settings file" || return 1
  done
  as_user --pam-service-file "$WORK/pam.d/sshotp-selfservice" status
  expect_rc 4 && expect_in err "only root may choose the PAM service file"
}

# /etc/pam.d/sshd (a tmpfs of this namespace) overrides max_failures for the module, so the
# setuid CLI must lock the user's own code check after 3 failures too, not the file's 10. One
# failure is counted already (own_recovery_reaches_the_store).
module_arguments_apply_to_self_service() {
  mount -t tmpfs -o mode=0755 sshotp-selfservice-pam /etc/pam.d || return 1
  printf 'auth required pam_sshotp.so max_failures=3\n' >/etc/pam.d/sshd
  chmod 644 /etc/pam.d/sshd
  wrong="$(totp_code "$(cat "$WORK/secret")" wrong)\n"
  with_input "$wrong"
  as_user recovery
  expect_rc 3 && expect_in err "that code is not right" || { umount /etc/pam.d; return 1; }
  with_input "$wrong"
  as_user recovery
  umount /etc/pam.d
  expect_rc 3 && expect_in err "too many failed attempts" || return 1
  enroll_bare unlock "$TUSER" </dev/null
  expect_rc 0
}

status_of_self() {
  as_user status
  expect_rc 0 && expect_in out "user: $TUSER" && expect_in out "state: active"
}

reenrolling_takes_proof() {
  before=$(active_secret)
  for input in '' '123\n' "$(totp_code "$(cat "$WORK/secret")" wrong)\n"; do
    with_input "$input"
    as_user enroll --qr=none
    expect_rc 3 && expect_in out "Current code from your authenticator app, or a recovery code: " &&
      expect_not_in out "Key URI" || { note "input '$input'"; return 1; }
  done
  expect_in err "that code is not right; nothing was changed" || return 1
  enroll_bare status "$TUSER" </dev/null
  expect_in out "consecutive failures: 1" || return 1  # counted like a login
  # A current code lets it go on; EOF at the new key's prompt then withdraws the new key.
  with_input "$(fresh_code)\n"
  as_user enroll --qr=none
  expect_rc 3 && expect_in out "Key URI: otpauth://" &&
    expect_in err "aborted; nothing was saved" || return 1
  expect_no_pending || return 1
  [ "$(active_secret)" = "$before" ] || { note "the enrollment changed"; return 1; }
  enroll_bare status "$TUSER" </dev/null
  expect_in out "consecutive failures: 0" && expect_not_in out "pending since"
}

locked_or_disabled_is_refused() {
  store_sql "UPDATE enrollments SET locked_until = strftime('%s', 'now') + 600
             WHERE user = '$TUSER'" \
    "UPDATE sshotp.enrollments SET locked_until = extract(epoch FROM now())::bigint + 600
     WHERE username = '$TUSER'" || return 1
  as_user enroll --qr=none
  expect_rc 3 && expect_in err "too many failed attempts" && expect_not_in out "Current code" ||
    return 1
  store_sql "UPDATE enrollments SET locked_until = 0, state = 'disabled' WHERE user = '$TUSER'" \
    "UPDATE sshotp.enrollments SET locked_until = 0, state = 'disabled'
     WHERE username = '$TUSER'" || return 1
  as_user enroll --qr=none
  expect_rc 3 && expect_in err "the enrollment is disabled" || return 1
  store_sql "UPDATE enrollments SET state = 'active' WHERE user = '$TUSER'" \
    "UPDATE sshotp.enrollments SET state = 'active' WHERE username = '$TUSER'"
}

root_needs_no_proof() {
  with_input 'abc\n12\nxyz\n'
  rc=0
  setsid -w "$ENROLL" enroll --qr=none "$TUSER" <"$WORK/in" >"$WORK/out" 2>"$WORK/err" || rc=$?
  expect_rc 3 && expect_not_in out "Current code" &&
    expect_in err "no valid code after three attempts" && expect_no_pending
}

own_recovery_reaches_the_store() {
  # The key file and the store are root's: only the setuid path can check this code at all.
  with_input "$(totp_code "$(cat "$WORK/secret")" wrong)\n"
  as_user recovery
  expect_rc 3 && expect_in err "that code is not right"
}

# A fresh set of default paths (in_private_root: tmpfs over /etc/security, /var/lib and /dev,
# with a syslog socket of our own), and a first enrollment with three bad answers by a caller
# who does everything they can to the setuid process: umask 000, a 1.2 MB environment, ignored
# signals, an inherited descriptor, and a 512-byte file size limit. A lowered soft limit is
# lifted; a lowered hard limit only with CAP_SYS_RESOURCE (which some containers lack), and
# without it the process must refuse before it creates anything.
# HOSTILE_CALLER ENROLL USER -S|-H closed|ERRFILE: stdout closed, stderr closed or to ERRFILE.
# shellcheck disable=SC2016  # expanded by the inner shells
HOSTILE_CALLER='
  enroll=$1 user=$2 limit=$3 errors=$4
  big=$(printf "%0100000d" 0)
  set --
  for n in 1 2 3 4 5 6 7 8 9 10 11 12; do set -- "$@" "HUGE$n=$big"; done
  umask 000
  ulimit "$limit" -f 1
  trap "" INT TERM HUP PIPE
  exec 7</etc/passwd
  if [ "$errors" = closed ]; then exec 2>&-; else exec 2>"$errors"; fi
  exec env -i PATH=/usr/bin:/bin TZ=:/etc/shadow OPENSSL_CONF=/nonexistent \
    SQLITE_TMPDIR=/nonexistent "$@" setsid -w setpriv --reuid="$user" --regid="$user" \
    --init-groups "$enroll" enroll --qr=none >&-'
# shellcheck disable=SC2016
HOSTILE_BODY='
  py=$1 capture=$2 enroll=$3 user=$4 work=$5 caller=$6 shipped=$7
  cp "$shipped" /etc/security/sshotp.conf && chmod 644 /etc/security/sshotp.conf
  /bin/sh -c "$caller" caller "$enroll" "$user" -H "$work/hard-err" <"$work/in"
  echo $? >"$work/hard-rc"
  find /etc/security /var/lib -mindepth 1 >"$work/hard-files"
  "$py" "$capture" /dev/log -- /bin/sh -c "$caller" caller "$enroll" "$user" -S closed \
    <"$work/in" >"$work/hostile-log" 2>&1
  echo $? >"$work/hostile-rc"
  stat -c "%U:%G %a %n" /etc/security/sshotp.conf /etc/security/sshotp.key /var/lib/sshotp \
    /var/lib/sshotp/* >"$work/hostile-files" 2>&1
  true'

hostile_caller_gets_nothing() {
  with_input 'abc\n12\nxyz\n'
  in_private_root /bin/sh -c "$HOSTILE_BODY" body "$PY" "$CLI_DIR/syslog_capture.py" \
    "$SUID_ENROLL" "$TUSER" "$WORK" "$HOSTILE_CALLER" "$SSHOTP_SRCDIR/enroll/sshotp.conf" ||
    { note "namespace: $(cat "$WORK/namespace.err")"; return 1; }
  case $(cat "$WORK/hard-rc") in
    3) ;;
    1) grep -q "a resource limit is too low to run with" "$WORK/hard-err" &&
      [ "$(cat "$WORK/hard-files")" = /etc/security/sshotp.conf ] ||
      { note "a refusal for a hard limit left:"; sed 's/^/    /' "$WORK/hard-err" \
        "$WORK/hard-files"; return 1; } ;;
    *) note "hard limit: exit $(cat "$WORK/hard-rc")"; return 1 ;;
  esac
  if [ "$(cat "$WORK/hostile-rc")" != 3 ]; then
    note "exit $(cat "$WORK/hostile-rc"), expected 3"
    sed 's/^/    /' "$WORK/hostile-log"
    return 1
  fi
  # The store's WAL and shared-memory files (kept between logins) must be as private as it is.
  expected="root:root 644 /etc/security/sshotp.conf
root:root 600 /etc/security/sshotp.key
root:root 700 /var/lib/sshotp
root:root 600 /var/lib/sshotp/sshotp.db"
  found=$(grep -v '^root:root 600 /var/lib/sshotp/sshotp\.db-\(wal\|shm\)$' "$WORK/hostile-files")
  [ "$found" = "$expected" ] || { note "files:"; sed 's/^/    /' "$WORK/hostile-files"; return 1; }
  line="action=enroll user=$TUSER by_uid=$TUID result=wrong-code"
  grep -q "sshotp-enroll\[[0-9]*\]: $line\$" "$WORK/hostile-log" ||
    { note "no syslog line '$line'"; sed 's/^/    /' "$WORK/hostile-log"; return 1; }
}

# --------------------------------------------------------------------------------------------

run_case "the user enrolls themselves through a pty (umask 000, inherited fd, odd env)" \
  session first
run_case "the store, its directory and the key stay root:root and private" store_stays_roots
run_case "the user cannot name another user or run root's commands (exit 4)" \
  user_cannot_act_on_others
run_case "--config is refused to the user (exit 4)" config_is_roots_choice
run_case "status of oneself works through the setuid binary" status_of_self
run_case "a new key is pending (old one works, status shows it) until its code is typed" \
  session pending
run_case "re-enrolling oneself takes a code: none, malformed or wrong exit 3, a right one goes on" \
  reenrolling_takes_proof
run_case "a locked or disabled user may not re-enroll themselves (exit 3)" \
  locked_or_disabled_is_refused
run_case "root re-enrolls the user without any proof" root_needs_no_proof
run_case "recovery for oneself checks the code against root's key and store" \
  own_recovery_reaches_the_store
run_case "the setuid CLI locks after /etc/pam.d/sshd's max_failures=3, not the file's 10" \
  module_arguments_apply_to_self_service
run_case "store still root:root and private after all of that" store_stays_roots
# The hostile caller starts from the shipped settings file, so from a SQLite store: its case is
# about that file's modes, and skips in the PostgreSQL run (sqlite_case).
if private_root_available; then
  sqlite_case "a hostile caller: exit 3, private root:root files, audit line with the real uid" \
    hostile_caller_gets_nothing
else
  skip_case "hostile caller" "no nested mount namespace: $(cat "$WORK/namespace.err")"
fi

finish
