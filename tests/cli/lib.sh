# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers of the sshotp-enroll tests: a private work directory with its own config,
# running the CLI with its output and exit status captured, assertions that explain themselves,
# PASS/FAIL bookkeeping, and a private mount namespace for exercising the default paths.
# Sourced by tests/cli/test_cli.sh; needs SSHOTP_ENROLL and SSHOTP_SRCDIR (make check sets both).

# shellcheck disable=SC2034  # PY and CLI_DIR are for the sourcing test
PY=/usr/bin/python3  # Debian's, which has pexpect and pyotp (the python3 on PATH may not)
CLI_DIR="${SSHOTP_SRCDIR:?}/tests/cli"
ENROLL="${SSHOTP_ENROLL:?}"
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
