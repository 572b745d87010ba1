# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers of the sshotp-enroll tests: a private work directory with its own config,
# running the CLI with its output and exit status captured, assertions that explain themselves,
# logins through libpam and the built module, PASS/FAIL bookkeeping, and a private mount
# namespace for exercising the default paths. Sourced by every tests/cli/test_*.sh; needs
# SSHOTP_ENROLL, SSHOTP_SRCDIR and PAM_SSHOTP_MODULE (make check sets them). As for every sourced
# shell library of the project, the name ends in _lib.sh (README.md, Layout).
# shellcheck shell=sh

# shellcheck disable=SC2034  # PY, CLI_DIR and CODE_RE are for the sourcing test
PY=/usr/bin/python3  # Debian's, which has pexpect and pyotp (the python3 on PATH may not)
CLI_DIR="${SSHOTP_SRCDIR:?}/tests/cli"
ENROLL="${SSHOTP_ENROLL:?}"
MODULE="${PAM_SSHOTP_MODULE:?}"
# A recovery code: Crockford base32 (no i, l, o, u), lower case, as xxxx-xxxx-xxxx.
CODE_CHAR='[0-9a-hjkmnp-tv-z]'
CODE_RE="$CODE_CHAR{4}-$CODE_CHAR{4}-$CODE_CHAR{4}"
passed=0
failed=0

# Creates $WORK (removed on exit) with a config whose store and key live inside it.
setup_work() {
  umask 077  # test keys stay private too
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/sshotp-cli.XXXXXX") || exit 99
  trap 'rm -rf "$WORK"' EXIT
  CONF="$WORK/sshotp.conf"
  DB="$WORK/store/sshotp.db"
  KEY="$WORK/sshotp.key"
  ISSUER="Test Co"
  printf 'db = %s\nkey_file = %s\nissuer = "%s"\n' "$DB" "$KEY" "$ISSUER" >"$CONF"
  use_test_store
}

# use_test_store: the store switch (tests/postgresql/test_pg_cli.sh). Its settings point $CONF
# at a PostgreSQL store instead of $DB. Sets STORE, the store under test as store_sql and
# store_rows.py name it: the SQLite file $DB, or "postgresql".
use_test_store() {
  STORE=$DB
  if [ -n "${SSHOTP_TEST_STORE_SETTINGS:-}" ]; then
    cat "$SSHOTP_TEST_STORE_SETTINGS" >>"$CONF" || exit 99
    STORE=postgresql
  fi
}

note() { printf '    %s\n' "$*"; }

show_output() {
  sed 's/^/    stdout: /' "$WORK/out"
  sed 's/^/    stderr: /' "$WORK/err"
}

# with_input TEXT: puts TEXT (backslash escapes such as \n interpreted) into $WORK/in, for a
# command's stdin. Not a pipe: the last command of a pipeline runs in a subshell in dash, and
# $rc would be lost.
with_input() {
  printf '%b' "$1" >"$WORK/in"
}

# enroll ARGS...: sshotp-enroll with our config; stdout/stderr go to $WORK/out and $WORK/err,
# the exit status to $rc. Callers redirect stdin themselves (never from a terminal).
enroll() {
  rc=0
  "$ENROLL" --config "$CONF" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
}

# enroll_nss ARGS...: `enroll` under nss_wrapper (the test accounts and aliases), as the module
# sees them in pam_login.
enroll_nss() {
  rc=0
  sh "$CLI_DIR/../support/with_nss.sh" "$ENROLL" --config "$CONF" "$@" >"$WORK/out" \
    2>"$WORK/err" || rc=$?
}

# Same, without --config (to test the global option parsing itself).
enroll_bare() {
  rc=0
  "$ENROLL" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
}

expect_rc() {
  [ "$rc" -eq "$1" ] && return 0
  note "exit status $rc, expected $1"
  show_output
  return 1
}

# expect_in out|err TEXT: the captured stream contains TEXT (fixed string).
expect_in() {
  grep -qF -- "$2" "$WORK/$1" && return 0
  note "std$1 lacks '$2'"
  show_output
  return 1
}

expect_not_in() {
  grep -qF -- "$2" "$WORK/$1" || return 0
  note "std$1 unexpectedly contains '$2'"
  return 1
}

# expect_status USER CODE: `status USER` exits CODE.
expect_status() {
  enroll status "$1" </dev/null
  expect_rc "$2"
}

# expect_status_shows USER LINE...: `status USER` exits 0 and prints every LINE.
expect_status_shows() {
  user=$1
  shift
  expect_status "$user" 0 || return 1
  for line in "$@"; do
    expect_in out "$line" || return 1
  done
}

# expect_only_codes N: stdout is exactly N recovery codes, one per line, and nothing else.
expect_only_codes() {
  lines=$(wc -l <"$WORK/out")
  codes=$(grep -Ecx -- "$CODE_RE" "$WORK/out")
  [ "$lines" -eq "$1" ] && [ "$codes" -eq "$1" ] && return 0
  note "expected exactly $1 recovery codes on stdout, got $codes codes in $lines lines"
  show_output
  return 1
}

# pam_service NAME CONFIG: a PAM service file in $WORK/pam.d that asks the built module only.
# The module refuses users the passwd database does not know: the logins run under nss_wrapper
# (tests/support/with_nss.sh), which gives the test users accounts. SKIP without it.
pam_service() {
  if ! sh "$CLI_DIR/../support/with_nss.sh" --check; then
    echo "SKIP: nss_wrapper is not installed (Debian: libnss-wrapper)"
    exit 77
  fi
  mkdir -p "$WORK/pam.d" &&
    printf 'auth required %s config=%s\n' "$MODULE" "$2" >"$WORK/pam.d/$1"
}

# pam_login SERVICE USER CODE: one login through libpam (pam_login.py), CODE typed at the
# prompt (on stdin, never in argv). The PAM return code goes to $rc, the transcript to
# $WORK/out: 0 PAM_SUCCESS, 7 PAM_AUTH_ERR, 11 PAM_MAXTRIES.
# With PAM_LOGIN_HOST set (as root), the login runs in a UTS namespace of its own whose host name
# is that: another "host" of a fleet sharing one store (test_audit_hosts.sh).
pam_login() {
  with_input "$3\n"
  rc=0
  login_service=$1
  login_user=$2
  set --
  [ -n "${PAM_LOGIN_HOST:-}" ] &&
    set -- unshare --uts sh -c 'hostname "$0" && exec "$@"' "$PAM_LOGIN_HOST"
  SSHOTP_NSS_USERS="$login_user" "$@" sh "$CLI_DIR/../support/with_nss.sh" \
    "$PY" "$CLI_DIR/pam_login.py" "$WORK/pam.d" "$login_service" "$login_user" <"$WORK/in" \
    >"$WORK/out" 2>"$WORK/err" || rc=$?
}

# totp_code BASE32 [wrong]: the current code of a SHA1/6-digit/30 s key by pyotp (an
# independent implementation), or with `wrong` a well-formed code that matches no step near
# now. The key travels on stdin.
# shellcheck disable=SC2016  # Python, not shell
TOTP_PY='
import sys, time, pyotp
totp = pyotp.TOTP(sys.stdin.readline().strip())
near = {totp.at(time.time() + k * totp.interval) for k in range(-3, 4)}
if sys.argv[1] == "right":
    print(totp.now())
else:
    print(next(c for c in (f"{n:06d}" for n in range(10**6)) if c not in near))'
totp_code() {
  printf '%s\n' "$1" | "$PY" -c "$TOTP_PY" "${2:-right}"
}

# hotp_code KEY COUNTER [ARGS...]: the code at COUNTER of a hex KEY (a base32 one with -b in
# ARGS; --digits=8 for 8 digits) by oathtool, an independent implementation. The key travels on
# stdin.
hotp_code() {
  hotp_counter=$2
  printf '%s\n' "$1" | {
    shift 2
    oathtool --hotp -c "$hotp_counter" "$@" -
  }
}

# expect_mode PATH MODE: octal permission bits as stat prints them (600, 700, 644).
expect_mode() {
  mode=$(stat -c %a "$1") || return 1
  [ "$mode" = "$2" ] && return 0
  note "$1 has mode $mode, expected $2"
  return 1
}

# run_case NAME FUNCTION [ARGS...]: one PASS or FAIL line per case.
run_case() {
  name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "PASS: $name"
  else
    failed=$((failed + 1))
    echo "FAIL: $name"
  fi
}

skip_case() {
  echo "SKIP: $1 ($2)"
}

# sqlite_case NAME FUNCTION [ARGS...]: run_case for a case about the SQLite file itself (it
# reads or edits it with sqlite3); skipped under the PostgreSQL store switch (setup_work).
sqlite_case() {
  if [ -n "${SSHOTP_TEST_STORE_SETTINGS:-}" ]; then
    skip_case "$1" "about the SQLite file"
  else
    run_case "$@"
  fi
}

# The last line is the summary the CI greps for; the exit status fails the test on any failure.
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# in_private_root COMMAND [ARGS...]: runs COMMAND in a private mount namespace where
# /etc/security, /var/lib and /dev are empty tmpfs mounts (/dev/null kept), so the default
# paths (/etc/security/sshotp.conf, /var/lib/sshotp/sshotp.db, /dev/log) can be exercised
# without touching the real system. private_root_available says whether that works here.
in_private_root() {
  # shellcheck disable=SC2016  # the inner shell expands these
  unshare --mount --propagation private /bin/sh -ec '
    work=$1
    shift
    touch "$work/null" && mount --bind /dev/null "$work/null"
    for dir in /etc/security /var/lib /dev; do
      mount -t tmpfs -o mode=0755 sshotp-test "$dir"
    done
    touch /dev/null && mount --bind "$work/null" /dev/null
    exec "$@"' private-root "$WORK" "$@" 2>"$WORK/namespace.err" || return $?
}

private_root_available() {
  in_private_root /bin/true
}

# The body of with_sshd_privsep_dir, for callers that start the namespace themselves.
# shellcheck disable=SC2016  # the inner shell expands these
PRIVSEP_DIR_SH='mount -t tmpfs -o mode=0755 sshotp-test /run && mkdir -m 0755 /run/sshd &&
  exec "$@"'

# with_sshd_privsep_dir COMMAND [ARGS...]: runs COMMAND in a private mount namespace whose /run
# is an empty tmpfs holding /run/sshd, the privilege-separation directory that sshd -t and -T
# insist on (containers often lack it). The machine's /run is never touched.
with_sshd_privsep_dir() {
  unshare --mount --propagation private /bin/sh -ec "$PRIVSEP_DIR_SH" privsep-dir "$@"
}

# copy_enroll_for_nobody: sets NOBODY_ENROLL to a copy of sshotp-enroll in $WORK/bin that
# nobody may execute (the build tree may sit under a private home directory); $WORK itself
# stays unlistable.
copy_enroll_for_nobody() {
  mkdir -p "$WORK/bin" && chmod 755 "$WORK/bin" && cp "$ENROLL" "$WORK/bin/sshotp-enroll" &&
    chmod 755 "$WORK/bin/sshotp-enroll" && chmod 711 "$WORK" || exit 99
  NOBODY_ENROLL="$WORK/bin/sshotp-enroll"
}

# as_nobody ARGS...: $NOBODY_ENROLL (see copy_enroll_for_nobody) with our config as an
# unprivileged user, without a controlling terminal; output and status as for enroll().
as_nobody() {
  as_nobody_with "$CONF" "$@"
}

# as_nobody_with CONFIG ARGS...: the same with another config.
as_nobody_with() {
  rc=0
  config=$1
  shift
  setsid -w setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$NOBODY_ENROLL" --config "$config" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
}

# expect_syslog_lines LOG COUNT LINE...: LOG (output of syslog_capture.py runs) holds exactly
# COUNT "syslog: " lines, and each LINE is the message of one of them, as sshotp-enroll sends it.
expect_syslog_lines() {
  log=$1
  count=$2
  shift 2
  grep '^syslog: ' "$log" >"$WORK/syslog"
  for line in "$@"; do
    grep -q "^syslog: <[0-9]*>.*sshotp-enroll\[[0-9]*\]: $line\$" "$WORK/syslog" ||
      { note "no syslog line '$line'"; sed 's/^/    /' "$log"; return 1; }
  done
  [ "$(wc -l <"$WORK/syslog")" -eq "$count" ] || { note "not one line per action"; return 1; }
}

# --------------------------------------------------------------------------------------------
# The tests of the setuid copy (test_selfservice.sh, test_cgroup_freeze.sh): root, a private
# mount namespace, the default paths on empty tmpfs mounts, a throwaway user.

# setuid_namespace_or_skip SCRIPT [ARGS...]: exits 77 without root or a private mount
# namespace; otherwise the first call runs SCRIPT again inside a private mount namespace, and
# the call there returns.
setuid_namespace_or_skip() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: a setuid copy, a throwaway user and a mount namespace need root"
    exit 77
  fi
  [ -n "${SSHOTP_SETUID_NAMESPACE:-}" ] && return 0
  if ! unshare --mount --propagation private /bin/true 2>/dev/null; then
    echo "SKIP: no private mount namespace here"
    exit 77
  fi
  SSHOTP_SETUID_NAMESPACE=1 exec unshare --mount --propagation private /bin/sh "$@"
}

# add_test_user NAME: creates the throwaway user NAME (a system user, no home, no shell), sets
# TUSER and TUID. The caller's EXIT trap runs remove_setuid_fixture.
add_test_user() {
  TUSER=$1
  getent passwd "$TUSER" >/dev/null && { echo "user $TUSER exists already"; exit 99; }
  useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$TUSER" || exit 99
  TUID=$(id -u "$TUSER") || exit 99
}

# remove_setuid_fixture: removes the user, the setuid copy's mount and $WORK.
remove_setuid_fixture() {
  [ -n "${TUSER:-}" ] && userdel "$TUSER" 2>/dev/null
  umount "$WORK/bin" 2>/dev/null
  rm -rf "$WORK"
}

# private_default_paths NAME: in that namespace, the default paths private (tmpfs mounts called
# NAME over /etc/security and /var/lib) and as a fresh installation leaves them (the shipped
# settings file, no key, no store), syslog kept out of the real log, and a setuid copy of
# sshotp-enroll on a tmpfs of its own in $WORK/bin (the build tree may be unreachable for the
# user, and /tmp may be mounted nosuid); $WORK itself stays unlistable.
# Sets CONF, DB and SUID_ENROLL; the caller's cleanup unmounts $WORK/bin.
private_default_paths() {
  mount -t tmpfs -o mode=0755 "$1" /etc/security &&
    mount -t tmpfs -o mode=0755 "$1" /var/lib || exit 99
  if [ -e /dev/log ]; then mount --bind /dev/null /dev/log || exit 99; fi
  CONF=/etc/security/sshotp.conf
  install -m 0644 "$SSHOTP_SRCDIR/enroll/sshotp.conf" "$CONF" || exit 99
  DB=/var/lib/sshotp/sshotp.db
  use_test_store
  mkdir "$WORK/bin" && chmod 711 "$WORK" &&
    mount -t tmpfs -o mode=0755 "$1-bin" "$WORK/bin" &&
    cp "$ENROLL" "$WORK/bin/sshotp-enroll" && chmod 4755 "$WORK/bin/sshotp-enroll" || exit 99
  SUID_ENROLL="$WORK/bin/sshotp-enroll"
}

# store_sql SQLITE_SQL PG_SQL: runs the statement for the store under test ($STORE): SQLite's
# file, read-only for a SELECT, or the sshotp schema as the harness's superuser
# (SSHOTP_TEST_PG_SUPER); prints what it returns. Two statements, as the schemas differ (the user
# column is "username" there, and the time functions are not SQLite's).
store_sql() {
  if [ "$STORE" = postgresql ]; then
    psql -X -Atq -v ON_ERROR_STOP=1 -d "${SSHOTP_TEST_PG_SUPER:?}" -c "$2"
  else
    case $1 in
      SELECT*) sqlite3 -readonly "$STORE" "$1" ;;
      *) sqlite3 "$STORE" "$1" ;;
    esac
  fi
}

# expect_no_pending: no pending enrollment of $TUSER is left in the store.
expect_no_pending() {
  rows=$(store_sql "SELECT count(*) FROM pending_enrollments WHERE user = '$TUSER'" \
    "SELECT count(*) FROM sshotp.pending_enrollments WHERE username = '$TUSER'")
  [ "$rows" = 0 ] || { note "$rows pending rows left"; return 1; }
}
