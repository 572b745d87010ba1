#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Installs what pam_sshotp needs on Debian 12, from Debian's own packages. Shared by demo.sh
# (build and run) and run-tests.sh (`--tests`: also the test oracles and tools) so the lists
# cannot drift. Test-only packages stay out of the demo: fail2ban, for one, starts a service
# with Debian's sshd jail on an ordinary systemd host.
set -eu

BUILD_AND_RUN="
  autoconf automake libtool autoconf-archive pkg-config g++ make
  libpam0g-dev liboath-dev libssl-dev libqrencode-dev libsqlite3-dev libcmocka-dev libpng-dev
  openssh-server openssh-client oathtool qrencode
  python3 passwd procps iproute2
"
# valgrind, clang, its sanitizer and libFuzzer runtimes (libclang-rt-14-dev: only recommended
# by clang) and llvm-14 (llvm-symbolizer, for readable stack traces): the memcheck, sanitizer
# and fuzzing stages of run-tests.sh. libpam-google-authenticator: its google-authenticator tool
# writes the real state files tests/cli/test_migrate.sh migrates, and its module and pam_oath
# (libpam-oath) log in first, so the files hold the counters they write. libnss-wrapper: the test
# accounts (alice, aliases, huge entries) the module tests log in as (tests/support/with_nss.sh).
# build-essential, dpkg-dev, debhelper, lintian and autopkgtest: the Debian package stage
# (tests/package/test_deb.sh builds the .deb, checks it with lintian and installs it; then its
# autopkgtest runs on this machine). makepkg (which wants pacman even with --nodeps), rpm,
# fakeroot, libarchive-tools (bsdtar), zstd and ccache: the Arch and RPM packages built from the
# release tarball and read back (tests/package/test_dist_packages.sh).
# postgresql: the throwaway server of the PostgreSQL store's tests (harness/postgres_lib.sh;
# Debian's package also sets up a system cluster, which the tests never touch); libpq-dev: the
# PostgreSQL store plugin, which run-tests.sh and every package build insist on
# (--with-postgresql; debian/control's Build-Depends). The demo builds without it: configure
# then leaves the plugin out, and SQLite needs none of it. pgbouncer: the throwaway PgBouncer
# of the fleet tests and the benchmark (harness/pgbouncer_lib.sh); Debian's package enables a
# system pgbouncer service, which the tests never use or touch. It is not in debian/control:
# dh_auto_test runs unprivileged, where every PostgreSQL test skips, and the autopkgtest does
# not use it.
TESTS_ONLY="
  zbar-tools sqlite3 python3-pyotp python3-pexpect fail2ban librsvg2-bin
  libpam-google-authenticator libpam-oath libnss-wrapper postgresql libpq-dev pgbouncer
  valgrind clang libclang-rt-14-dev llvm-14
  build-essential dpkg-dev debhelper lintian autopkgtest
  makepkg pacman-package-manager rpm fakeroot libarchive-tools zstd ccache
"

PACKAGES=$BUILD_AND_RUN
case "${1:-}" in
  --tests) PACKAGES="$BUILD_AND_RUN $TESTS_ONLY" ;;
  "") ;;
  *) echo "usage: deps.sh [--tests]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: run as root (it installs Debian packages with apt-get)" >&2
  exit 1
fi
# Skip the network round trip when everything is already there (a second run, a warm CI box).
# shellcheck disable=SC2086
installed=$(dpkg-query -W -f='${Status}\n' $PACKAGES 2>/dev/null | grep -c 'install ok installed' || true)
if [ "$installed" -lt "$(echo $PACKAGES | wc -w)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $PACKAGES
fi
