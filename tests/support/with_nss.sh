#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# with_nss.sh [--if-needed] PROGRAM [ARG...]: runs PROGRAM under nss_wrapper with a passwd and
# group database made for the tests: the system's entries, then the test accounts below. The
# module refuses names the passwd database does not know (PAM_USER_UNKNOWN), so every test that
# logs in as alice, bob... needs them to exist; nss_wrapper gives them without touching /etc.
#
# Test accounts (see tests/module/test_names.cc, tests/unit/test_account.cc):
#   alice, ALICE, alice@example.test  one uid, 2001: aliases (two names for one uid, and what a
#                                     case-insensitive directory answers) whose canonical name,
#                                     the getpwuid one, is alice
#   bob carol rfc nobody-enrolled     ordinary accounts (some never enrolled, as a test needs)
#   mallory u0..u7
#   longgecos                         a passwd line over 16 KiB (ERANGE for a 16 KiB buffer)
#   nss-nogroups                      exists, but getgrouplist fails for it (nss_fault.so)
#   nss-shortgroups                   getgrouplist gives only its primary group (nss_fault.so:
#                                     glibc's answer when the membership backend is down), yet
#                                     the group entry sshotp-listed lists it
#   dave, DAVE, Dave                  one uid, 2021, canonical dave; the aliases have other
#                                     groups: DAVE is listed in sshotp-alias, Dave has it as its
#                                     primary group (sshd's Match Group asks getpwnam(login name))
#   ctl<ESC>[1m<SOH><CR>name          a name with control bytes, for the log sanitiser
#   $SSHOTP_NSS_USERS                 more names (space-separated), e.g. from the CLI tests
# Groups: sshotp-big (over 16 KiB of members: member00001..member04000, alice, longgecos),
# sshotp-small (bob, longgecos), sshotp-listed (nss-shortgroups), sshotp-alias (DAVE; Dave's
# primary group). Names starting nss-eio fail with EIO, nss-erange with ERANGE at
# every buffer size, nss-enoent with ENOENT (tests/support/nss_fault.cc, $NSS_FAULT_SHIM, which
# also gives nss_wrapper's results glibc's meaning, so it is needed too).
#
# Without nss_wrapper (Debian: libnss-wrapper) it exits 77, SKIP. With --if-needed (the
# Makefile's LOG_COMPILER) only the tests that need the accounts are wrapped, and only they
# skip; the others run as they are. `with_nss.sh --check` tells whether nss_wrapper is there.
set -u

needed=yes
case ${1:-} in
  --if-needed)
    shift
    case ${1:-} in
      *tests/module/* | *tests/crash/* | *tests/unit/test_account*) ;;
      *) needed=no ;;
    esac
    ;;
esac

lib=
for dir in "/usr/lib/$(uname -m)-linux-gnu" /usr/lib64 /usr/lib /usr/local/lib; do
  for name in libnss_wrapper.so libnss_wrapper.so.0; do
    [ -f "$dir/$name" ] && { lib=$dir/$name; break 2; }
  done
done
if [ "${1:-}" = --check ]; then
  [ -n "$lib" ]
  exit
fi
[ "$needed" = yes ] || exec "$@"
if [ -z "$lib" ]; then
  echo "SKIP: nss_wrapper is not installed (Debian: libnss-wrapper)"
  exit 77
fi

if [ ! -f "${NSS_FAULT_SHIM:-}" ]; then
  echo "ERROR: NSS_FAULT_SHIM must name the built nss_fault.so (run via make check)"
  exit 99
fi

dir=$(mktemp -d) || exit 99
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' HUP INT TERM
passwd=$dir/passwd
group=$dir/group
{
  cat /etc/passwd
  echo 'alice:x:2001:2001:Alice:/nonexistent:/usr/sbin/nologin'
  echo 'ALICE:x:2001:2001:Alice, as a case-insensitive directory answers:/nonexistent:/usr/sbin/nologin'
  echo 'alice@example.test:x:2001:2001:Alice, long form:/nonexistent:/usr/sbin/nologin'
  echo 'bob:x:2002:2002:Bob:/nonexistent:/usr/sbin/nologin'
  echo 'carol:x:2003:2003:Carol:/nonexistent:/usr/sbin/nologin'
  echo 'rfc:x:2004:2004:RFC vectors:/nonexistent:/usr/sbin/nologin'
  echo 'nobody-enrolled:x:2005:2005::/nonexistent:/usr/sbin/nologin'
  echo 'mallory:x:2009:2009::/nonexistent:/usr/sbin/nologin'
  for i in 0 1 2 3 4 5 6 7; do
    echo "u$i:x:201$i:201$i::/nonexistent:/usr/sbin/nologin"
  done
  printf 'longgecos:x:2006:2006:%s:/nonexistent:/usr/sbin/nologin\n' \
    "$(head -c 20000 /dev/zero | tr '\0' g)"
  echo 'nss-nogroups:x:2007:2007::/nonexistent:/usr/sbin/nologin'
  echo 'nss-shortgroups:x:2020:2020::/nonexistent:/usr/sbin/nologin'
  echo 'dave:x:2021:2021:Dave:/nonexistent:/usr/sbin/nologin'
  echo 'DAVE:x:2021:2021:Dave, an alias in sshotp-alias:/nonexistent:/usr/sbin/nologin'
  echo 'Dave:x:2021:3004:Dave, an alias whose primary group is sshotp-alias:/nonexistent:/usr/sbin/nologin'
  printf 'ctl\033[1m\001\rname:x:2008:2008::/nonexistent:/usr/sbin/nologin\n'
  uid=2100
  for user in ${SSHOTP_NSS_USERS:-}; do
    if ! grep -q "^$user:" "$passwd"; then  # what is above is already written
      echo "$user:x:$uid:$uid::/nonexistent:/usr/sbin/nologin"
      uid=$((uid + 1))
    fi
  done
} >"$passwd" || exit 99
{
  cat /etc/group
  echo 'sshotp-small:x:3002:bob,longgecos'
  echo 'sshotp-listed:x:3003:nss-shortgroups'
  echo 'sshotp-alias:x:3004:DAVE'
  printf 'sshotp-big:x:3001:'
  i=1
  while [ "$i" -le 4000 ]; do
    printf 'member%05d,' "$i"
    i=$((i + 1))
  done
  echo 'alice,longgecos'
} >"$group" || exit 99

NSS_WRAPPER_PASSWD=$passwd
NSS_WRAPPER_GROUP=$group
# A sanitizer runtime must come first (tests/local.mk, SANITIZER_PRELOAD); the fault shim before
# nss_wrapper, so that its RTLD_NEXT is nss_wrapper.
LD_PRELOAD="${SANITIZER_PRELOAD:+$SANITIZER_PRELOAD }$NSS_FAULT_SHIM $lib${LD_PRELOAD:+ $LD_PRELOAD}"
export NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP LD_PRELOAD
"$@"
