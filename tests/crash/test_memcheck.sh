#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# valgrind memcheck over the module as sshd runs it: memcheck_driver loads the built
# pam_sshotp.so through the real libpam, one process per login path (success, wrong, replay,
# recovery, lockout, errors...). Each path must give its PAM result with no invalid read or
# write, no use of uninitialised memory, and no definitely lost block.
# Skips (77) only in a sanitizer build, where valgrind cannot run, or when a package build on an
# architecture without valgrind says so (SSHOTP_NO_VALGRIND=skip); needs valgrind otherwise.
set -u

driver=${MEMCHECK_DRIVER:-tests/crash/memcheck_driver}
passed=0
failed=0

if [ "$("$driver" --sanitized)" = yes ]; then
  echo "SKIP: this build uses ASan/UBSan, which valgrind cannot run"
  exit 77
fi
if ! command -v valgrind >/dev/null 2>&1; then
  # debian/rules says so on architectures valgrind does not exist for; everywhere else a missing
  # valgrind is a missing dependency, not a reason to skip.
  if [ "${SSHOTP_NO_VALGRIND:-}" = skip ]; then
    echo "SKIP: valgrind does not exist for this architecture"
    exit 77
  fi
  echo "FAIL: valgrind is not installed (Debian: valgrind)"
  echo "0 passed, 1 failed"
  exit 1
fi

# Scratch stores on a tmpfs when there is one (see tmpfs_scratch.h): fsync under valgrind is slow.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  TMPDIR=/dev/shm
  export TMPDIR
fi
if ! sh "${SSHOTP_SRCDIR:-.}/tests/support/with_nss.sh" --check; then
  echo "SKIP: nss_wrapper is not installed (Debian: libnss-wrapper)"
  exit 77
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for path in $("$driver" --list); do
  # --error-exitcode makes any memcheck error, or a definite leak, a non-zero exit.
  # with_nss.sh: the test accounts (alice...) under nss_wrapper; it exits 77 without it.
  if sh "${SSHOTP_SRCDIR:-.}/tests/support/with_nss.sh" valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
      --show-leak-kinds=definite --child-silent-after-fork=yes \
      "$driver" "$path" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "ok: $path: no memcheck errors, no definite leaks"
  else
    failed=$((failed + 1))
    echo "FAIL: $path (exit $?)"
    sed 's/^/    /' "$log"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
