# SPDX-License-Identifier: BSD-3-Clause
# Helpers of the `sshotp-enroll sshd-config` tests (test_sshd_config.sh,
# test_sshd_config_install.sh, test_sshd_config_rollback.sh): what running the real sshd -t and
# sshd -T needs (root, sshd, and /run/sshd, made in a private mount namespace where the machine
# has none), a private sshd_config.d under a private main config laid out like Debian's (the
# Include first, then the main file's own "KbdInteractiveAuthentication no"), a throwaway group
# with one member and one without (removed on exit), and `sshd-config --install` into that
# layout. Nothing under /etc/ssh or /etc/pam.d is touched. Sourced after cli_lib.sh.
# $WORK and the like come from cli_lib.sh; $rc, $TARGET and the like are read by the tests.
# shellcheck shell=sh disable=SC2154,SC2034

SSHD=${SSHD:-/usr/sbin/sshd}
EXAMPLES="$SSHOTP_SRCDIR/examples"

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

# stop_without WHAT REASON: WHAT is skipped for REASON, and the test ends: exit 77, or 1 if a
# case before failed.
stop_without() {
  skip_case "$1" "$2"
  finish || exit 1
  exit 77
}

# need_sshd WHAT: stops (see stop_without) unless sshd -t and -T can run here. Sets RUN_SSHD, the
# command prefix that provides /run/sshd (empty where the machine has it and no private mount
# namespace can be made).
need_sshd() {
  [ "$(id -u)" -eq 0 ] || stop_without "$1" "needs root"
  [ -x "$SSHD" ] || stop_without "$1" "no sshd at '$SSHD'"
  # sshd -t wants /run/sshd; a private /run provides it without touching the machine's.
  if with_sshd_privsep_dir /bin/true 2>/dev/null; then
    RUN_SSHD=with_sshd_privsep_dir
  elif [ -d /run/sshd ]; then
    RUN_SSHD=
  else
    stop_without "$1" "no /run/sshd and no private mount namespace to make one"
  fi
}

# private_sshd_layout: $SSH_DIR with a host key, an empty sshd_config.d ($DROPINS) for the
# drop-in $TARGET, the main config's path ($MAIN, see write_main_config), $WORK/pam.d, and
# $PAM_FILE, the PAM service file --install checks.
private_sshd_layout() {
  SSH_DIR="$WORK/ssh"
  DROPINS="$SSH_DIR/sshd_config.d"
  MAIN="$SSH_DIR/sshd_config"
  TARGET="$DROPINS/20-sshotp.conf"
  PAM_FILE="$EXAMPLES/pam.d/sshd"
  mkdir -p "$DROPINS" "$WORK/pam.d" && ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_key" ||
    exit 99
}

# throwaway_accounts: a throwaway group $GROUP with one member $MEMBER, and a group without
# members $EMPTY_GROUP; nobody is in neither. All three are removed on exit, with $WORK.
throwaway_accounts() {
  GROUP="sshotp-g$$"
  EMPTY_GROUP="sshotp-e$$"
  MEMBER="sshotp-u$$"
  trap 'remove_accounts; rm -rf "$WORK"' EXIT
  groupadd "$GROUP" && groupadd "$EMPTY_GROUP" &&
    useradd -M -N -s /usr/sbin/nologin -G "$GROUP" "$MEMBER" || exit 99
}

remove_accounts() {
  userdel "$MEMBER" 2>/dev/null
  groupdel "$GROUP" 2>/dev/null
  groupdel "$EMPTY_GROUP" 2>/dev/null
}

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
