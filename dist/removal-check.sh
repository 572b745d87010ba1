#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# removal-check MODULEDIR: exits 1, naming the lines, while a PAM service in /etc/pam.d loads
# MODULEDIR/pam_sshotp.so; 0 otherwise. The RPM's %preun and the Arch package's pacman hook run
# it before the module goes, as the Debian package's prerm does: libpam fails every stack with a
# line for a module it cannot load, so with pam_sshotp in /etc/pam.d/sshd nobody could log in
# over SSH any more, and no package edits a PAM service an admin wrote. The packages build it
# from this file with debian/pam-stacks.sh (the function the Debian maintainer scripts share)
# in place of the #PAM_STACKS# line (dist/rpm/pam_sshotp.spec, dist/arch/PKGBUILD).
set -e

# Both are read by pam_stacks_using_module, which #PAM_STACKS# becomes.
# shellcheck disable=SC2034
pamdir=/etc/pam.d
# shellcheck disable=SC2034
moduledir=${1:?usage: removal-check MODULEDIR}

#PAM_STACKS#

users=$(pam_stacks_using_module)
[ -n "$users" ] || exit 0
cat >&2 <<MESSAGE
pam_sshotp: not removed: these PAM services still load pam_sshotp.so:
$(printf '%s\n' "$users" | sed 's/^/  /')
Without the module libpam would refuse every login through them. Take pam_sshotp out of them
first (and the sshd drop-in that asks for the code), then remove the package again; see
"Removing" in the README.
MESSAGE
exit 1
