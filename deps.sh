#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Installs everything pam_sshotp needs to build, test and run its demo on Debian 12, from
# Debian's own packages. Shared by demo.sh and run-tests.sh so the two lists cannot drift.
set -eu

PACKAGES="
  autoconf automake libtool autoconf-archive pkg-config g++ make
  libpam0g-dev liboath-dev libssl-dev libqrencode-dev libsqlite3-dev libcmocka-dev
  openssh-server openssh-client oathtool qrencode zbar-tools sqlite3
  python3 python3-pyotp python3-pexpect
  passwd procps iproute2
"

if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: run as root (it installs Debian packages with apt-get)" >&2
  exit 1
fi
# Skip the network round trip when everything is already there (a second run, a warm CI box).
# shellcheck disable=SC2086
if dpkg-query -W -f='${Status}\n' $PACKAGES 2>/dev/null | grep -vq 'install ok installed' \
   || [ "$(dpkg-query -W -f='${Status}\n' $PACKAGES 2>/dev/null | wc -l)" -lt "$(echo $PACKAGES | wc -w)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $PACKAGES
fi
