#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Debian package on this machine, as an admin meets it: built as nobody with dpkg-source and
# dpkg-buildpackage from a clean copy of the source and checked with lintian; installed with
# apt-get, its files, modes and setuid bit checked (and an admin's dpkg-statoverride honoured), a
# first purge leaving nothing behind; a SQLite host that gets neither libpq nor the PostgreSQL
# store plugin, which libpam-sshotp-postgresql installs where the module loads it from; then a user who enrolls themselves through the installed
# setuid sshotp-enroll and one imported by root, logging in through a real sshd whose PAM service
# loads the installed module; an upgrade going through while a PAM service loads the module, but
# a remove refused; then done, keeping the settings, key and store, with logins now failing
# closed; a reinstall under which the enrollments still work; and a purge that keeps the
# enrollments (README.md, "Removing") and warns about a PAM service left pointing at the module.
#
# Usage: tests/package/test_deb.sh [TARBALL]
#   Builds from TARBALL (run-tests.sh passes the release tarball `make distcheck` leaves), or
#   else from the working tree's files that git knows or would add (no build products).
# Environment: SSHOTP_DEB_OUT=DIR copies the built packages to DIR (run-tests.sh's autopkgtest
#   stage installs them); DEB_BUILD_OPTIONS (default "nocheck noautodbgsym parallel=2": `make
#   check` is a stage of its own, and nothing here uses the debug symbols; with nocheck the
#   nocheck build profile is added to DEB_BUILD_PROFILES).
#
# The package is really installed, so the test takes a lock against a second copy of itself, and
# skips (77) when it would touch a real installation: the package (or its conffiles) already
# there, a default settings file, key or store, or a PAM service loading pam_sshotp.so. It also
# skips without root, dpkg-buildpackage or apt-get. Everything it adds (package, users, the
# throwaway sshd and its /etc/pam.d file, a statoverride, the key and the store) is undone on
# every exit path; /etc/pam.d/sshd, /etc/ssh and the machine's services are never touched.
# shellcheck disable=SC2317 # the cases below are called through e2e_case
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
tarball=${1:-}
if [[ $(id -u) != 0 ]]; then
  echo "SKIP: installing a package needs root"
  exit 77
fi
for tool in dpkg-buildpackage apt-get; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
# shellcheck source=tests/package/package_lib.sh
. "$SSHOTP_SRCDIR/tests/package/package_lib.sh"
pkg_preamble sshotp-pkg

# --- build ----------------------------------------------------------------------------------

pkg_skip_unless_untouched

mkdir "$E2E_TMP/build"
if [[ -n $tarball ]]; then
  echo "building from $tarball"
  tar -xzf "$tarball" -C "$E2E_TMP/build" || e2e_die "cannot unpack $tarball"
  src=$(find "$E2E_TMP/build" -mindepth 1 -maxdepth 1 -type d)
else
  echo "building from the files of $SSHOTP_SRCDIR that git knows"
  src="$E2E_TMP/build/pam-sshotp"
  mkdir "$src"
  git -C "$SSHOTP_SRCDIR" ls-files -z --cached --others --exclude-standard |
    (cd "$SSHOTP_SRCDIR" && tar --null -T - -cf -) | tar -xf - -C "$src" ||
    e2e_die "cannot copy the source tree"
  # The files autotools add, as in a release tarball (debian/copyright names them).
  (cd "$src" && autoreconf -fi) >"$E2E_TMP/autoreconf.log" 2>&1 ||
    { cat "$E2E_TMP/autoreconf.log" >&2; e2e_die "autoreconf failed"; }
fi
started=$SECONDS
# nocheck, the option and the build profile: `make check` is a stage of run-tests.sh of its own.
build_options=${DEB_BUILD_OPTIONS-nocheck noautodbgsym parallel=2}
build_profiles=${DEB_BUILD_PROFILES-}
[[ " $build_options " == *" nocheck "* && " $build_profiles " != *" nocheck "* ]] &&
  build_profiles+=" nocheck"
# Built as nobody, not root (Rules-Requires-Root: no, as Debian's build daemons build it): the
# setuid bit must come through without fakeroot. The source package first, from the clean tree,
# for lintian.
chmod 0711 "$E2E_TMP"
chown -R nobody:nogroup "$E2E_TMP/build"
as_builder() {
  setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$E2E_TMP/build" "$@"
}
if ! (cd "$src" && as_builder dpkg-source -b . &&
  as_builder DEB_BUILD_OPTIONS="$build_options" DEB_BUILD_PROFILES="${build_profiles# }" \
    dpkg-buildpackage -us -uc -b) >"$E2E_TMP/build.log" 2>&1; then
  tail -n 40 "$E2E_TMP/build.log" >&2
  e2e_die "dpkg-buildpackage failed"
fi
deb=$(echo "$E2E_TMP"/build/"$PKG"_*.deb)
pg_deb=$(echo "$E2E_TMP"/build/"$PKG_PG"_*.deb)
[[ -f $deb && -f $pg_deb ]] || e2e_die "dpkg-buildpackage made no $PKG or no $PKG_PG .deb"
echo "built ${deb##*/} in $((SECONDS - started)) s"
if [[ -n ${SSHOTP_DEB_OUT:-} ]]; then
  cp "$E2E_TMP"/build/*.deb "$SSHOTP_DEB_OUT"/ || e2e_die "cannot copy the packages"
fi

pkg_lock
pkg_skip_unless_untouched

# Undone last, after the harness's users, sshd and PAM service: the package, an override this
# test left, and the key and store the test's enrollments created.
leave_machine_as_found() {
  if dpkg-query -W -f='${Status}' "$PKG_PG" 2>/dev/null | grep -qv not-installed; then
    pkg_apt purge "$PKG_PG" >/dev/null 2>&1 || e2e_warn "warning: could not purge $PKG_PG"
  fi
  if pkg_known_to_dpkg; then
    pkg_apt purge "$PKG" >/dev/null 2>&1 || e2e_warn "warning: could not purge $PKG"
  fi
  dpkg-statoverride --list "$PKG_ENROLL" >/dev/null && dpkg-statoverride --remove "$PKG_ENROLL"
  rm -rf "$PKG_KEY" "$PKG_STORE_DIR"
}
e2e_on_exit leave_machine_as_found

# pkg_apt ARGS...: apt-get, unattended, waiting for the dpkg lock; the output to E2E_TMP/apt.log.
pkg_apt() {
  DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 \
    --no-install-recommends "$@"
}

# apt_step ARGS...: pkg_apt, shown as the command and the lines the package's maintainer scripts
# and dpkg's errors printed; returns apt-get's status.
apt_step() {
  local rc=0
  echo "  # apt-get $*"
  pkg_apt "$@" >"$E2E_TMP/apt.log" 2>&1 || rc=$?
  grep -E "^(  )?$PKG:|^  /etc/pam.d/|^(Without|out of|package again|libpam refuses)|^dpkg: |^E: " \
    "$E2E_TMP/apt.log" | sed 's/^/  | /' || true
  echo "  (exit $rc)"
  return "$rc"
}

# expect_quiet_scripts: the package's maintainer scripts printed nothing in the last apt step:
# no line between dpkg's own "Setting up|Removing|Purging configuration files for PKG" and dpkg's
# next line of its own (whatever a script or a command in it printed, not only our messages).
expect_quiet_scripts() {
  local said
  said=$(awk -v pkg="$PKG" '
    $0 ~ "^(Setting up|Removing|Purging configuration files for) " pkg " " { inside = 1; next }
    /^(Setting up|Removing|Purging|Processing triggers|Unpacking|Preparing|Selecting|\(Reading) / {
      inside = 0
    }
    inside' "$E2E_TMP/apt.log")
  [[ -z $said ]] && return 0
  echo "  $E2E_CASE: the maintainer scripts printed:"
  printf '%s\n' "$said" | sed 's/^/    | /'
  return 1
}

# expect_state STATUS: dpkg's status of the package ("install ok installed", "deinstall ok
# config-files", or "not-installed": purged, whether dpkg still knows the name or not).
expect_state() {
  local state
  state=$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null || true)
  [[ $state == "$1" ]] && return 0
  [[ $1 == not-installed && ( -z $state || $state == *" not-installed" ) ]] && return 0
  echo "  $E2E_CASE: dpkg says '$state', expected '$1'"
  return 1
}

# expect_paths present|absent PATH...
expect_paths() {
  local want=$1 path
  shift
  for path in "$@"; do
    if [[ $want == present && ! -e $path ]] || [[ $want == absent && -e $path ]]; then
      echo "  $E2E_CASE: $path should be $want"
      return 1
    fi
  done
}

# set_service_aside / put_service_back: the admin takes the throwaway sshd's PAM service (which
# loads the module) out of /etc/pam.d, and puts it back (as a restore or config management
# would). The harness removes it at exit either way.
set_service_aside() { mv "/etc/pam.d/$E2E_SERVICE" "$E2E_TMP/pam-service"; }
put_service_back() { mv "$E2E_TMP/pam-service" "/etc/pam.d/$E2E_SERVICE"; }

self_user="sshotp-self-$E2E_TAG"
root_user="sshotp-root-$E2E_TAG"
module=$PKG_MODULE_DIR/pam_sshotp.so

# --- cases ----------------------------------------------------------------------------------

# lintian on the build's .changes (which names the .deb) and the source package: no error, no
# warning (every override in debian/libpam-sshotp.lintian-overrides says why). The informational
# and pedantic tags are shown too.
lintian_is_clean() {
  local rc=0
  command -v lintian >/dev/null || { echo "  $E2E_CASE: lintian is not installed"; return 1; }
  lintian --fail-on error,warning --display-info --pedantic "$E2E_TMP"/build/*.changes \
    "$E2E_TMP"/build/*.dsc \
    >"$E2E_TMP/lintian.log" 2>&1 || rc=$?
  grep -v '^running with root privileges' "$E2E_TMP/lintian.log" | sed 's/^/  | /' || true
  echo "  (lintian exit $rc)"
  return "$rc"
}

install_shows_files_and_modes() {
  apt_step install "$deb" || return 1
  expect_quiet_scripts || return 1
  expect_state "install ok installed" && pkg_files_are_installed || return 1
  sed 's/^/    /' "$E2E_TMP/files.actual"
  cp "$E2E_TMP/files.actual" "$E2E_TMP/files.installed"
}

statoverride_is_honoured() {
  dpkg-statoverride --add root root 0755 "$PKG_ENROLL" && apt_step install --reinstall "$deb" &&
    [[ $(stat -c %a "$PKG_ENROLL") == 755 ]] || { echo "  $E2E_CASE: override not applied"; return 1; }
  dpkg-statoverride --remove "$PKG_ENROLL" && apt_step install --reinstall "$deb" &&
    [[ $(stat -c %a "$PKG_ENROLL") == 4755 ]] || { echo "  $E2E_CASE: setuid bit not back"; return 1; }
}

# dependency_closure PACKAGE: every package PACKAGE needs, recursively (Depends and Pre-Depends),
# as apt resolves them here.
dependency_closure() {
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "$1" | grep -v '^ '
}
# What libpq brings into a process: itself, LDAP, GSSAPI, Kerberos, SASL.
libpq_family='^(libpq|libldap|libgssapi|libkrb5|libsasl2)'

# plugin_probe: sshotp-enroll with store = postgresql and no pg_plugin (so the plugin the module
# loads by default) against a server socket that does not exist; its message in E2E_TMP/probe.
plugin_probe() {
  local dir=$E2E_TMP/probe.d
  [[ -d $dir ]] || mkdir -m 0700 "$dir"
  printf '%s\n' 'store = postgresql' 'pg_conninfo = "host=/nonexistent dbname=sshotp"' \
    'pg_timeout_ms = 1000' "key_file = $dir/key" >"$dir/sshotp.conf"
  ! "$PKG_ENROLL" --config "$dir/sshotp.conf" status nobody >"$E2E_TMP/probe" 2>&1 ||
    { echo "  $E2E_CASE: sshotp-enroll status succeeded without a database"; return 1; }
  sed 's/^/    | /' "$E2E_TMP/probe"
}

# A SQLite host: libpam-sshotp alone installs no plugin, none of its files links libpq, nothing
# it depends on is libpq or what libpq pulls in; and with store = postgresql the loader looks for
# the plugin in PKG_PLUGIN's directory and fails closed.
sqlite_host_gets_no_libpq() {
  local file
  expect_paths absent "$PKG_PLUGIN" "${PKG_PLUGIN%/*}" || return 1
  for file in "$module" "$PKG_ENROLL"; do
    ! readelf -d "$file" | grep -E "NEEDED.*\[(${libpq_family#^})" ||
      { echo "  $E2E_CASE: $file links libpq"; return 1; }
  done
  ! dependency_closure "$PKG" | grep -E "$libpq_family" ||
    { echo "  $E2E_CASE: $PKG pulls in libpq"; return 1; }
  plugin_probe && grep -qF "${PKG_PLUGIN%/*}" "$E2E_TMP/probe" ||
    { echo "  $E2E_CASE: the refusal does not name the plugin's directory"; return 1; }
}

# libpam-sshotp-postgresql: the plugin and the SQL, their modes and owners, libpq among its
# dependencies (so the check above can fail); the loader takes the plugin (its checks of owner,
# mode and directory pass) and libpq tries the socket. Purged, libpam-sshotp stays.
postgresql_package_installs_plugin() {
  apt_step install "$pg_deb" || return 1
  pkg_actual_files "$PKG_PG" >"$E2E_TMP/pg-files.actual"
  diff -u <(pkg_pg_expected_files) "$E2E_TMP/pg-files.actual" ||
    { echo "  $E2E_CASE: the plugin package's files differ from the expected ones"; return 1; }
  sed 's/^/    /' "$E2E_TMP/pg-files.actual"
  dependency_closure "$PKG_PG" | grep -qx libpq5 ||
    { echo "  $E2E_CASE: libpq5 is not among $PKG_PG's dependencies"; return 1; }
  plugin_probe && grep -qF '/nonexistent/.s.PGSQL' "$E2E_TMP/probe" &&
    ! grep -qF "${PKG_PLUGIN%/*}" "$E2E_TMP/probe" ||
    { echo "  $E2E_CASE: the plugin was not loaded, or libpq did not try the socket"; return 1; }
  apt_step purge "$PKG_PG" || return 1
  expect_state "install ok installed" && expect_paths absent "$PKG_PLUGIN"
}

# Nothing enrolled yet: purge leaves nothing of the package, not even the store's directory.
purge_of_unused_installation() {
  apt_step purge "$PKG" || return 1
  expect_quiet_scripts || return 1
  expect_state not-installed || return 1
  cut -d' ' -f3 "$E2E_TMP/files.installed" >"$E2E_TMP/paths.installed"
  mapfile -t paths <"$E2E_TMP/paths.installed"
  expect_paths absent "${paths[@]}" "$PKG_DOC" "$PKG_KEY"
}

enrollments_through_installed_cli() {
  apt_step install "$deb" || return 1
  echo "  # $self_user enrolls themselves: sshotp-enroll enroll (setuid root)"
  pkg_enroll_self "$self_user" || return 1
  self_step=$E2E_ENROLL_STEP
  echo "  # root imports $root_user: sshotp-enroll import $root_user"
  pkg_enroll_root "$root_user"
  "$PKG_ENROLL" status "$self_user" >/dev/null && "$PKG_ENROLL" status "$root_user" >/dev/null ||
    { echo "  $E2E_CASE: sshotp-enroll status fails"; return 1; }
  [[ $(stat -c '%a %U' "$PKG_KEY" "$PKG_STORE_DIR" "$PKG_STORE_DIR/sshotp.db" | tr '\n' ' ') == \
    "600 root 700 root 600 root " ]] || { echo "  $E2E_CASE: key or store not root's alone"; return 1; }
}

login_through_installed_module() {
  pkg_login_totp "$root_user" 0 && e2e_expect_prompts 1 && e2e_expect_audit accept:totp:ok:-
}

# prerm refuses a removal only: an upgrade (here a reinstall, which runs `prerm upgrade`) goes
# through while a PAM service loads the module, or no host using it could ever be upgraded.
upgrade_goes_through_while_pam_loads_module() {
  apt_step install --reinstall "$deb" || { echo "  $E2E_CASE: the upgrade was refused"; return 1; }
  expect_state "install ok installed" && [[ $(stat -c %a "$PKG_ENROLL") == 4755 ]] ||
    { echo "  $E2E_CASE: not installed, or sshotp-enroll lost its setuid bit"; return 1; }
}

remove_refused_while_pam_loads_module() {
  ! apt_step remove "$PKG" || { echo "  $E2E_CASE: removed although a PAM service loads it"; return 1; }
  grep -qF "/etc/pam.d/$E2E_SERVICE:2: auth  required  pam_sshotp.so" "$E2E_TMP/apt.log" ||
    { echo "  $E2E_CASE: the refusal does not name the PAM service"; return 1; }
  expect_state "install ok installed" && expect_paths present "$module" "$PKG_ENROLL"
}

remove_keeps_settings_key_and_store() {
  set_service_aside
  apt_step remove "$PKG" || { put_service_back; return 1; }
  put_service_back
  expect_state "deinstall ok config-files" && expect_paths absent "$module" "$PKG_ENROLL" &&
    expect_paths present /etc/security/sshotp.conf "$PKG_KEY" "$PKG_STORE_DIR/sshotp.db"
}

# The PAM service loads a module that is gone: libpam refuses the login before any prompt.
login_fails_closed_after_remove() {
  e2e_totp "$E2E_TMP/$root_user.secret" | e2e_set_answers
  e2e_login "$root_user" 255 -i "$E2E_TMP/$root_user.key" && e2e_expect_prompts 0 || return 1
  tail -n "+$((E2E_SYSLOG_MARK + 1))" "$E2E_SYSLOG" | grep -E 'unable to dlopen\(.*pam_sshotp\.so\)' |
    sed 's/^<[0-9]*>/    /' | grep . || { echo "  $E2E_CASE: no 'unable to dlopen' in the log"; return 1; }
}

reinstall_keeps_enrollments() {
  apt_step install "$deb" || return 1
  expect_state "install ok installed" && pkg_files_are_installed || return 1
  # The self-enrolled user's code: a later step than the one the enrollment used up.
  pkg_login_totp "$self_user" 0 "$self_step" && e2e_expect_audit accept:totp:ok:- || return 1
  grep -m1 -E '^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$' "$E2E_TMP/import-$root_user.out" |
    e2e_set_answers
  e2e_login "$root_user" 0 -i "$E2E_TMP/$root_user.key" && e2e_expect_audit accept:recovery:ok:9
}

# Removed, the PAM service put back (so it points at the missing module), then purged: the
# conffile and every file of the package go, the key and the store stay, and purge says so and
# warns about the PAM service.
purge_keeps_enrollments_and_warns() {
  set_service_aside
  apt_step remove "$PKG" || { put_service_back; return 1; }
  put_service_back
  apt_step purge "$PKG" || return 1
  grep -qF "$PKG: kept the enrollments: $PKG_KEY $PKG_STORE_DIR" "$E2E_TMP/apt.log" &&
    grep -qF "/etc/pam.d/$E2E_SERVICE:2: auth  required  pam_sshotp.so" "$E2E_TMP/apt.log" ||
    { echo "  $E2E_CASE: purge did not say what it kept and which service points nowhere"; return 1; }
  # ...which expect_quiet_scripts, the check of the quiet steps above, must see.
  ! expect_quiet_scripts >/dev/null || { echo "  $E2E_CASE: expect_quiet_scripts is blind"; return 1; }
  expect_state not-installed || return 1
  grep -vxF "$PKG_STORE_DIR" "$E2E_TMP/paths.installed" >"$E2E_TMP/paths.gone"
  mapfile -t paths <"$E2E_TMP/paths.gone"
  expect_paths absent "${paths[@]}" "$PKG_DOC" &&
    expect_paths present "$PKG_KEY" "$PKG_STORE_DIR/sshotp.db"
}

e2e_case "lintian: no errors and no warnings on the .deb, the .changes and the source" \
  lintian_is_clean
e2e_case "apt-get install: the files, their modes and owners, the setuid bit" \
  install_shows_files_and_modes
e2e_case "dpkg-statoverride on sshotp-enroll is honoured at install, and undone" \
  statoverride_is_honoured
e2e_case "a SQLite host: no plugin, no libpq among the dependencies; the loader's path named" \
  sqlite_host_gets_no_libpq
e2e_case "libpam-sshotp-postgresql: the plugin where the loader takes it, libpq; purged alone" \
  postgresql_package_installs_plugin
e2e_case "purge of an installation nobody used leaves nothing behind" \
  purge_of_unused_installation
e2e_case "enrollment through the installed sshotp-enroll: by the user (setuid) and by root" \
  enrollments_through_installed_cli
pkg_start_sshd "$root_user" "$self_user"
e2e_case "login through a real sshd whose PAM service loads the installed module" \
  login_through_installed_module
e2e_case "an upgrade goes through while a PAM service loads the module" \
  upgrade_goes_through_while_pam_loads_module
e2e_case "remove is refused while a PAM service loads the module, naming it" \
  remove_refused_while_pam_loads_module
e2e_case "remove keeps the settings, the key and the store" remove_keeps_settings_key_and_store
e2e_case "with the module removed a login fails closed, before any prompt" \
  login_fails_closed_after_remove
e2e_case "reinstall: the enrollments work (TOTP and a recovery code)" reinstall_keeps_enrollments
e2e_case "purge: the package's files go, the key and the store stay; a stale PAM line is named" \
  purge_keeps_enrollments_and_warns
e2e_finish
