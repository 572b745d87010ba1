#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of `sshotp-enroll sshd-config --install` where the drop-in takes effect, in a private
# sshd_config.d under a private main config laid out like Debian's (see sshd_config_lib.sh),
# judged by the real sshd -t and sshd -T: a good install (the example drop-in, mode 0644, the
# main file's later "KbdInteractiveAuthentication no" overridden), a real group member and
# non-member (a throwaway group and user, removed on exit), a missing and an empty group, the
# root and /etc/pam.d/sshd warnings, the audit lines, and who may install. What sshd refuses or
# overrides, and the rollback, is test_sshd_config_rollback.sh. Nothing under /etc/ssh or
# /etc/pam.d is touched. Needs root, sshd and a private mount namespace (for /run/sshd), or the
# test exits 77.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"
# shellcheck source=tests/cli/sshd_config_lib.sh
. "$CLI_DIR/sshd_config_lib.sh"

PLAIN_DETAILS="authenticationmethods publickey,keyboard-interactive:pam, \
kbdinteractiveauthentication yes, passwordauthentication no, usepam yes"
OUTSIDE_DETAILS="authenticationmethods any, kbdinteractiveauthentication no, \
passwordauthentication no, usepam yes"

setup_work
need_sshd "sshd-config --install"
private_sshd_layout
throwaway_accounts

# install_with_pam FILE ARGS...: install_dropin ARGS with FILE as the PAM service file.
install_with_pam() {
  saved_pam_file=$PAM_FILE
  PAM_FILE=$1
  shift
  install_dropin "$@"
  PAM_FILE=$saved_pam_file
}

# expect_effective USER KEYWORD VALUE: the real sshd -T agrees, independently of the CLI.
expect_effective() {
  # shellcheck disable=SC2086
  got=$($RUN_SSHD "$SSHD" -T -f "$MAIN" -C "user=$1,host=localhost,addr=127.0.0.1" \
    2>/dev/null | sed -n "s/^$2 //p")
  [ "$got" = "$3" ] && return 0
  note "sshd -T: $2 for $1 is '$got', expected '$3'"
  return 1
}

# --------------------------------------------------------------------------------------------
# A good install

install_for_everyone() {
  fresh_layout
  install_dropin
  expect_rc 0 || return 1
  cmp -s "$TARGET" "$EXAMPLES/sshd_config.d/20-sshotp.conf" ||
    { note "the installed file is not the example"; return 1; }
  expect_mode "$TARGET" 644 || return 1
  expect_only_files "$DROPINS" 20-sshotp.conf || return 1
  expect_in out "wrote $TARGET" && expect_in out "sshd -t: the configuration is valid" &&
    expect_in out "nobody (any user): $PLAIN_DETAILS" || return 1
  # The main file's later "KbdInteractiveAuthentication no" loses to the drop-in.
  expect_effective nobody kbdinteractiveauthentication yes &&
    expect_effective nobody authenticationmethods publickey,keyboard-interactive:pam || return 1
  # Under the default PermitRootLogin root can never finish keyboard-interactive.
  expect_in err "warning: root can no longer log in over SSH" || return 1
  # The example PAM file draws no warning.
  expect_not_in err "$PAM_FILE"
}

root_warning_only_when_shut_out() {
  fresh_layout "" 'PermitRootLogin yes\n'
  install_dropin
  expect_rc 0 && expect_not_in err "root can no longer log in"
}

# --------------------------------------------------------------------------------------------
# Groups: a real member and a real non-member

install_for_group() {
  fresh_layout
  install_dropin --group "$GROUP"
  expect_rc 0 || return 1
  expect_in out "$MEMBER (member of $GROUP): $PLAIN_DETAILS" &&
    expect_in out "nobody (not in $GROUP): $OUTSIDE_DETAILS" || return 1
  expect_effective "$MEMBER" authenticationmethods publickey,keyboard-interactive:pam &&
    expect_effective "$MEMBER" kbdinteractiveauthentication yes &&
    expect_effective nobody authenticationmethods any &&
    expect_effective nobody kbdinteractiveauthentication no || return 1
  enroll sshd-config --group "$GROUP" </dev/null
  cmp -s "$TARGET" "$WORK/out" || { note "the installed file is not the render"; return 1; }
}

unknown_or_empty_group() {
  fresh_layout
  install_dropin --group "sshotp-missing$$"
  expect_rc 1 && expect_in err "group sshotp-missing$$ does not exist" || return 1
  [ ! -e "$TARGET" ] || { note "written for a missing group"; return 1; }
  install_dropin --group "$EMPTY_GROUP"
  expect_rc 0 && expect_in err "group $EMPTY_GROUP has no members yet" &&
    expect_in out "nobody (not in $EMPTY_GROUP): $OUTSIDE_DETAILS"
}

# --------------------------------------------------------------------------------------------
# /etc/pam.d/sshd warnings

# pam_file_warns TEXT EXPECTED...: installing with TEXT as the PAM service file succeeds and
# warns with every EXPECTED text (none: no PAM warning at all).
pam_file_warns() {
  printf '%b' "$1" >"$WORK/pam.d/sshd"
  shift
  install_with_pam "$WORK/pam.d/sshd"
  expect_rc 0 || return 1
  if [ $# -eq 0 ]; then
    expect_not_in err "$WORK/pam.d/sshd"
    return
  fi
  for text in "$@"; do
    expect_in err "warning: $WORK/pam.d/sshd$text" || return 1
  done
}

pam_warnings() {
  fresh_layout
  pam_file_warns '@include common-auth\naccount required pam_nologin.so\n' \
    " has no 'auth ... pam_sshotp.so' line" \
    " line 1 still asks for a password (common-auth)" || return 1
  pam_file_warns 'auth required pam_sshotp.so\nauth [success=1 default=ignore] pam_unix.so\n' \
    " line 2 still asks for a password (pam_unix.so)" || return 1
  pam_file_warns 'auth       substack     password-auth\nauth required pam_sshotp.so\n' \
    " line 1 still asks for a password (password-auth)" || return 1
  # Commented out, and a full module path with a trailing comment: no warning.
  commented='# @include common-auth\n#auth required pam_unix.so\n'
  pam_file_warns "$commented-auth required /lib/security/pam_sshotp.so # the code\n" || return 1
  rm -f "$WORK/pam.d/sshd"
  install_with_pam "$WORK/pam.d/sshd"
  expect_rc 0 && expect_in err "cannot read $WORK/pam.d/sshd"
}

pam_examples_draw_no_warning() {
  fresh_layout
  for example in "$EXAMPLES"/pam.d/*; do
    install_with_pam "$example"
    expect_rc 0 || return 1
    expect_not_in err "$example" || return 1
  done
}

# --------------------------------------------------------------------------------------------
# Audit lines and permissions

# One syslog line per --install, with the outcome; captured in a private namespace (see
# in_private_root in cli_lib.sh) that also provides /run/sshd.
audit_lines() {
  for outcome in ok rolled-back; do
    fresh_layout
    [ "$outcome" = ok ] || printf 'KbdInteractiveAuthentication no\n' >"$DROPINS/10-x.conf"
    in_private_root /bin/sh -ec "$PRIVSEP_DIR_SH" audit "$PY" "$CLI_DIR/syslog_capture.py" \
      /dev/log -- "$ENROLL" sshd-config --install --sshd-config-dir "$DROPINS" --sshd "$SSHD" \
      --sshd-main-config "$MAIN" --pam-service-file "$PAM_FILE" </dev/null >"$WORK/out" || true
    grep '^syslog: ' "$WORK/out" >"$WORK/syslog"
    grep -q "sshotp-enroll\[[0-9]*\]: action=sshd-config user=- by_uid=0 result=$outcome\$" \
      "$WORK/syslog" && [ "$(wc -l <"$WORK/syslog")" -eq 1 ] && continue
    note "expected one syslog line with result=$outcome:"
    sed 's/^/    /' "$WORK/out" "$WORK/namespace.err"
    return 1
  done
}

# Installed setuid root (see enroll/setuid/privilege.h), the command must still act as its caller:
# --output cannot write where the caller may not, --install is refused.
setuid_copy_acts_as_caller() {
  cp "$NOBODY_ENROLL" "$WORK/bin/sshotp-enroll-suid" && chmod 4755 "$WORK/bin/sshotp-enroll-suid" &&
    mkdir -m 700 "$WORK/root-only" || return 1
  for args in "--output $WORK/root-only/x.conf" "--install --sshd-config-dir $WORK/root-only"; do
    rc=0
    # shellcheck disable=SC2086  # word splitting is the point
    setsid -w setpriv --reuid=nobody --regid=nogroup --clear-groups \
      "$WORK/bin/sshotp-enroll-suid" sshd-config $args </dev/null >"$WORK/out" 2>"$WORK/err" ||
      rc=$?
    [ "$rc" -ne 0 ] || { note "as nobody, setuid: $args succeeded"; return 1; }
  done
  expect_rc 4 || return 1
  [ -z "$(ls -A "$WORK/root-only")" ] || { note "a setuid copy wrote for nobody"; return 1; }
}

install_needs_root() {
  copy_enroll_for_nobody
  rc=0
  setsid -w setpriv --reuid=nobody --regid=nogroup --clear-groups "$NOBODY_ENROLL" \
    sshd-config --install --sshd-config-dir "$WORK/nobody.d" </dev/null >"$WORK/out" \
    2>"$WORK/err" || rc=$?
  expect_rc 4 && expect_in err "permission denied (only root may do this)" &&
    [ ! -e "$WORK/nobody.d" ]
}

run_case "--install for everyone: the example, mode 0644, sshd -T agrees, root warned" \
  install_for_everyone
run_case "--install: no root warning with PermitRootLogin yes" root_warning_only_when_shut_out
run_case "--install --group: sshd -T for a real member and a non-member" install_for_group
run_case "--install --group: a missing group exits 1, a group without members is noted" \
  unknown_or_empty_group
run_case "PAM warnings: no pam_sshotp, common-auth, pam_unix, password-auth, unreadable" \
  pam_warnings
run_case "the example PAM files (Debian, Arch, Fedora) draw no warning" \
  pam_examples_draw_no_warning
if private_root_available; then
  run_case "one syslog line per --install: result=ok and result=rolled-back" audit_lines
else
  skip_case "syslog lines" "no private mount namespace: $(cat "$WORK/namespace.err")"
fi
run_case "--install as a user other than root exits 4 and writes nothing" install_needs_root
run_case "a setuid-root copy run by nobody writes nothing as root" setuid_copy_acts_as_caller

finish
