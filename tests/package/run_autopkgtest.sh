#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The package's autopkgtest (debian/tests/control) as Debian's CI runs it, but on this machine:
# `autopkgtest DEB SOURCE -- null` installs DEB and runs the tests from the SOURCE tree. The null
# testbed is the machine itself and is not reverted; autopkgtest purges the package it installed,
# and this script does too should autopkgtest be stopped first (the test removes its own users,
# PAM service, enrollments, key and store).
#
# Usage: tests/package/run_autopkgtest.sh DEB SOURCE_DIR
#   DEB: a built libpam-sshotp_*.deb (tests/package/test_deb.sh leaves them in $SSHOTP_DEB_OUT);
#        the libpam-sshotp-postgresql_*.deb beside it is installed with it;
#   SOURCE_DIR: a clean source tree with debian/tests (an unpacked release tarball).
# Exit status: autopkgtest's (0 passed, 2 a test skipped, 4 a test failed, ...), or 77 (skip)
# without root or autopkgtest, or when it would touch a real installation (the package, its
# files or a PAM service loading the module: package_lib.sh, pkg_skip_unless_untouched).
set -euo pipefail

deb=${1:?usage: run_autopkgtest.sh DEB SOURCE_DIR}
source_dir=${2:?usage: run_autopkgtest.sh DEB SOURCE_DIR}
if [[ $(id -u) != 0 ]] || ! command -v autopkgtest >/dev/null; then
  echo "SKIP: autopkgtest on this machine needs root and autopkgtest"
  exit 77
fi
SSHOTP_SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/package/package_lib.sh
. "$SSHOTP_SRCDIR/tests/package/package_lib.sh"
pkg_find_module_dir
pkg_lock
pkg_skip_unless_untouched

# shellcheck disable=SC2317 # run by the EXIT trap
purge() {
  if pkg_known_to_dpkg; then
    DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 purge "$PKG" ||
      echo "run_autopkgtest.sh: could not purge $PKG" >&2
  fi
}
trap purge EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# The test's Depends is "@": every binary package of the source, as Debian's CI installs them.
# So the PostgreSQL plugin's package, built beside DEB, goes in too.
debs=("$deb")
for plugin in "$(dirname "$deb")"/libpam-sshotp-postgresql_*.deb; do
  [[ -e $plugin ]] && debs+=("$plugin")
done
rc=0
autopkgtest "${debs[@]}" "$source_dir" -- null || rc=$?
exit "$rc"
