#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The package's autopkgtest (debian/tests/control) as Debian's CI runs it, but on this machine:
# `autopkgtest DEB SOURCE -- null` installs DEB and runs the tests from the SOURCE tree. The null
# testbed is the machine itself and is not reverted, so this script purges the package again
# afterwards (the test removes its own users, PAM service, enrollments, key and store).
#
# Usage: tests/package/run_autopkgtest.sh DEB SOURCE_DIR
#   DEB: a built libpam-sshotp_*.deb (tests/package/test_deb.sh leaves them in $SSHOTP_DEB_OUT);
#   SOURCE_DIR: a clean source tree with debian/tests (an unpacked release tarball).
# Exit status: autopkgtest's (0 passed, 2 a test skipped, 4 a test failed, ...), or 77 (skip)
# without root or autopkgtest, or when the package is installed already (it would be purged).
set -euo pipefail

deb=${1:?usage: run_autopkgtest.sh DEB SOURCE_DIR}
source_dir=${2:?usage: run_autopkgtest.sh DEB SOURCE_DIR}
package=libpam-sshotp
if [[ $(id -u) != 0 ]] || ! command -v autopkgtest >/dev/null; then
  echo "SKIP: autopkgtest on this machine needs root and autopkgtest"
  exit 77
fi
# The lock tests/package/test_deb.sh takes too: a second CI run must not install at the same time.
exec {lock}>/run/lock/pam_sshotp-package-test.lock
flock -w 1800 "$lock" || { echo "another package test held the lock for 30 minutes" >&2; exit 99; }
if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -qv not-installed; then
  echo "SKIP: $package is installed here: the test run would purge it"
  exit 77
fi

# shellcheck disable=SC2317 # run by the EXIT trap
purge() {
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -qv not-installed; then
    DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 purge "$package" ||
      echo "run_autopkgtest.sh: could not purge $package" >&2
  fi
}
trap purge EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

rc=0
autopkgtest "$deb" "$source_dir" -- null || rc=$?
exit "$rc"
