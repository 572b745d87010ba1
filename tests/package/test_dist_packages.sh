#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Arch and RPM packages (dist/arch/PKGBUILD, dist/rpm/pam_sshotp.spec) built on this Debian
# machine from the release tarball, with Debian's makepkg and rpm, and held against the Debian
# package: the same files with the same modes and owners, once the differences between the
# distributions in THE TABLE below are mapped; the same version as configure.ac's AC_INIT; the
# settings file a config file in all three. Then each package installed by its own package manager
# into a root directory of its own, whose PAM service loads the module: `rpm -e` and `pacman -R`
# must refuse, as the Debian package's prerm does. What only the real distributions can show
# (their dependency names, their libraries, dnf, SELinux) is listed in README.md, "Installing".
#
# Usage: tests/package/test_dist_packages.sh TARBALL DEB_DIR
#   TARBALL: the pam_sshotp-VERSION.tar.gz of `make dist`; DEB_DIR: where tests/package/test_deb.sh
#   left the built libpam-sshotp_*.deb (run-tests.sh: SSHOTP_DEB_OUT). The PKGBUILD and the spec
#   are this tree's (SSHOTP_SRCDIR), so an edit to either is tested without a new tarball.
# Environment: SSHOTP_DIST_JOBS (default 2): make -j for each build.
#
# Both builds skip `make check` (a stage of run-tests.sh of its own) and the dependency checks
# (neither distribution's packages exist here), and run as nobody: makepkg refuses root, and a
# package build has no business writing outside its own directory. Skips (77) without root or
# without one of the tools listed below (./deps.sh --tests installs them).
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
tarball=${1:?usage: test_dist_packages.sh TARBALL DEB_DIR}
deb_dir=${2:?usage: test_dist_packages.sh TARBALL DEB_DIR}
jobs=${SSHOTP_DIST_JOBS:-2}
if [[ $(id -u) != 0 ]]; then
  echo "SKIP: the builds run as nobody, which takes root"
  exit 77
fi
for tool in makepkg pacman rpmbuild rpm bsdtar zstd fakeroot ccache dpkg-deb dpkg-architecture \
  setpriv python3 mknod ldd; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
if [[ ! -f $tarball || ! -d $deb_dir ]]; then
  echo "ERROR: no tarball $tarball or no directory $deb_dir"
  exit 99
fi

failures=0
passes=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
pass() {
  echo "PASS: $*"
  passes=$((passes + 1))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 0755 "$tmp"

# --- versions ---------------------------------------------------------------------------------

version=$(sed -n 's/^AC_INIT(\[pam_sshotp\], \[\([^]]*\)\].*/\1/p' "$SSHOTP_SRCDIR/configure.ac")
pkgbuild_version=$(sed -n 's/^pkgver=//p' "$SSHOTP_SRCDIR/dist/arch/PKGBUILD")
spec_version=$(sed -n 's/^Version: *//p' "$SSHOTP_SRCDIR/dist/rpm/pam_sshotp.spec")
tarball_version=$(basename "$tarball" .tar.gz)
tarball_version=${tarball_version#pam_sshotp-}
if [[ -n $version && $pkgbuild_version == "$version" && $spec_version == "$version" &&
  $tarball_version == "$version" ]]; then
  pass "configure.ac, PKGBUILD, the spec and the tarball all say version $version"
else
  fail "versions differ: configure.ac '$version', PKGBUILD '$pkgbuild_version'," \
    "spec '$spec_version', tarball '$tarball_version'"
fi
deb=$(find "$deb_dir" -maxdepth 1 -name "libpam-sshotp_${version}_*.deb" | head -n 1)
pg_deb=$(find "$deb_dir" -maxdepth 1 -name "libpam-sshotp-postgresql_${version}_*.deb" | head -n 1)
[[ -n $deb && -n $pg_deb ]] ||
  { echo "ERROR: no libpam-sshotp(-postgresql)_${version}_*.deb in $deb_dir"; exit 99; }

# --- the builds -------------------------------------------------------------------------------

# as_builder DIR COMMAND...: COMMAND in DIR as nobody, with DIR as HOME, nothing of root's
# environment but PATH, and the compiler flags of both builds: -O2 without -g (what is compared
# is the file list; debug information only costs time). Both compile through one ccache of this
# run's own: the two builds compile the same files with the same flags (and LANG=C, which
# rpmbuild sets and ccache hashes), so the second takes its objects from the first instead of
# compiling them again.
ccache_dir=$tmp/ccache
mkdir -p "$ccache_dir"
chown nobody:nogroup "$ccache_dir"
as_builder() {
  local dir=$1
  shift
  (cd "$dir" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env -i PATH=/usr/lib/ccache:/usr/sbin:/usr/bin:/sbin:/bin HOME="$dir" LANG=C LC_ALL=C.UTF-8 \
    CCACHE_DIR="$ccache_dir" CCACHE_BASEDIR="$tmp" CCACHE_NOHASHDIR=true CXXFLAGS=-O2 \
    MAKEFLAGS="-j$jobs" "$@")
}

# Arch: makepkg beside a copy of the tarball, writing .pkg.tar.zst as Arch's makepkg.conf does
# (Debian's makepkg defaults to .pkg.tar.gz).
arch=$tmp/arch
mkdir -p "$arch/out"
cp "$SSHOTP_SRCDIR/dist/arch/PKGBUILD" "$tarball" "$arch/"
chown -R nobody:nogroup "$arch"
build_arch() {
  as_builder "$arch" PKGEXT=.pkg.tar.zst PKGDEST="$arch/out" BUILDDIR="$arch/build" \
    SRCDEST="$arch" makepkg --nodeps --nocheck --noconfirm --noprogressbar --nocolor
}

# RPM: rpmbuild with a private _topdir, and three macros as Fedora's redhat-rpm-config and bash
# have them where plain rpm (Debian's) differs: _sharedstatedir /var/lib (not /usr/com), the
# documentation directory without the version, and brp-compress (which gzips the man pages) run
# by bash, since it uses `read -d` and Debian's /bin/sh is dash.
rpm_top=$tmp/rpm
mkdir -p "$rpm_top/SOURCES"
cp "$tarball" "$rpm_top/SOURCES/"
cp "$SSHOTP_SRCDIR/dist/rpm/pam_sshotp.spec" "$rpm_top/"
chown -R nobody:nogroup "$rpm_top"
build_rpm() {
  as_builder "$rpm_top" rpmbuild -bb --nodeps --nocheck --define "_topdir $rpm_top" \
    --define "_sharedstatedir /var/lib" --define "_docdir_fmt %{NAME}" \
    --define "__brp_compress bash %{_rpmconfigdir}/brp-compress %{?_prefix}" --define "optflags -O2" \
    --define "_smp_mflags -j$jobs" "$rpm_top/pam_sshotp.spec"
}

# One after the other, so that the second finds the first's objects in the cache.
started=$SECONDS
arch_rc=0
build_arch >"$tmp/arch.log" 2>&1 || arch_rc=$?
arch_seconds=$((SECONDS - started))
rpm_rc=0
build_rpm >"$tmp/rpm.log" 2>&1 || rpm_rc=$?
echo "built: makepkg $arch_seconds s, then rpmbuild $((SECONDS - started - arch_seconds)) s" \
  "(make -j$jobs; ccache: $(as_builder "$tmp" ccache --print-stats 2>/dev/null |
    awk -F'\t' '$1 ~ /^(direct|preprocessed)_cache_hit$/ { h += $2 } $1 == "cache_miss" { m = $2 }
      END { printf "%d hits, %d misses", h, m }'))"
# Each format's two packages: pam_sshotp and pam_sshotp-postgresql (the plugin).
pkg=$(find "$arch/out" -name "pam_sshotp-$version-*.pkg.tar.zst" | head -n 1)
pg_pkg=$(find "$arch/out" -name "pam_sshotp-postgresql-$version-*.pkg.tar.zst" | head -n 1)
rpm_file=$(find "$rpm_top/RPMS" -name "pam_sshotp-$version-*.rpm" | head -n 1)
pg_rpm_file=$(find "$rpm_top/RPMS" -name "pam_sshotp-postgresql-$version-*.rpm" | head -n 1)
if [[ $arch_rc != 0 || -z $pkg || -z $pg_pkg || $rpm_rc != 0 || -z $rpm_file ||
  -z $pg_rpm_file ]]; then
  [[ $arch_rc == 0 && -n $pkg && -n $pg_pkg ]] ||
    { tail -n 40 "$tmp/arch.log"; fail "makepkg (exit $arch_rc)"; }
  [[ $rpm_rc == 0 && -n $rpm_file && -n $pg_rpm_file ]] ||
    { tail -n 40 "$tmp/rpm.log"; fail "rpmbuild (exit $rpm_rc)"; }
  echo "$passes passed, $failures failed"
  exit 1
fi

# --- the file lists ---------------------------------------------------------------------------

# shellcheck source=tests/package/dist_file_lists.sh
. "$SSHOTP_SRCDIR/tests/package/dist_file_lists.sh"
raw_lists

for name in deb rpm arch; do
  case $name in deb) column=3 ;; rpm) column=4 ;; arch) column=5 ;; esac
  canonical "$column" "$tmp/$name.raw" >"$tmp/$name.list"
done
echo "Debian, canonical (the others are compared with it):"
sed 's/^/    /' "$tmp/deb.list"

if compare RPM "$tmp/deb.list" "$tmp/rpm.list"; then
  pass "the RPM has the Debian package's files, modes and owners (after the table)"
else
  fail "the RPM differs from the Debian package (- Debian, + RPM)"
fi
if compare Arch "$tmp/deb.list" "$tmp/arch.list"; then
  pass "the Arch package has the Debian package's files, modes and owners (after the table)"
else
  fail "the Arch package differs from the Debian package (- Debian, + Arch)"
fi

# The comparison must be able to fail: a doctored RPM list (sshotp-enroll gone), Arch list (the
# setuid bit gone, the plugin moved into the main package) and Debian list (a stray file, a
# package-only file gone) must each be caught.
self_check() {
  local doctored=$tmp/doctored
  grep -v '/sshotp-enroll main$' "$tmp/rpm.raw" >"$doctored.rpm"
  sed -e 's|^4755 \(.*/sshotp-enroll main\)$|755 \1|' \
    -e 's|^\(.*/store_postgresql\.so\) postgresql$|\1 main|' "$tmp/arch.raw" >"$doctored.arch"
  { grep -v "^644 root:root $ddoc/changelog.gz main$" "$tmp/deb.raw"
    echo "644 root:root /usr/share/stray main"; } >"$doctored.deb"
  canonical 4 "$doctored.rpm" >"$doctored.rpm.list"
  canonical 5 "$doctored.arch" >"$doctored.arch.list"
  canonical 3 "$doctored.deb" >"$doctored.deb.list"
  ! compare RPM "$tmp/deb.list" "$doctored.rpm.list" >/dev/null &&
    ! compare Arch "$tmp/deb.list" "$doctored.arch.list" >"$doctored.arch.diff" &&
    grep -q '^    +.*/store_postgresql.so main$' "$doctored.arch.diff" &&
    ! compare Debian "$tmp/deb.list" "$doctored.deb.list" >/dev/null &&
    grep -qx "missing: 644:root:root $ddoc/changelog.gz" "$doctored.deb.list"
}
if self_check; then
  pass "self-check: a dropped file, a lost setuid bit, a plugin in the wrong package and a" \
    "stray file are each reported"
else
  fail "self-check: a doctored file list went unnoticed"
fi

# --- package metadata ---------------------------------------------------------------------

# The settings file is a config file everywhere: dpkg's conffile, rpm's %config(noreplace)
# ("c" and "n" among its flags), pacman's backup=.
conf=/etc/security/sshotp.conf
deb_conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)
rpm_flags=$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm_file" 2>/dev/null |
  awk -v f="$conf" '$2 == f { print $1 }')
pkginfo=$(zstd -dc "$pkg" | bsdtar -xOf - .PKGINFO)
if [[ $deb_conffiles == *"$conf"* && $rpm_flags == *c*n* ]] &&
  grep -qx "backup = ${conf#/}" <<<"$pkginfo"; then
  pass "$conf: a conffile, %config(noreplace) and in backup="
else
  fail "$conf is not a config file in every package (deb: '$deb_conffiles'," \
    "rpm flags: '$rpm_flags', Arch: $(grep '^backup' <<<"$pkginfo" || echo none))"
fi

rpm_version=$(rpm -qp --qf '%{VERSION}' "$rpm_file" 2>/dev/null)
arch_version=$(sed -n 's/^pkgver = //p' <<<"$pkginfo")
deb_version=$(dpkg-deb -f "$deb" Version)
if [[ $rpm_version == "$version" && ${arch_version%-*} == "$version" && $deb_version == "$version" ]]
then
  pass "the built packages' versions: $deb_version (deb), $rpm_version (rpm), $arch_version (Arch)"
else
  fail "built versions: deb '$deb_version', rpm '$rpm_version', Arch '$arch_version'; want $version"
fi

# A SQLite host gets no libpq: no main package names it (the RPM's requires include those rpm
# finds in the ELF files); each plugin package names it, and its main package at this version
# (the plugin refuses the module of another build).
pg_pkginfo=$(zstd -dc "$pg_pkg" | bsdtar -xOf - .PKGINFO)
main_deps="$(dpkg-deb -f "$deb" Depends Pre-Depends) $(rpm -qp --requires "$rpm_file" 2>/dev/null)
$(grep '^depend = ' <<<"$pkginfo")"
deb_pg_deps=$(dpkg-deb -f "$pg_deb" Depends)
rpm_pg_deps=$(rpm -qp --requires "$pg_rpm_file" 2>/dev/null)
arch_pg_deps=$(grep '^depend = ' <<<"$pg_pkginfo")
if [[ $main_deps != *libpq* && $deb_pg_deps == *libpq5* && $rpm_pg_deps == *libpq.so.5* &&
  $arch_pg_deps == *"depend = libpq.so"* && $deb_pg_deps == *"libpam-sshotp (= $version)"* &&
  $rpm_pg_deps == *"pam_sshotp(x86-64) = $version-"* &&
  $arch_pg_deps == *"depend = pam_sshotp=$version-"* ]]; then
  pass "libpq: none of the main packages depends on it, every plugin package does"
else
  fail "dependencies: main packages '$main_deps'; plugin packages: deb '$deb_pg_deps'," \
    "rpm '$rpm_pg_deps', Arch '$arch_pg_deps'"
fi

# --- the removal check ------------------------------------------------------------------------

# Both ship the same script: dist/removal-check.sh with the shared function put in.
rpm_check=$(bsdtar -xOf "$rpm_file" ./usr/libexec/pam_sshotp/removal-check)
arch_check=$(zstd -dc "$pkg" | bsdtar -xOf - usr/share/libalpm/scripts/pam_sshotp-removal-check)
if [[ $rpm_check == "$arch_check" && $rpm_check == *"pam_stacks_using_module() {"* ]]; then
  pass "the RPM and the Arch package ship the same removal check, the shared function put in"
else
  fail "the removal checks of the RPM and the Arch package differ, or lack the shared function"
fi

# make_root DIR: a root directory for `rpm --root` and `pacman --root`, which run scriptlets and
# hooks chrooted into it: /bin/sh and the tools the removal check uses, with their libraries.
make_root() {
  local root=$1 tool real lib
  mkdir -p "$root"/{usr/bin,usr/lib,usr/lib64,dev,var/tmp,etc/pam.d,var/lib/pacman}
  ln -s usr/bin "$root/bin"
  ln -s usr/bin "$root/sbin"
  ln -s usr/lib "$root/lib"
  ln -s usr/lib64 "$root/lib64"
  mknod -m 0666 "$root/dev/null" c 1 3
  for tool in sh stat tr sed cat; do
    real=$(readlink -f "$(command -v "$tool")")
    cp "$real" "$root/usr/bin/$tool"
    for lib in $(ldd "$real" | grep -o '/[^ ]*'); do
      lib=$root/usr${lib#/usr}
      mkdir -p "${lib%/*}"
      [[ -e $lib ]] || cp "$(readlink -f "${lib#"$root"}")" "$lib"
    done
  done
}

# The package managers on a root of their own (nothing of this machine's is read or written).
rpm_install() { rpm --root "$1" --initdb && rpm --root "$1" -i --nodeps "$rpm_file"; }
rpm_remove() { rpm --root "$1" -e pam_sshotp; }
rpm_installed() { rpm --root "$1" -q pam_sshotp; }
pacman_in() {
  local root=$1
  shift
  pacman --root "$root" --dbpath "$root/var/lib/pacman" --cachedir "$root/var/cache/pacman" \
    --logfile "$root/var/log/pacman.log" --noconfirm "$@"
}
arch_install() { pacman_in "$1" -U --nodeps --nodeps "$pkg"; }
arch_remove() { pacman_in "$1" -R pam_sshotp; }
arch_installed() { pacman_in "$1" -Q pam_sshotp; }

# removal_refused rpm|arch: the package installed into a root of its own, whose /etc/pam.d/sshd
# then loads the module: the removal fails, names the line and leaves the package installed
# (the RPM's %preun, the Arch package's pacman hook with AbortOnFail); without the line it goes.
removal_refused() {
  local root=$tmp/root-$1 log=$tmp/$1-removal.log line="auth  required  pam_sshotp.so"
  make_root "$root"
  "$1_install" "$root" >"$log" 2>&1 || { tail -n 20 "$log"; echo "  cannot install"; return 1; }
  echo "$line" >"$root/etc/pam.d/sshd"
  ! "$1_remove" "$root" >>"$log" 2>&1 || { echo "  removed although a PAM service loads it"; return 1; }
  "$1_installed" "$root" >/dev/null 2>&1 || { echo "  the package went anyway"; return 1; }
  grep -F "/etc/pam.d/sshd:1: $line" "$log" | sed 's/^/    | /'
  grep -qF "/etc/pam.d/sshd:1: $line" "$log" || { echo "  the refusal names no line"; return 1; }
  rm "$root/etc/pam.d/sshd"
  "$1_remove" "$root" >>"$log" 2>&1 || { tail -n 20 "$log"; echo "  not removed"; return 1; }
  ! "$1_installed" "$root" >/dev/null 2>&1
}
if removal_refused rpm; then
  pass "rpm -e refused (%preun) while a PAM service loads the module, done once none does"
else
  fail "the RPM's removal check (rpm -e in a root of its own)"
fi
if removal_refused arch; then
  pass "pacman -R refused (the hook) while a PAM service loads the module, done once none does"
else
  fail "the Arch package's removal check (pacman -R in a root of its own)"
fi

echo "$passes passed, $failures failed"
[[ $failures == 0 ]]
