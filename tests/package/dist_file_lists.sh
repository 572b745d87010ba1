# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The file lists of tests/package/test_dist_packages.sh: each format's two packages (pam_sshotp
# and its PostgreSQL plugin) read into one list of "MODE OWNER:GROUP /PATH PACKAGE" lines, and
# that list under the names of THE TABLE below, which maps the documented differences between
# Debian, RPM and Arch, so that what remains must be the same in all three. Expects deb, pg_deb,
# rpm_file, pg_rpm_file, pkg, pg_pkg (the built packages) and tmp (a scratch directory).
# shellcheck disable=SC2154 # those, set by test_dist_packages.sh

# tar_files ROLE: "MODE OWNER:GROUP /PATH ROLE" for each file of the tar archive on stdin, and
# for the directories named in $keep_dirs (the others say nothing the files do not); makepkg's
# metadata (.PKGINFO, .BUILDINFO, .MTREE, .INSTALL) left out.
keep_dirs=/var/lib/sshotp
tar_files() {
  python3 -c '
import sys, tarfile
keep = set(sys.argv[1].split())
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as archive:
    for entry in archive:
        name = entry.name[2:] if entry.name.startswith("./") else entry.name
        path = "/" + name.rstrip("/")
        if path == "/" or (path.startswith("/.") and "/" not in path[1:]):
            continue
        if entry.isdir() and path not in keep:
            continue
        print("%o %s:%s %s %s" % (entry.mode & 0o7777, entry.uname, entry.gname, path, sys.argv[2]))
' "$keep_dirs" "$1"
}

# rpm_files ROLE RPM: the same for an .rpm.
rpm_files() {
  rpm -qp --qf '[%{FILEMODES:octal} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$2" \
    2>/dev/null | awk -v keep=" $keep_dirs " -v role="$1" '
    { type = substr($1, 1, length($1) - 4); mode = substr($1, length($1) - 3) + 0 }
    type == "4" && index(keep, " " $3 " ") == 0 { next }
    { print mode, $2, $3, role }'
}

# raw_lists: TMP/deb.raw, rpm.raw and arch.raw, each format's two packages in one list.
raw_lists() {
  {
    dpkg-deb --fsys-tarfile "$deb" | tar_files main
    dpkg-deb --fsys-tarfile "$pg_deb" | tar_files postgresql
    # The Debian package makes the store's directory in its postinst (so that
    # dpkg-statoverride applies to it), where the others ship it.
    if dpkg-deb -I "$deb" postinst | grep -q 'mkdir -m 0700 /var/lib/sshotp'; then
      echo "700 root:root /var/lib/sshotp main"
    fi
  } | sort -k3 >"$tmp/deb.raw"
  { zstd -dc "$pkg" | tar_files main && zstd -dc "$pg_pkg" | tar_files postgresql; } |
    sort -k3 >"$tmp/arch.raw"
  { rpm_files main "$rpm_file" && rpm_files postgresql "$pg_rpm_file"; } | sort -k3 >"$tmp/rpm.raw"
}

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
rpm_libdir=$(rpm --eval '%{_libdir}')
rpm_sbindir=$(rpm --eval '%{_sbindir}')
ddoc=/usr/share/doc/libpam-sshotp
pg_ddoc=/usr/share/doc/libpam-sshotp-postgresql
doc=/usr/share/doc/pam_sshotp

# THE TABLE: every documented difference between the three formats, and nothing else; whatever
# it does not name must be the same in all three: path, mode, owner and package (main or
# postgresql, which each format's two packages are compared as). One row a difference:
#   name    a path (or a path prefix, ending in /) that each package has at its own place: its
#           files are compared under this name. Exact paths before the prefixes that hold them.
#   "-"     files only some packages have: each path named must be there with the mode and owner
#           given ("-": that package has none), and is then left out of the comparison; mode "*":
#           any number of files below the prefix, with any mode (nothing required).
#   mode    "=": the same in every package; "D,R,A": each distribution's own (Debian, RPM, Arch).
# Man pages need no row: dh_compress, rpm's brp-compress and makepkg's zipman all gzip them.
dist_table() {
  cat <<EOF
# name            mode          Debian (.deb)                          RPM (.rpm)                              Arch (.pkg.tar.zst)
#
# The module, in each libpam's module directory (Debian: /lib/<multiarch>/security). Debian
# policy makes shared libraries 0644 (dh_fixperms); rpm and makepkg keep libtool's 0755.
@pamdir/pam_sshotp.so 644,755,755 /lib/$multiarch/security/pam_sshotp.so $rpm_libdir/security/pam_sshotp.so /usr/lib/security/pam_sshotp.so
@pamdir/          =             /lib/$multiarch/security/              $rpm_libdir/security/                   /usr/lib/security/
# The PostgreSQL store plugin, where the module loads it from: \$(pkglibdir), in each libdir
# (Debian: /usr/lib/<multiarch>). Modes as for the module.
@pkglibdir/store_postgresql.so 644,755,755 /usr/lib/$multiarch/pam_sshotp/store_postgresql.so $rpm_libdir/pam_sshotp/store_postgresql.so /usr/lib/pam_sshotp/store_postgresql.so
# sshotp-enroll: Arch has no separate sbin; Fedora's %{_sbindir} is /usr/bin from Fedora 42 on.
@sbindir/         =             /usr/sbin/                             $rpm_sbindir/                           /usr/bin/
# The README: dh_compress gzips documentation over 4 KiB.
@doc/README.md    =             $ddoc/README.md.gz                     $doc/README.md                          $doc/README.md
# The licence: Debian's machine-readable copyright file; LICENSE elsewhere.
@license          =             $ddoc/copyright                        /usr/share/licenses/pam_sshotp/LICENSE  /usr/share/licenses/pam_sshotp/LICENSE
# The documentation directory is named after the package, which is libpam-sshotp on Debian.
@doc/             =             $ddoc/                                 $doc/                                   $doc/
# Debian only: the changelog and the lintian overrides.
-                 644:root:root $ddoc/changelog.gz                     -                                       -
-                 644:root:root /usr/share/lintian/overrides/libpam-sshotp -                                   -
# Debian only: the plugin package's own documentation directory (the others need none: their
# plugin package requires the main one, which carries the licence).
-                 644:root:root $pg_ddoc/changelog.gz                  -                                       -
-                 644:root:root $pg_ddoc/copyright                     -                                       -
# RPM only: the build-id links rpm adds for debuginfo lookups (one per ELF file, named by hash).
-                 *             -                                      /usr/lib/.build-id/                     -
# Removal refused while a PAM service loads the module: Debian's prerm holds the check itself;
# the RPM's %preun and the Arch package's pacman hook run this script.
-                 755:root:root -                                      /usr/libexec/pam_sshotp/removal-check   /usr/share/libalpm/scripts/pam_sshotp-removal-check
-                 644:root:root -                                      -                                       /usr/share/libalpm/hooks/pam_sshotp-removal.hook
EOF
}

# canonical COLUMN RAW_LIST: the list under the table's names (COLUMN 3 Debian, 4 RPM, 5 Arch),
# the package-only files left out; a "missing: ..." line for each package-only file that is
# absent or has another mode or owner.
canonical() {
  awk -v col="$1" '
    function is_prefix(p) { return substr(p, length(p)) == "/" }
    function under(path, p) { return is_prefix(p) ? substr(path, 1, length(p)) == p : path == p }
    NR == FNR {
      if ($0 ~ /^#/ || NF < 5 || $col == "-") next
      if ($1 == "-") { only[++n_only] = $col; only_mode[n_only] = $2; next }
      from[++n] = $col; to[n] = $1; mode[n] = $2; next
    }
    {
      path = $3; m = $1
      for (i = 1; i <= n_only; i++) {
        if (!under(path, only[i])) continue
        seen[i] = 1
        if (only_mode[i] != "*" && only_mode[i] != $1 ":" $2)
          print "missing: " only_mode[i] " " path " (the package has " $1 " " $2 ")"
        next
      }
      for (i = 1; i <= n; i++) {
        if (!under(path, from[i])) continue
        path = to[i] substr(path, length(from[i]) + 1)
        if (mode[i] != "=") { split(mode[i], modes, ","); if (m == modes[col - 2]) m = mode[i] }
        break
      }
      print m, $2, path, $4
    }
    END {
      for (i = 1; i <= n_only; i++)
        if (!(i in seen) && only_mode[i] != "*") print "missing: " only_mode[i] " " only[i]
    }
  ' <(dist_table) "$2" | sort -k3
}

# compare NAME LIST_A LIST_B: diff of two canonical lists; fails on any difference.
compare() {
  if diff -u --label "Debian" --label "$1" "$2" "$3" >"$tmp/diff"; then
    return 0
  fi
  sed 's/^/    /' "$tmp/diff"
  return 1
}
