#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Tests of `sshotp-enroll sshd-config`, the sshd drop-in that asks for a key and then a code:
# the rendered drop-ins are byte for byte the shipped examples (which are thereby the golden
# files), --output replaces a file atomically with mode 0644, bad arguments exit 2, and every
# example drop-in passes sshd -t. --install is exercised in a private sshd_config.d under a
# private main config laid out like Debian's (the Include first, then the main file's own
# "KbdInteractiveAuthentication no"), judged by the real sshd -t and sshd -T: a good install,
# earlier drop-ins and main-config lines that override it (named in the message, the previous
# file restored byte for byte or removed), an invalid configuration, a real group member and
# non-member (a throwaway group and user, removed on exit), the /etc/pam.d/sshd warnings, and the
# audit lines. Nothing under /etc/ssh or /etc/pam.d is touched. --install needs root, sshd and
# a private mount namespace (for /run/sshd): without them the other cases run and the test
# exits 77.

# shellcheck source=tests/cli/cli_lib.sh
. "${SSHOTP_SRCDIR:?}/tests/cli/cli_lib.sh"

SSHD=${SSHD:-/usr/sbin/sshd}
EXAMPLES="$SSHOTP_SRCDIR/examples"
PLAIN_DETAILS="authenticationmethods publickey,keyboard-interactive:pam, \
kbdinteractiveauthentication yes, passwordauthentication no, usepam yes"
OUTSIDE_DETAILS="authenticationmethods any, kbdinteractiveauthentication no, \
passwordauthentication no, usepam yes"

setup_work

# --------------------------------------------------------------------------------------------
# Rendering and --output (no root needed)

# expect_only_files DIR NAME...: DIR holds exactly the NAMEs (no temporary file left behind).
expect_only_files() {
  dir=$1
  shift
  found=$(find "$dir" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ')
  wanted=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
  [ "$found" = "$wanted" ] && return 0
  note "$dir holds: $found; expected: $wanted"
  return 1
}

# renders_example EXAMPLE [ARGS...]: `sshd-config ARGS` prints exactly the example drop-in
# examples/sshd_config.d/EXAMPLE.
renders_example() {
  example=$1
  shift
  enroll sshd-config "$@" </dev/null
  expect_rc 0 || return 1
  cmp -s "$WORK/out" "$EXAMPLES/sshd_config.d/$example" && return 0
  note "the output differs from examples/sshd_config.d/$example:"
  diff "$EXAMPLES/sshd_config.d/$example" "$WORK/out" | sed 's/^/    /'
  return 1
}

usage_errors_exit_2() {
  set -f  # "a*b" is an argument here, not a glob
  while read -r args; do
    # shellcheck disable=SC2086  # word splitting is the point
    enroll sshd-config $args </dev/null
    expect_rc 2 || { note "arguments: $args"; set +f; return 1; }
    expect_in err "sshotp-enroll: " || { set +f; return 1; }
  done <<EOF
--group a,b
--group -x
--group .x
--group a*b
--group !wheel
--group=
--group
--output $WORK/never.conf --install
--sshd /usr/sbin/sshd
--pam-service-file /etc/pam.d/sshd --output $WORK/never.conf
--install --sshd usr/sbin/sshd
--install --sshd-config-dir relative/dir
unexpected
--bogus
EOF
  set +f
  for group in "a b" "$(printf 'wheel\nMatch all')" "$(head -c 65 /dev/zero | tr '\0' g)"; do
    enroll sshd-config --group "$group" </dev/null
    expect_rc 2 || { note "group: $group"; return 1; }
  done
  [ ! -e "$WORK/never.conf" ] || { note "a usage error wrote a file"; return 1; }
}

output_is_atomic_and_0644() {
  dir="$WORK/output"
  mkdir -p "$dir" && printf 'old\n' >"$dir/20-sshotp.conf" || return 1
  before=$(stat -c %i "$dir/20-sshotp.conf")
  enroll sshd-config --group otpusers --output "$dir/20-sshotp.conf" </dev/null
  expect_rc 0 && expect_in out "wrote $dir/20-sshotp.conf" || return 1
  cmp -s "$dir/20-sshotp.conf" "$EXAMPLES/sshd_config.d/20-sshotp-group.conf" ||
    { note "--output wrote something else than the render"; return 1; }
  expect_mode "$dir/20-sshotp.conf" 644 || return 1
  [ "$(stat -c %i "$dir/20-sshotp.conf")" != "$before" ] ||
    { note "the file was rewritten in place instead of renamed over"; return 1; }
  enroll sshd-config --output "$dir/new.conf" </dev/null
  expect_rc 0 && expect_mode "$dir/new.conf" 644 || return 1
  expect_only_files "$dir" 20-sshotp.conf new.conf || return 1
  enroll sshd-config --output "$WORK/no-such-dir/x.conf" </dev/null
  expect_rc 1 && expect_in err "$WORK/no-such-dir"
}

run_case "sshd-config prints examples/sshd_config.d/20-sshotp.conf" renders_example 20-sshotp.conf
run_case "sshd-config --group otpusers prints examples/sshd_config.d/20-sshotp-group.conf" \
  renders_example 20-sshotp-group.conf --group otpusers
run_case "bad groups, paths, option mixes and operands exit 2 and write nothing" \
  usage_errors_exit_2
run_case "--output replaces atomically (new inode, no temp file left), mode 0644" \
  output_is_atomic_and_0644

# --------------------------------------------------------------------------------------------
# Preconditions of everything that runs sshd

stop_without() {
  skip_case "sshd -t of the examples and --install" "$1"
  finish || exit 1
  exit 77
}
[ "$(id -u)" -eq 0 ] || stop_without "needs root"
[ -x "$SSHD" ] || stop_without "no sshd at '$SSHD'"
# sshd -t wants /run/sshd; a private /run provides it without touching the machine's.
if with_sshd_privsep_dir /bin/true 2>/dev/null; then
  RUN_SSHD=with_sshd_privsep_dir
elif [ -d /run/sshd ]; then
  RUN_SSHD=
else
  stop_without "no /run/sshd and no private mount namespace to make one"
fi

SSH_DIR="$WORK/ssh"
DROPINS="$SSH_DIR/sshd_config.d"
MAIN="$SSH_DIR/sshd_config"
TARGET="$DROPINS/20-sshotp.conf"
PAM_FILE="$EXAMPLES/pam.d/sshd"
mkdir -p "$DROPINS" "$WORK/pam.d" && ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_key" ||
  exit 99

# A throwaway group with one member, and a group without members; nobody is in neither.
GROUP="sshotp-g$$"
EMPTY_GROUP="sshotp-e$$"
MEMBER="sshotp-u$$"
remove_accounts() {
  userdel "$MEMBER" 2>/dev/null
  groupdel "$GROUP" 2>/dev/null
  groupdel "$EMPTY_GROUP" 2>/dev/null
}
trap 'remove_accounts; rm -rf "$WORK"' EXIT
groupadd "$GROUP" && groupadd "$EMPTY_GROUP" &&
  useradd -M -N -s /usr/sbin/nologin -G "$GROUP" "$MEMBER" || exit 99

# write_main_config [ABOVE] [BELOW]: Debian's layout, with ABOVE before the Include and BELOW at
# the end (both printf %b text).
write_main_config() {
  {
    printf '%b' "${1:-}"
    printf 'Include "%s/*.conf"\nKbdInteractiveAuthentication no\n' "$DROPINS"
    printf 'HostKey %s/host_key\nPidFile %s/sshd.pid\n' "$SSH_DIR" "$SSH_DIR"
    printf '%b' "${2:-}"
  } >"$MAIN"
}

# fresh_layout [ABOVE] [BELOW]: an empty sshd_config.d and a main config as above.
fresh_layout() {
  rm -f "$DROPINS"/* "$DROPINS"/.[!.]* && write_main_config "$@"
}

# install_dropin ARGS...: sshd-config --install ARGS into the private layout.
install_dropin() {
  rc=0
  # shellcheck disable=SC2086  # an empty RUN_SSHD runs the command directly
  $RUN_SSHD "$ENROLL" sshd-config --install --sshd-config-dir "$DROPINS" --sshd "$SSHD" \
    --sshd-main-config "$MAIN" --pam-service-file "$PAM_FILE" "$@" </dev/null >"$WORK/out" \
    2>"$WORK/err" || rc=$?
}

# install_with_pam FILE ARGS...: the same with FILE as the PAM service file.
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

# keep_previous TEXT MODE: an existing 20-sshotp.conf that a failed install must leave alone.
keep_previous() {
  printf '%b' "$1" >"$TARGET" && chmod "$2" "$TARGET" && cp -p "$TARGET" "$WORK/previous"
}

expect_previous_restored() {
  expect_in err "restored the previous $TARGET" || return 1
  cmp -s "$TARGET" "$WORK/previous" || { note "$TARGET is not byte-identical"; return 1; }
  expect_mode "$TARGET" "$(stat -c %a "$WORK/previous")" || return 1
  [ -z "$(find "$DROPINS" -mindepth 1 -name '.*')" ] ||
    { note "a temporary file was left"; return 1; }
}

expect_removed_again() {
  expect_in err "removed $TARGET again" || return 1
  [ ! -e "$TARGET" ] || { note "$TARGET is still there"; return 1; }
}

# --------------------------------------------------------------------------------------------
# The examples and a good install

examples_pass_sshd_t() {
  for example in "$EXAMPLES"/sshd_config.d/*.conf; do
    printf 'Include "%s"\nHostKey %s/host_key\nPidFile %s/sshd.pid\n' "$example" "$SSH_DIR" \
      "$SSH_DIR" >"$WORK/example_config"
    rc=0
    # shellcheck disable=SC2086
    $RUN_SSHD "$SSHD" -t -f "$WORK/example_config" >"$WORK/out" 2>"$WORK/err" || rc=$?
    expect_rc 0 || { note "sshd -t fails with $example"; return 1; }
  done
}

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
# Overrides and invalid configurations: rolled back, the culprit named

# A global "no" in an earlier drop-in wins and disables the method AuthenticationMethods needs:
# sshd -t itself fails. Both spellings (ChallengeResponseAuthentication is the old alias).
earlier_dropin_breaks_sshd_t() {
  for line in "KbdInteractiveAuthentication no" "ChallengeResponseAuthentication no"; do
    fresh_layout
    keep_previous '# an older drop-in, kept byte for byte\nUsePAM yes\n' 640
    printf '%s\n' "$line" >"$DROPINS/10-x.conf"
    install_dropin
    expect_rc 1 && expect_in err "sshd -t rejects the configuration" &&
      expect_in err "$DROPINS/10-x.conf line 1 '$line' comes first" || return 1
    expect_previous_restored || return 1
  done
}

# sshd -t passes (Match blocks are checked only per connection), sshd -T tells.
earlier_match_overrides() {
  fresh_layout
  printf 'Match User nobody\n    AuthenticationMethods any\n' >"$DROPINS/10-x.conf"
  install_dropin
  expect_rc 1 &&
    expect_in err "for nobody (any user) sshd uses 'authenticationmethods any'" &&
    expect_in err "overridden by $DROPINS/10-x.conf line 2 'AuthenticationMethods any'" &&
    expect_in err "'AuthenticationMethods any' under 'Match User nobody'" || return 1
  expect_removed_again
}

main_config_above_include_overrides() {
  fresh_layout 'PasswordAuthentication yes\nUsePAM no\n'
  install_dropin
  expect_rc 1 && expect_in err "sshd uses 'passwordauthentication yes', not 'no'" &&
    expect_in err "overridden by $MAIN line 1 'PasswordAuthentication yes'" &&
    expect_in err "sshd uses 'usepam no', not 'yes'" &&
    expect_in err "overridden by $MAIN line 2 'UsePAM no'" || return 1
  expect_removed_again
}

not_included_is_explained() {
  fresh_layout
  sed -i '/^Include /d' "$MAIN"
  install_dropin
  expect_rc 1 && expect_in err "$MAIN does not include $TARGET" && expect_removed_again
}

invalid_main_config_rolls_back() {
  fresh_layout
  install_dropin
  expect_rc 0 && cp -p "$TARGET" "$WORK/previous" || return 1
  write_main_config "" 'NoSuchKeyword yes\n'
  install_dropin --group "$GROUP"
  expect_rc 1 && expect_in err "sshd -t rejects the configuration" &&
    expect_in err "NoSuchKeyword" && expect_previous_restored
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

group_match_overrides() {
  fresh_layout
  keep_previous '# previous\n' 644
  printf 'Match Group %s\n    KbdInteractiveAuthentication no\n' "$GROUP" >"$DROPINS/10-x.conf"
  install_dropin --group "$GROUP"
  expect_rc 1 &&
    expect_in err "for $MEMBER (member of $GROUP) sshd uses 'kbdinteractiveauthentication no'" &&
    expect_in err "$DROPINS/10-x.conf line 2 'KbdInteractiveAuthentication no' under" &&
    expect_in err "'KbdInteractiveAuthentication no' under 'Match Group $GROUP'" || return 1
  expect_previous_restored
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

run_case "every example drop-in passes sshd -t" examples_pass_sshd_t
run_case "--install for everyone: the example, mode 0644, sshd -T agrees, root warned" \
  install_for_everyone
run_case "--install: no root warning with PermitRootLogin yes" root_warning_only_when_shut_out
run_case "earlier KbdInteractive/ChallengeResponse no: sshd -t fails, named, restored" \
  earlier_dropin_breaks_sshd_t
run_case "an earlier Match block overriding AuthenticationMethods: named, new file removed" \
  earlier_match_overrides
run_case "PasswordAuthentication yes, UsePAM no above the Include: named, new file removed" \
  main_config_above_include_overrides
run_case "a main config that does not include sshd_config.d: explained, removed" \
  not_included_is_explained
run_case "an invalid main config: sshd -t fails, the previous file is byte-identical" \
  invalid_main_config_rolls_back
run_case "--install --group: sshd -T for a real member and a non-member" install_for_group
run_case "an earlier Match Group block overriding the member's settings: named, restored" \
  group_match_overrides
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
