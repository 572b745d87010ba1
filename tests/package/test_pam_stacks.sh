#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The check the Debian package's prerm and postrm share (debian/pam-stacks.sh): which lines of
# /etc/pam.d load the package's pam_sshotp.so. prerm refuses to remove the package while one does
# (libpam would refuse every login through that service), so a line it misses locks people out
# and a line it sees wrongly holds up a removal. Run by dash, the /bin/sh that runs maintainer
# scripts, against a PAM directory and a module directory in a temp dir; no root needed.
# Needs SSHOTP_SRCDIR (make check sets it).

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"
# shellcheck source=debian/pam-stacks.sh
. "$SSHOTP_SRCDIR/debian/pam-stacks.sh"

setup_work
pamdir="$WORK/pam.d"
moduledir="$WORK/lib/security"
mkdir -p "$pamdir" "$moduledir" "$WORK/usr/local/security" || exit 99
: >"$moduledir/pam_sshotp.so"
ln -s lib "$WORK/lib-link" || exit 99

# service NAME < LINES: the PAM service file NAME.
service() {
  cat >"$pamdir/$1"
}

# expect_found FILE:LINE...: exactly these lines (in this order) load the module.
expect_found() {
  found=$(pam_stacks_using_module | cut -d: -f1,2 | sed "s|^$pamdir/||")
  expected=$(printf '%s\n' "$@")
  [ "$found" = "$expected" ] && return 0
  note "expected: $(echo "$expected" | tr '\n' ' ')"
  note "found:    $(echo "$found" | tr '\n' ' ')"
  return 1
}

loading_lines_are_found() {
  service sshd <<EOF
# auth required pam_sshotp.so
@include common-auth
auth required pam_sshotp.so
auth [success=1 default=ignore] pam_sshotp.so nullok
-auth optional pam_sshotp.so
AUTH Required pam_sshotp.so
account required pam_sshotp.so
auth required $moduledir/pam_sshotp.so
auth required $WORK/lib-link/security/pam_sshotp.so
auth required ../security/pam_sshotp.so
auth \\
  required pam_sshotp.so
auth [default=die success=ok] pam_sshotp.so
EOF
  expect_found sshd:3 sshd:4 sshd:5 sshd:6 sshd:7 sshd:8 sshd:9 sshd:10 sshd:11 sshd:13
}

other_lines_are_not() {
  service sshd <<EOF
# auth required pam_sshotp.so
auth required pam_unix.so # pam_sshotp.so
auth required $WORK/usr/local/security/pam_sshotp.so
auth required pam_sshotp.so.disabled
auth required pam_deny.so pam_sshotp.so
auth required
@include pam_sshotp.so
pam_sshotp.so
EOF
  expect_found ""
}

# The whole text is reported, joined and without its comment; backups are no services; a last
# line without a newline counts.
report_and_service_files() {
  service sshd <<EOF
auth \\
 required pam_sshotp.so  # the second factor
EOF
  printf 'auth required pam_sshotp.so' | service login
  printf 'auth required pam_sshotp.so\n' | service sshd~
  printf 'auth required pam_sshotp.so\n' | service sshd.dpkg-old
  printf 'auth required pam_sshotp.so\n' | service sshd.ucf-dist
  for backup in rpmsave rpmnew orig bak save; do
    printf 'auth required pam_sshotp.so\n' | service "sshd.$backup"
  done
  line=$(pam_stacks_using_module | grep '/sshd:')
  [ "$line" = "$pamdir/sshd:1: auth   required pam_sshotp.so  " ] ||
    { note "reported: '$line'"; return 1; }
  expect_found login:1 sshd:1
}

nothing_without_services() {
  rm -f "$pamdir"/*
  expect_found ""
}

run_case "lines that load the module, by any path to it and in any control syntax" \
  loading_lines_are_found
run_case "comments, other modules, other directories and arguments do not count" \
  other_lines_are_not
run_case "continued lines reported whole; backups skipped; no final newline needed" \
  report_and_service_files
run_case "an empty PAM directory holds nothing up" nothing_without_services
finish
