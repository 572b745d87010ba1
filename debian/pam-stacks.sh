# pam_stacks_using_module: prints "FILE:LINE: TEXT" for each line of a PAM service in $pamdir
# (/etc/pam.d) that loads this package's module, $moduledir/pam_sshotp.so: a module line (auth,
# account, session or password, with or without the leading "-") whose module path is
# pam_sshotp.so under libpam's module directory (the usual bare "pam_sshotp.so") or names that
# file by another path.
# Lines are read as libpam reads them: "#" starts a comment, a trailing "\" continues the line.
# A module path elsewhere (a `make install` into /usr/local, a build tree) is not this package's.
# Backup files (*~, *.dpkg-*, *.ucf-*, *.rpmsave, *.rpmnew, *.orig, *.bak, *.save) are no
# services. Only POSIX sh and coreutils (tr, stat): maintainer scripts may rely on essential
# packages only. (Shared by prerm and postrm: dh_installdeb inserts this file for #PAM_STACKS#,
# see debian/rules; tests/package/test_pam_stacks.sh tests it.)
# shellcheck shell=sh
# shellcheck disable=SC2154 # pamdir and moduledir are set by the script that includes this
pam_stacks_using_module() {
  module_dir_id=$(stat -L -c %d:%i "$moduledir" 2>/dev/null) || return 0
  for service in "$pamdir"/*; do
    case $service in *~ | *.dpkg-* | *.ucf-* | *.rpmsave | *.rpmnew | *.orig | *.bak | *.save)
      continue ;;
    esac
    [ -f "$service" ] || continue
    number=0
    start=0
    joined=
    while IFS= read -r raw || [ -n "$raw" ]; do
      number=$((number + 1))
      [ -n "$joined" ] || start=$number
      raw=${raw%%#*}
      case $raw in
        *\\)
          joined="$joined${raw%\\} "
          continue
          ;;
      esac
      joined="$joined$raw"
      text=$joined
      joined=
      set -f
      # shellcheck disable=SC2086 # split into words as libpam does
      set -- $text
      set +f
      [ $# -ge 3 ] || continue
      type=$(printf '%s' "${1#-}" | tr '[:upper:]' '[:lower:]')
      case $type in auth | account | session | password) ;; *) continue ;; esac
      shift
      case $1 in
        \[*)
          while [ $# -gt 1 ]; do
            case $1 in *\]) shift; break ;; esac
            shift
          done
          ;;
        *) shift ;;
      esac
      [ $# -ge 1 ] || continue
      case $1 in /*) candidate=$1 ;; *) candidate=$moduledir/$1 ;; esac
      [ "${candidate##*/}" = pam_sshotp.so ] || continue
      if [ "$(stat -L -c %d:%i "${candidate%/*}" 2>/dev/null)" = "$module_dir_id" ]; then
        printf '%s:%s: %s\n' "$service" "$start" "$text"
      fi
    done <"$service"
  done
  return 0
}
