#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Checks the BUILT pam_sshotp.so from the outside: its dynamic symbol table exports the six
# pam_sm_* entry points and nothing else (no C++ runtime or core symbols that another module in
# the same sshd process could collide with), and it is linked with full RELRO (BIND_NOW plus a
# GNU_RELRO segment), so its GOT is read-only once libpam has loaded it.
set -u

module=${PAM_SSHOTP_MODULE:-}
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] || exit 1
  exit 0
}

case $module in
  /*) ;;
  *) fail "PAM_SSHOTP_MODULE must be an absolute path (got '$module')"; finish ;;
esac
if [ ! -r "$module" ]; then
  fail "module not found: $module"
  finish
fi

expected='pam_sm_acct_mgmt
pam_sm_authenticate
pam_sm_chauthtok
pam_sm_close_session
pam_sm_open_session
pam_sm_setcred'
# Field 3 of "ADDR TYPE NAME"; any symbol versions (name@VER) would also show up as a mismatch.
exported=$(nm -D --defined-only "$module" | awk '{ print $3 }' | LC_ALL=C sort)
if [ "$exported" = "$expected" ]; then
  pass "exports exactly the six pam_sm_* entry points"
else
  fail "unexpected dynamic symbols:"
  printf '%s\n' "$exported" | sed 's/^/  /'
fi

# Every entry point must be a function (T), not data that merely has the right name.
functions=$(nm -D --defined-only "$module" | awk '$2 == "T" { print $3 }' | LC_ALL=C sort)
if [ "$functions" = "$expected" ]; then
  pass "every export is a text symbol"
else
  fail "some pam_sm_* export is not a function"
fi

dynamic=$(readelf -dW "$module")
if printf '%s\n' "$dynamic" | grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW'; then
  pass "linked with -z now (BIND_NOW)"
else
  fail "no BIND_NOW / FLAGS_1 NOW in the dynamic section"
fi

if readelf -lW "$module" | grep -q 'GNU_RELRO'; then
  pass "has a GNU_RELRO segment"
else
  fail "no GNU_RELRO program header"
fi

# A loadable module must not carry an executable stack.
if readelf -lW "$module" | grep 'GNU_STACK' | grep -q 'RWE'; then
  fail "executable stack (GNU_STACK RWE)"
else
  pass "stack is not executable"
fi

finish
