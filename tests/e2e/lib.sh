# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The real-sshd harness shared by tests/e2e/test_sshd_login.sh and demo.sh: a private temp dir,
# a throwaway user and PAM service, an sshd on 127.0.0.1, an SSH_ASKPASS helper that answers
# from a file, the oathtool oracle, and one cleanup list run on every exit path.
#
# Sourced by bash scripts running as root. Everything it creates outside its temp dir is uniquely
# named (user, /etc/pam.d/<service>, and /run/sshd or /dev/log only when missing) and is undone
# at exit, so the machine is left as it was found. Secrets and codes only ever travel through
# 0600 files in the temp dir and stdin, never through argv or the environment.

# --- cleanup registry -----------------------------------------------------------------------

E2E_CLEANUPS=()

# e2e_on_exit CMD [ARGS...]: runs CMD at exit, in reverse order of registration. Every cleanup
# is registered *before* the thing it undoes is created (a signal can arrive between any two
# commands), so each one must cope with its object not existing.
e2e_on_exit() {
  E2E_CLEANUPS+=("$(printf '%q ' "$@")")
}

e2e_run_cleanups() {
  local status=$? i
  set +e
  trap '' INT TERM HUP
  for ((i = ${#E2E_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${E2E_CLEANUPS[i]}"
  done
  E2E_CLEANUPS=()
  return "$status"
}

e2e_warn() { printf '%s\n' "$*" >&2; }

# Harness failures (not test-case failures) exit 99: automake's "hard error".
e2e_die() {
  e2e_warn "error: $*"
  exit 99
}

# e2e_init PREFIX: creates the 0700 temp dir E2E_TMP and installs the exit traps.
e2e_init() {
  umask 077
  trap e2e_run_cleanups EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
  E2E_TMP=""
  e2e_on_exit e2e_remove_tmp
  E2E_TMP=$(mktemp -d "/tmp/$1.XXXXXXXX") || e2e_die "mktemp failed"
  chmod 0700 "$E2E_TMP"
}

# e2e_stop_child PID_VARIABLE: stops the background process whose pid the named variable holds
# (if any) and clears the variable, so a second call is harmless.
e2e_stop_child() {
  local -n child_pid=$1
  if [[ -n $child_pid ]]; then
    kill "$child_pid" 2>/dev/null
    wait "$child_pid" 2>/dev/null
  fi
  child_pid=""
}

e2e_remove_tmp() {
  [[ -n $E2E_TMP ]] && rm -rf "$E2E_TMP"
  return 0
}

# e2e_require_tools TOOL...: the harness's hard preconditions (a missing one is an error, not a
# skip: CI installs all of them).
e2e_require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || e2e_die "required tool not found: $tool"
  done
}

# --- user, keys, PAM service ----------------------------------------------------------------

# e2e_create_user NAME: a throwaway account with a home directory, deleted (with it) at exit.
# A system account, so no subordinate uid/gid ranges are allocated for it.
e2e_create_user() {
  local user=$1
  getent passwd "$user" >/dev/null && e2e_die "user $user already exists"
  e2e_on_exit e2e_delete_user "$user"
  useradd --system --create-home --user-group --shell /bin/sh "$user" ||
    e2e_die "useradd $user failed"
}

e2e_delete_user() {
  local user=$1 tries
  getent passwd "$user" >/dev/null || return 0
  # A session that just ended may still be exiting; userdel refuses while it runs.
  for ((tries = 0; tries < 5; tries++)); do
    userdel --remove "$user" 2>/dev/null && return 0
    getent passwd "$user" >/dev/null || return 0
    sleep 1
  done
  userdel --force --remove "$user" 2>/dev/null
  getent passwd "$user" >/dev/null && e2e_warn "warning: could not delete user $user"
  return 0
}

# e2e_new_key PATH: an ed25519 key pair without passphrase (PATH and PATH.pub).
e2e_new_key() {
  ssh-keygen -q -t ed25519 -N '' -C "pam_sshotp-e2e" -f "$1" || e2e_die "ssh-keygen $1 failed"
}

# e2e_authorize_key USER PUBKEY_FILE: the user's own ~/.ssh/authorized_keys, as on a real server.
# (sshd reads it with the user's uid, so it cannot live in the root-only temp dir.)
e2e_authorize_key() {
  local user=$1 pubkey=$2 home group
  home=$(getent passwd "$user" | cut -d: -f6)
  group=$(id -gn "$user")
  if ! install -d -m 0700 -o "$user" -g "$group" "$home/.ssh" ||
    ! install -m 0600 -o "$user" -g "$group" "$pubkey" "$home/.ssh/authorized_keys"; then
    e2e_die "cannot install authorized_keys for $user"
  fi
}

# e2e_install_pam_service SERVICE AUTH_LINE: writes /etc/pam.d/SERVICE (refusing to overwrite
# anything) with the given auth line, the stock Debian account stack and a no-op session, and
# removes it at exit. Existing files in /etc/pam.d are never touched.
e2e_install_pam_service() {
  local service=$1 auth_line=$2 file="/etc/pam.d/$1"
  [[ -e $file ]] && e2e_die "$file already exists"
  e2e_on_exit rm -f "$file"
  (
    set -o noclobber
    cat >"$file" <<EOF
# Written by pam_sshotp's tests/e2e/lib.sh for one throwaway sshd; deleted when it exits.
$auth_line
@include common-account
session  required  pam_permit.so
EOF
  ) || e2e_die "cannot write $file"
  chmod 0644 "$file"
}

# e2e_write_module_config FILE DB KEY_FILE: a pam_sshotp/sshotp-enroll config file.
e2e_write_module_config() {
  cat >"$1" <<EOF
# pam_sshotp settings for one throwaway sshd (tests/e2e/lib.sh).
db = $2
key_file = $3
# The default window: one 30 s step either side of now.
window = 1
EOF
  chmod 0644 "$1"
}

# --- sshd -----------------------------------------------------------------------------------

# sshd refuses to start without its privilege-separation directory, which only the ssh service
# creates; a container that never ran the service lacks it.
e2e_ensure_privsep_dir() {
  [[ -d /run/sshd ]] && return 0
  e2e_on_exit rmdir /run/sshd
  mkdir -m 0755 /run/sshd || e2e_die "cannot create /run/sshd"
}

# A random high port with nothing listening on it. sshd may still lose a race for it, which
# e2e_start_sshd handles by retrying.
e2e_pick_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
  printf '%s\n' "$port"
}

e2e_write_sshd_config() {
  local config=$1 port=$2 user=$3
  cat >"$config" <<EOF
# A throwaway sshd for pam_sshotp (tests/e2e/lib.sh). The authentication policy comes from the
# shipped example drop-in, so the example itself is what gets tested.
Include "$SSHOTP_SRCDIR/examples/sshd_config.d/20-sshotp.conf"

ListenAddress 127.0.0.1:$port
HostKey $E2E_TMP/ssh_host_ed25519_key
PidFile $E2E_TMP/sshd.pid
LogLevel VERBOSE
AllowUsers $user
PermitRootLogin no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
StrictModes yes
UseDNS no
PrintMotd no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
EOF
}

# e2e_start_sshd SERVICE USER: starts sshd on 127.0.0.1 (E2E_PORT) for USER only, using the PAM
# service SERVICE. Sets E2E_SSHD_PID and E2E_SSHD_LOG.
e2e_start_sshd() {
  local service=$1 user=$2 config="$E2E_TMP/sshd_config" attempts waited
  [[ -x ${SSHD:-} ]] || e2e_die "sshd not found (SSHD=${SSHD:-})"
  [[ -r $SSHOTP_SRCDIR/examples/sshd_config.d/20-sshotp.conf ]] ||
    e2e_die "missing examples/sshd_config.d/20-sshotp.conf under $SSHOTP_SRCDIR"
  e2e_ensure_privsep_dir
  # sshd 9.2 names its PAM service after argv[0]'s basename and must run by absolute path.
  E2E_SSHD_BIN="$E2E_TMP/$service"
  ln -s "$SSHD" "$E2E_SSHD_BIN" || e2e_die "cannot link $E2E_SSHD_BIN"
  ssh-keygen -q -t ed25519 -N '' -C e2e-host -f "$E2E_TMP/ssh_host_ed25519_key" ||
    e2e_die "cannot generate the host key"
  E2E_SSHD_LOG="$E2E_TMP/sshd.log"
  E2E_SSHD_PID=""
  e2e_on_exit e2e_stop_child E2E_SSHD_PID
  for ((attempts = 0; attempts < 10; attempts++)); do
    E2E_PORT=$(e2e_pick_port)
    e2e_write_sshd_config "$config" "$E2E_PORT" "$user"
    "$E2E_SSHD_BIN" -t -f "$config" || e2e_die "sshd -t rejected $config"
    : >"$E2E_SSHD_LOG"
    "$E2E_SSHD_BIN" -D -f "$config" -E "$E2E_SSHD_LOG" &
    E2E_SSHD_PID=$!
    for ((waited = 0; waited < 100; waited++)); do
      grep -q "Server listening on 127.0.0.1 port $E2E_PORT" "$E2E_SSHD_LOG" && return 0
      kill -0 "$E2E_SSHD_PID" 2>/dev/null || break
      sleep 0.1
    done
    e2e_stop_child E2E_SSHD_PID
    # Lost the port to someone else: try another. Anything else is a real error.
    grep -q "Address already in use" "$E2E_SSHD_LOG" || break
  done
  cat "$E2E_SSHD_LOG" >&2
  e2e_die "sshd did not start"
}

e2e_dump_sshd_log() {
  e2e_warn "---- last lines of the sshd log ($E2E_SSHD_LOG) ----"
  tail -n 40 "$E2E_SSHD_LOG" >&2
  if [[ -n ${E2E_SYSLOG:-} ]]; then
    e2e_warn "---- captured syslog ----"
    tail -n 20 "$E2E_SYSLOG" >&2
  fi
}

# --- syslog capture -------------------------------------------------------------------------

# pam_syslog writes to /dev/log. On a machine without a syslog daemon (a container, CI) nothing
# listens there, so the harness listens itself for as long as it runs and keeps the lines in
# E2E_SYSLOG. Where a real daemon owns /dev/log the lines go to it and E2E_SYSLOG stays empty.
# The listener removes its socket itself when stopped, or when the harness dies without
# stopping it (its parent changes).
e2e_capture_syslog() {
  E2E_SYSLOG=""
  [[ -e /dev/log || ! -x /usr/bin/python3 ]] && return 0
  local file="$E2E_TMP/syslog.txt" waited
  : >"$file"
  E2E_SYSLOG_PID=""
  e2e_on_exit e2e_stop_child E2E_SYSLOG_PID
  /usr/bin/python3 -c '
import os, signal, socket, sys
parent = os.getppid()
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind("/dev/log")
ours = os.stat("/dev/log").st_ino
def finish(*_):
    try:
        if os.stat("/dev/log").st_ino == ours:
            os.unlink("/dev/log")
    finally:
        os._exit(0)
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(sig, finish)
os.chmod("/dev/log", 0o666)
sock.settimeout(1)
with open(sys.argv[1], "ab", buffering=0) as out:
    while os.getppid() == parent:
        try:
            out.write(sock.recv(65536).rstrip(b"\0\n") + b"\n")
        except socket.timeout:
            pass
finish()
' "$file" 2>/dev/null &
  E2E_SYSLOG_PID=$!
  for ((waited = 0; waited < 50; waited++)); do
    [[ -S /dev/log ]] && break
    kill -0 "$E2E_SYSLOG_PID" 2>/dev/null || return 0
    sleep 0.1
  done
  [[ -S /dev/log ]] && E2E_SYSLOG=$file
  return 0
}

# --- TOTP oracle ----------------------------------------------------------------------------

# e2e_new_secret FILE: a fresh random 160-bit base32 secret in a 0600 file.
e2e_new_secret() {
  head -c 20 /dev/urandom | base32 >"$1" || e2e_die "cannot create a secret"
  chmod 0600 "$1"
}

# e2e_totp SECRET_FILE [OFFSET_SECONDS]: the code an authenticator app shows now (+offset), from
# oathtool, an implementation independent of ours. The secret goes in on stdin.
e2e_totp() {
  oathtool --totp --base32 --now="@$(($(date +%s) + ${2:-0}))" - <"$1"
}

# e2e_wrong_code SECRET_FILE: a well-formed code that matches no step the server could accept.
e2e_wrong_code() {
  local valid digit
  valid=" $(oathtool --totp --base32 --now="@$(($(date +%s) - 60))" --window=4 - <"$1" |
    tr '\n' ' ')"
  for digit in 0 1 2 3 4 5 6 7 8 9; do
    [[ $valid == *" $digit$digit$digit$digit$digit$digit "* ]] && continue
    printf '%s\n' "$digit$digit$digit$digit$digit$digit"
    return 0
  done
}

# The current 30 s TOTP step number.
e2e_step() {
  printf '%s\n' $(($(date +%s) / 30))
}

# e2e_wait_for_step_after STEP: sleeps until a later step than STEP begins, i.e. until an
# authenticator app shows a new code.
e2e_wait_for_step_after() {
  local now
  now=$(date +%s)
  ((now / 30 > $1)) || sleep $((($1 + 1) * 30 - now))
}

# e2e_wait_for_step_margin [SECONDS]: if the current 30 s step ends within SECONDS (default 5),
# sleeps into the next one, so a code computed now is still current when sshd checks it.
e2e_wait_for_step_margin() {
  local left=$((30 - $(date +%s) % 30))
  ((left < ${1:-5})) && sleep "$left"
  return 0
}

# --- ssh client -----------------------------------------------------------------------------

# An SSH_ASKPASS program that answers ssh's prompts from $E2E_TMP/askpass/answers (one line per
# prompt, in order) and records each prompt, so tests can check what the user was asked.
e2e_write_askpass() {
  E2E_ASKPASS_DIR="$E2E_TMP/askpass"
  mkdir -m 0700 "$E2E_ASKPASS_DIR"
  E2E_ASKPASS="$E2E_ASKPASS_DIR/askpass"
  cat >"$E2E_ASKPASS" <<EOF
#!/bin/sh
# ssh runs this once per prompt, with the prompt as \$1.
dir='$E2E_ASKPASS_DIR'
printf '%s\n' "\$1" >>"\$dir/prompts"
echo >>"\$dir/calls"
n=\$(wc -l <"\$dir/calls")
sed -n "\${n}p" "\$dir/answers"
EOF
  chmod 0700 "$E2E_ASKPASS"
}

# e2e_set_answers < LINES: the askpass answers for the next connection (stdin, so a code never
# appears in argv). Also forgets the prompts of the previous connection.
e2e_set_answers() {
  rm -f "$E2E_ASKPASS_DIR/prompts" "$E2E_ASKPASS_DIR/calls"
  cat >"$E2E_ASKPASS_DIR/answers"
}

# Every prompt ssh showed since the last e2e_set_answers, one per line.
e2e_prompts() {
  cat "$E2E_ASKPASS_DIR/prompts" 2>/dev/null
  return 0
}

# e2e_ssh_command USER [SSH_OPTIONS...] -- REMOTE_COMMAND...: prints nothing, fills E2E_SSH
# with a real OpenSSH client command line for USER@127.0.0.1:E2E_PORT that ignores every
# config file, agent and known_hosts of the invoking user. Options given first win.
e2e_ssh_command() {
  local user=$1
  shift
  local options=()
  while (($#)) && [[ $1 != -- ]]; do
    options+=("$1")
    shift
  done
  (($#)) && shift
  E2E_SSH=(ssh -F /dev/null "${options[@]}"
    -o StrictHostKeyChecking=no -o UserKnownHostsFile="$E2E_TMP/known_hosts"
    -o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o IdentityAgent=none
    -o BatchMode=no -o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 -o LogLevel=ERROR
    -p "$E2E_PORT" -l "$user" 127.0.0.1 "$@")
}

# e2e_ssh_askpass USER [SSH_OPTIONS...] -- REMOTE_COMMAND...: runs ssh with no terminal, every
# prompt answered by the askpass helper; returns ssh's exit status.
e2e_ssh_askpass() {
  e2e_ssh_command "$@"
  SSH_ASKPASS="$E2E_ASKPASS" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
    setsid --wait timeout 60 "${E2E_SSH[@]}" </dev/null
}

# e2e_ssh_terminal USER [SSH_OPTIONS...] -- REMOTE_COMMAND...: the same, but a person types the
# code at ssh's prompt on the terminal.
e2e_ssh_terminal() {
  e2e_ssh_command "$@"
  "${E2E_SSH[@]}"
}
