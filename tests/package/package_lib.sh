# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# What the installed-package tests share: tests/package/test_deb.sh (builds the .deb and takes it
# through install, remove, reinstall and purge) and debian/tests/installed-login (the autopkgtest,
# run on an installed package). The files the package installs and their modes; users enrolled
# through the installed sshotp-enroll, one imported by root and one by themselves through the
# setuid bit; and the throwaway sshd of harness/ with a PAM service that loads the installed
# module by its bare name, as /etc/pam.d/sshd does, and with the installed sshd drop-in. The
# default settings file, key and store are the installation's own (the harness's private
# namespace leaves /etc and /var/lib as they are), so these tests use them for real.

# shellcheck source=tests/e2e/e2e_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/e2e/e2e_lib.sh"
# shellcheck source=debian/pam-stacks.sh
. "$SSHOTP_SRCDIR/debian/pam-stacks.sh"

PKG=libpam-sshotp
PKG_DOC=/usr/share/doc/$PKG
# The PostgreSQL store plugin's package, and (pkg_find_module_dir) where the module loads the
# plugin from: pkglibdir of Debian's multiarch libdir.
PKG_PG=libpam-sshotp-postgresql
PKG_ENROLL=/usr/sbin/sshotp-enroll
# shellcheck disable=SC2034 # for the scripts
PKG_KEY=/etc/security/sshotp.key
PKG_STORE_DIR=/var/lib/sshotp

# pkg_preamble PREFIX: skips (77) unless root; then the harness (E2E_TMP, cleanups, syslog
# capture), E2E_TAG for names outside E2E_TMP, the installed sshd drop-in for the throwaway
# sshd, and PKG_MODULE_DIR.
pkg_preamble() {
  if [[ $(id -u) != 0 ]]; then
    echo "SKIP: installing a package and a throwaway sshd need root"
    exit 77
  fi
  e2e_require_tools dpkg-query ssh ssh-keygen oathtool useradd userdel setsid setpriv timeout \
    base32 unshare mount /usr/bin/python3
  SSHD=${SSHD:-/usr/sbin/sshd}
  e2e_init "$1"
  e2e_capture_syslog
  E2E_TAG="pkg-$$"
  E2E_SSHD_DROPIN=$PKG_DOC/examples/sshd_config.d/20-sshotp.conf
  pkg_find_module_dir
}

# pkg_find_module_dir: PKG_MODULE_DIR, where Debian's libpam keeps its modules (pam_unix.so's
# directory, /lib/<multiarch>/security), which is where the package installs pam_sshotp.so; and
# PKG_PLUGIN, /usr/lib/<multiarch>/pam_sshotp/store_postgresql.so.
pkg_find_module_dir() {
  local pam_unix multiarch
  pam_unix=$(dpkg-query -L libpam-modules | grep '/security/pam_unix\.so$') ||
    e2e_die "libpam-modules has no pam_unix.so"
  PKG_MODULE_DIR=${pam_unix%/*}
  multiarch=${PKG_MODULE_DIR%/security}
  PKG_PLUGIN=/usr/lib/${multiarch##*/}/pam_sshotp/store_postgresql.so
}

# pkg_known_to_dpkg: dpkg has the package installed, or its conffiles (removed, not purged).
pkg_known_to_dpkg() {
  dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -qv not-installed
}

# pkg_lock: waits for any other package test (a second CI run): both would install the package.
# The lock is held until the calling script exits.
pkg_lock() {
  exec {PKG_LOCK}>/run/lock/pam_sshotp-package-test.lock
  flock -w 1800 "$PKG_LOCK" || e2e_die "another package test held the lock for 30 minutes"
}

# pkg_skip_unless_untouched: skips (77) when installing, removing or purging the package would
# touch a real installation: the package (or its conffiles) already there; a settings file, key
# or store; the files a `make install` into /usr left (dpkg would overwrite them without a word,
# and purge would then delete them); a statoverride for sshotp-enroll; or a PAM service loading
# the module (the package could not be removed).
pkg_skip_unless_untouched() {
  local path
  if pkg_known_to_dpkg; then
    echo "SKIP: $PKG is installed here (or its conffiles are): a real installation is not touched"
    exit 77
  fi
  for path in /etc/security/sshotp.conf "$PKG_KEY" "$PKG_STORE_DIR" "$PKG_ENROLL" \
    "$PKG_MODULE_DIR/pam_sshotp.so" "$PKG_PLUGIN"; do
    [[ -e $path ]] || continue
    echo "SKIP: $path exists: a real installation's files are not touched"
    exit 77
  done
  if dpkg-statoverride --list "$PKG_ENROLL" >/dev/null; then
    echo "SKIP: this machine has a statoverride for $PKG_ENROLL"
    exit 77
  fi
  if [[ -n $(pamdir=/etc/pam.d moduledir=$PKG_MODULE_DIR pam_stacks_using_module) ]]; then
    echo "SKIP: a PAM service here loads pam_sshotp.so, so the package could not be removed"
    exit 77
  fi
}

# pkg_expected_files: every file the package installs, and the store's directory its postinst
# makes, as "MODE OWNER:GROUP PATH" (what pkg_actual_files prints).
pkg_expected_files() {
  cat <<EOF
644 root:root /etc/security/sshotp.conf
644 root:root $PKG_MODULE_DIR/pam_sshotp.so
4755 root:root /usr/sbin/sshotp-enroll
644 root:root $PKG_DOC/README.md.gz
644 root:root $PKG_DOC/changelog.gz
644 root:root $PKG_DOC/copyright
644 root:root $PKG_DOC/examples/fail2ban/filter.d/pam-sshotp.conf
644 root:root $PKG_DOC/examples/fail2ban/jail.d/pam-sshotp.conf
644 root:root $PKG_DOC/examples/pam.d/sshd
644 root:root $PKG_DOC/examples/pam.d/sshd.arch
644 root:root $PKG_DOC/examples/pam.d/sshd.fedora
644 root:root $PKG_DOC/examples/postgresql/README.md
644 root:root $PKG_DOC/examples/postgresql/pg_hba.conf
644 root:root $PKG_DOC/examples/postgresql/pgbouncer.ini
644 root:root $PKG_DOC/examples/postgresql/primary.conf
644 root:root $PKG_DOC/examples/postgresql/standby.conf
644 root:root $PKG_DOC/examples/sshd_config.d/20-sshotp-group.conf
644 root:root $PKG_DOC/examples/sshd_config.d/20-sshotp.conf
644 root:root $PKG_DOC/examples/sshotp.conf
644 root:root /usr/share/lintian/overrides/$PKG
644 root:root /usr/share/man/man5/sshotp.conf.5.gz
644 root:root /usr/share/man/man8/pam_sshotp.8.gz
644 root:root /usr/share/man/man8/sshotp-enroll.8.gz
700 root:root $PKG_STORE_DIR
EOF
}

# pkg_pg_expected_files: the same for the PostgreSQL plugin's package: the plugin, its
# documentation directory, and the SQL of the roles and the schema (every file of the source's
# sql/ directory).
pkg_pg_expected_files() {
  local doc=/usr/share/doc/$PKG_PG sql
  echo "644 root:root $PKG_PLUGIN"
  echo "644 root:root $doc/changelog.gz"
  echo "644 root:root $doc/copyright"
  for sql in "$SSHOTP_SRCDIR"/common/postgresql/sql/*.sql; do
    echo "644 root:root /usr/share/pam_sshotp/postgresql/${sql##*/}"
  done
}

# pkg_actual_files PACKAGE: the same for what dpkg says PACKAGE installed (its directories left
# out), plus, for PKG, the store's directory, from the files themselves.
pkg_actual_files() {
  local path package=$1
  {
    dpkg-query -L "$package"
    if [[ $package == "$PKG" ]]; then echo "$PKG_STORE_DIR"; fi
  } | while IFS= read -r path; do
    [[ -d $path && $path != "$PKG_STORE_DIR" ]] && continue
    stat -c '%a %U:%G %n' "$path"
  done
}

# pkg_files_are_installed: exactly the expected files, modes and owners (the actual list is left
# in E2E_TMP/files.actual); the settings file is a conffile with the shipped text; the module is
# where libpam keeps pam_unix.so; sshotp-enroll's version is the package's.
pkg_files_are_installed() {
  local actual="$E2E_TMP/files.actual" version
  pkg_actual_files "$PKG" >"$actual"
  if ! diff -u <(pkg_expected_files) "$actual" >"$E2E_TMP/files.diff"; then
    echo "  $E2E_CASE: the installed files differ from the expected ones:"
    sed 's/^/    /' "$E2E_TMP/files.diff"
    return 1
  fi
  dpkg-query -W -f='${Conffiles}\n' "$PKG" | grep -q '^ /etc/security/sshotp.conf ' ||
    { echo "  $E2E_CASE: /etc/security/sshotp.conf is no conffile"; return 1; }
  cmp -s /etc/security/sshotp.conf "$PKG_DOC/examples/sshotp.conf" ||
    { echo "  $E2E_CASE: /etc/security/sshotp.conf is not the shipped text"; return 1; }
  version=$(dpkg-query -W -f='${Version}' "$PKG")
  [[ $("$PKG_ENROLL" --version) == "sshotp-enroll (pam_sshotp) $version" ]] && return 0
  echo "  $E2E_CASE: package $version, but $("$PKG_ENROLL" --version)"
  return 1
}

# pkg_enroll_root USER: a throwaway USER with an SSH key, imported by root through the installed
# sshotp-enroll into the default store (harness/accounts_lib.sh; its secret and the recovery
# codes import printed are in E2E_TMP).
pkg_enroll_root() {
  SSHOTP_ENROLL=$PKG_ENROLL E2E_CONF=/etc/security/sshotp.conf e2e_setup_enrolled_user "$1"
}

# pkg_enroll_self USER: a throwaway USER with an SSH key who enrolls themselves: the installed
# sshotp-enroll run as USER (setuid root), oathtool as their phone; their secret ends up in
# E2E_TMP/USER.secret, the step of the code they confirmed with in E2E_ENROLL_STEP.
pkg_enroll_self() {
  e2e_setup_unenrolled_user "$1"
  e2e_enroll_with_oathtool "$E2E_TMP/$1.secret" '    | ' "${E2E_PRIVATE[@]}" \
    setpriv --reuid="$1" --regid="$1" --init-groups "$PKG_ENROLL" enroll --qr=none
}

# pkg_start_sshd USER...: the throwaway sshd for the USERs, its PAM service loading the module by
# its bare name (libpam finds it in its module directory) with the default settings file.
pkg_start_sshd() {
  e2e_start_test_sshd "auth  required  pam_sshotp.so" "$@"
}

# pkg_login_totp USER EXPECTED_EXIT [AFTER_STEP]: one login typing USER's current code
# (oathtool); with AFTER_STEP (a step whose code is used up, as by an enrollment's confirmation),
# the code of the next step if the current one is not later yet: under the default window of one
# step the server accepts it now, so nobody waits up to 30 s for the clock.
pkg_login_totp() {
  local offset=0 now
  e2e_wait_for_step_margin 5
  now=$(date +%s)
  if [[ -n ${3:-} ]] && ((now / 30 <= $3)); then offset=$((($3 + 1) * 30 - now)); fi
  e2e_totp "$E2E_TMP/$1.secret" "$offset" | e2e_set_answers
  e2e_login "$1" "$2" -i "$E2E_TMP/$1.key"
}

# pkg_remove_enrollments USER...: takes the USERs out of the installation's store again.
pkg_remove_enrollments() {
  local user
  [[ -x $PKG_ENROLL ]] || return 0
  for user in "$@"; do "$PKG_ENROLL" remove "$user" >/dev/null 2>&1; done
  return 0
}
