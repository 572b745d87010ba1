# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The real-sshd harness shared by tests/e2e/test_sshd_*.sh and demo.sh: a private temp dir,
# throwaway users and PAM service, an sshd on 127.0.0.1 in a private mount namespace whose
# /dev/log is the harness's own syslog listener, an SSH_ASKPASS helper that answers from a file,
# the oathtool oracle, the test-case bookkeeping, and one cleanup list run on every exit path.
#
# Sourced by bash scripts running as root. Everything it creates outside its temp dir is uniquely
# named (users, /etc/pam.d/<service>) and is undone at exit, so the machine is left as it was
# found. sshd's writes to /run, /var/log (wtmp, btmp, lastlog) and /dev/log stay inside its
# namespace, so several test scripts can run at once (make -j check) and a syslog daemon on the
# machine neither sees the test lines nor hides them. Secrets and codes only ever travel through
# 0600 files in the temp dir and stdin, never through argv or the environment.

# shellcheck source=tests/e2e/sanitizer.sh
. "${BASH_SOURCE[0]%/*}/sanitizer.sh"

# --- cleanup registry -----------------------------------------------------------------------

E2E_CLEANUPS=()
E2E_PRIVATE=()

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

# e2e_test_preamble PREFIX: what every test script needs before its setup: root (else skip, the
# only skip), the built artifacts from `make check`'s environment, the tools, E2E_TMP, the syslog
# capture, a unique E2E_TAG for names outside E2E_TMP, and the paths E2E_CONF and E2E_DB.
e2e_test_preamble() {
  if [[ $(id -u) != 0 ]]; then
    echo "SKIP: the sshd end-to-end tests need root"
    exit 77
  fi
  [[ -f ${PAM_SSHOTP_MODULE:-} ]] ||
    e2e_die "PAM_SSHOTP_MODULE is not a file: ${PAM_SSHOTP_MODULE:-}"
  [[ -x ${SSHOTP_ENROLL:-} ]] || e2e_die "SSHOTP_ENROLL is not executable: ${SSHOTP_ENROLL:-}"
  e2e_require_tools ssh ssh-keygen oathtool useradd userdel setsid timeout base32 unshare mount \
    /usr/bin/python3
  e2e_init "$1"
  e2e_capture_syslog
  E2E_TAG="e2e-$$"
  E2E_CONF="$E2E_TMP/sshotp.conf"
  E2E_DB="$E2E_TMP/store/sshotp.db"
}

# e2e_write_test_config [SETTING...]: E2E_CONF for the store E2E_DB, with the given settings.
# shellcheck disable=SC2120 # the settings are optional
e2e_write_test_config() {
  e2e_write_module_config "$E2E_CONF" "$E2E_DB" "$E2E_TMP/sshotp.key" "$@"
}

# e2e_start_test_sshd AUTH_LINES USER...: the PAM service sshd-sshotp-E2E_TAG with AUTH_LINES,
# the askpass helper, and sshd for the USERs (e2e_start_sshd).
e2e_start_test_sshd() {
  local auth_lines=$1
  shift
  e2e_install_pam_service "sshd-sshotp-$E2E_TAG" "$auth_lines"
  e2e_write_askpass
  e2e_start_sshd "sshd-sshotp-$E2E_TAG" "$@"
  echo "sshd listening on 127.0.0.1:$E2E_PORT, PAM service $E2E_SERVICE, users $*"
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

# e2e_install_pam_service SERVICE AUTH_LINES: writes /etc/pam.d/SERVICE (refusing to overwrite
# anything) with the given auth line(s), the stock Debian account stack and a no-op session, and
# removes it at exit. Existing files in /etc/pam.d are never touched.
e2e_install_pam_service() {
  local service=$1 auth_lines=$2 file="/etc/pam.d/$1"
  [[ -e $file ]] && e2e_die "$file already exists"
  e2e_on_exit rm -f "$file"
  (
    set -o noclobber
    cat >"$file" <<EOF
# Written by pam_sshotp's tests/e2e/lib.sh for one throwaway sshd; deleted when it exits.
$auth_lines
@include common-account
session  required  pam_permit.so
EOF
  ) || e2e_die "cannot write $file"
  chmod 0644 "$file"
}

# e2e_write_module_config FILE DB KEY_FILE [SETTING...]: a pam_sshotp/sshotp-enroll config file;
# each SETTING is one more "key = value" line.
e2e_write_module_config() {
  local file=$1 db=$2 key_file=$3
  shift 3
  {
    cat <<EOF
# pam_sshotp settings for one throwaway sshd (tests/e2e/lib.sh).
db = $db
key_file = $key_file
# The default window: one 30 s step either side of now.
window = 1
EOF
    if (($#)); then printf '%s\n' "$@"; fi
  } >"$file"
  chmod 0644 "$file"
}

# e2e_enroll_cli ARGS...: sshotp-enroll --config E2E_CONF ARGS..., with its syslog lines captured
# beside sshd's when the harness captures syslog (as on a real server, where both go to
# auth.log).
e2e_enroll_cli() {
  "${E2E_PRIVATE[@]}" "$SSHOTP_ENROLL" --config "$E2E_CONF" "$@"
}

# e2e_import USER SECRET_FILE: enrolls USER with the secret from SECRET_FILE (on stdin) in the
# store of E2E_CONF, and keeps what the command printed (its recovery codes on stdout) in the
# 0600 file E2E_TMP/import-USER.out.
e2e_import() {
  local out="$E2E_TMP/import-$1.out"
  e2e_enroll_cli import "$1" <"$2" >"$out" 2>"$out.err" ||
    { cat "$out.err" >&2; e2e_die "sshotp-enroll import $1 failed"; }
}

# e2e_setup_enrolled_user USER: a throwaway USER with an authorized key ($E2E_TMP/USER.key) and a
# fresh TOTP secret ($E2E_TMP/USER.secret) imported into the store of E2E_CONF.
e2e_setup_enrolled_user() {
  e2e_setup_unenrolled_user "$1"
  e2e_new_secret "$E2E_TMP/$1.secret"
  e2e_import "$1" "$E2E_TMP/$1.secret"
}

# e2e_setup_unenrolled_user USER: a throwaway USER with an authorized key ($E2E_TMP/USER.key).
e2e_setup_unenrolled_user() {
  e2e_create_user "$1"
  e2e_new_key "$E2E_TMP/$1.key"
  e2e_authorize_key "$1" "$E2E_TMP/$1.key.pub"
}

# --- syslog capture -------------------------------------------------------------------------

# e2e_capture_syslog: a stand-in syslog daemon on the datagram socket E2E_SYSLOG_SOCKET, keeping
# every line, as sent (`<PRI>Mmm dd hh:mm:ss tag[pid]: message`), in E2E_SYSLOG. sshd sees the
# socket as /dev/log (e2e_start_sshd), and so does any command run with the E2E_PRIVATE prefix
# set here, so lines are captured whether or not the machine runs a syslog daemon, and each test
# script gets only its own. The listener exits by itself when the harness dies without stopping
# it (its parent changes).
e2e_capture_syslog() {
  local waited
  [[ -n ${E2E_SYSLOG_PID:-} ]] && return 0
  E2E_SYSLOG="$E2E_TMP/syslog.txt"
  E2E_SYSLOG_SOCKET="$E2E_TMP/syslog.sock"
  : >"$E2E_SYSLOG"
  E2E_SYSLOG_PID=""
  e2e_on_exit e2e_stop_child E2E_SYSLOG_PID
  /usr/bin/python3 -c '
import os, signal, socket, sys
parent = os.getppid()
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)  # as /dev/log is: unprivileged processes log too
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(sig, lambda *_: os._exit(0))
sock.settimeout(1)
with open(sys.argv[2], "ab", buffering=0) as out:
    while os.getppid() == parent:
        try:
            out.write(sock.recv(65536).rstrip(b"\0\n") + b"\n")
        except socket.timeout:
            pass
' "$E2E_SYSLOG_SOCKET" "$E2E_SYSLOG" &
  E2E_SYSLOG_PID=$!
  e2e_private_system_prefix
  for ((waited = 0; waited < 50; waited++)); do
    [[ -S $E2E_SYSLOG_SOCKET ]] && return 0
    kill -0 "$E2E_SYSLOG_PID" 2>/dev/null || break
    sleep 0.1
  done
  e2e_die "the syslog listener did not start"
}

# e2e_syslog_as_auth_log < CAPTURED > AUTH_LOG: the captured lines as rsyslog writes them to
# /var/log/auth.log (no <PRI>, the host name after the time stamp), for log readers like
# fail2ban.
e2e_syslog_as_auth_log() {
  local host
  host=$(uname -n)
  sed -E "s/^<[0-9]+>([A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8}) /\\1 $host /"
}

# --- sshd -----------------------------------------------------------------------------------

# e2e_private_system_prefix: sets E2E_PRIVATE, the prefix that runs a command in a private mount
# namespace where /run and /var/log are empty tmpfs mounts (sshd's privilege-separation
# directory /run/sshd, utmp, wtmp, btmp and lastlog never touch the machine) and /dev is a tmpfs
# with only the device nodes sshd and a shell need, plus /dev/log bound to E2E_SYSLOG_SOCKET
# when the harness captures syslog. Use: "${E2E_PRIVATE[@]}" COMMAND ARGS...
e2e_private_system_prefix() {
  # shellcheck disable=SC2016  # the inner shell expands these
  E2E_PRIVATE=(unshare --mount --propagation private /bin/sh -ec '
    host_dev=$1/host-dev socket=$2
    shift 2
    mkdir -p "$host_dev"
    mount --rbind /dev "$host_dev"
    mount -t tmpfs -o mode=0755,nosuid,noexec e2e-dev /dev
    for node in null zero full random urandom tty ptmx; do
      if [ -L "$host_dev/$node" ]; then
        ln -s "$(readlink "$host_dev/$node")" "/dev/$node"
      elif [ -e "$host_dev/$node" ]; then
        touch "/dev/$node" && mount --bind "$host_dev/$node" "/dev/$node"
      fi
    done
    for dir in pts shm; do
      [ -d "$host_dev/$dir" ] || continue
      mkdir "/dev/$dir" && mount --rbind "$host_dev/$dir" "/dev/$dir"
    done
    ln -s /proc/self/fd /dev/fd
    ln -s /proc/self/fd/0 /dev/stdin
    ln -s /proc/self/fd/1 /dev/stdout
    ln -s /proc/self/fd/2 /dev/stderr
    if [ -n "$socket" ]; then
      touch /dev/log && mount --bind "$socket" /dev/log
    fi
    umount -l "$host_dev"
    mount -t tmpfs -o mode=0755,nosuid,nodev e2e-run /run
    mkdir -m 0755 /run/sshd
    mount -t tmpfs -o mode=0755,nosuid,nodev,noexec e2e-log /var/log
    exec "$@"' e2e-private-system "$E2E_TMP" "${E2E_SYSLOG_SOCKET:-}")
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
  local config=$1 port=$2 users=$3
  cat >"$config" <<EOF
# A throwaway sshd for pam_sshotp (tests/e2e/lib.sh). The authentication policy comes from the
# shipped example drop-in, so the example itself is what gets tested.
Include "$SSHOTP_SRCDIR/examples/sshd_config.d/20-sshotp.conf"

ListenAddress 127.0.0.1:$port
HostKey $E2E_TMP/ssh_host_ed25519_key
PidFile $E2E_TMP/sshd.pid
LogLevel VERBOSE
AllowUsers $users
PermitRootLogin no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
StrictModes yes
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
EOF
}

# e2e_start_sshd SERVICE USER...: starts sshd on 127.0.0.1 (E2E_PORT) for the USERs only, using
# the PAM service SERVICE, in the private namespace of e2e_private_system_prefix. sshd logs to
# syslog, as installed, so E2E_SYSLOG holds its lines and the module's exactly as a real
# /var/log/auth.log would ("sshd[pid]: pam_sshotp(sshd:auth): ..."). Sets E2E_SERVICE,
# E2E_SSHD_PID and E2E_SSHD_LOG.
e2e_start_sshd() {
  local service=$1 config="$E2E_TMP/sshd_config" attempts waited mark
  shift
  E2E_SERVICE=$service
  [[ -x ${SSHD:-} ]] || e2e_die "sshd not found (SSHD=${SSHD:-})"
  [[ -r $SSHOTP_SRCDIR/examples/sshd_config.d/20-sshotp.conf ]] ||
    e2e_die "missing examples/sshd_config.d/20-sshotp.conf under $SSHOTP_SRCDIR"
  [[ -n ${E2E_SYSLOG_PID:-} ]] || e2e_capture_syslog
  # sshd 9.2 names its PAM service after argv[0]'s basename and must run by absolute path.
  E2E_SSHD_BIN="$E2E_TMP/$service"
  ln -s "$SSHD" "$E2E_SSHD_BIN" || e2e_die "cannot link $E2E_SSHD_BIN"
  ssh-keygen -q -t ed25519 -N '' -C e2e-host -f "$E2E_TMP/ssh_host_ed25519_key" ||
    e2e_die "cannot generate the host key"
  E2E_SSHD_LOG=$E2E_SYSLOG
  e2e_sanitizer_prefix
  E2E_SSHD_PID=""
  e2e_on_exit e2e_stop_child E2E_SSHD_PID
  for ((attempts = 0; attempts < 10; attempts++)); do
    E2E_PORT=$(e2e_pick_port)
    e2e_write_sshd_config "$config" "$E2E_PORT" "$*"
    "${E2E_PRIVATE[@]}" "$E2E_SSHD_BIN" -t -f "$config" || e2e_die "sshd -t rejected $config"
    mark=$(wc -l <"$E2E_SYSLOG")
    # unshare, sh (and env) exec into sshd: the pid is sshd's own.
    "${E2E_PRIVATE[@]}" "${E2E_SANITIZED[@]}" "$E2E_SSHD_BIN" -D -f "$config" &
    E2E_SSHD_PID=$!
    for ((waited = 0; waited < 100; waited++)); do
      grep -q "Server listening on 127.0.0.1 port $E2E_PORT" "$E2E_SYSLOG" && return 0
      kill -0 "$E2E_SSHD_PID" 2>/dev/null || break
      sleep 0.1
    done
    e2e_stop_child E2E_SSHD_PID
    # Lost the port to someone else: try another. Anything else is a real error.
    tail -n "+$((mark + 1))" "$E2E_SYSLOG" | grep -q "Address already in use" || break
  done
  tail -n "+$((mark + 1))" "$E2E_SYSLOG" >&2
  e2e_die "sshd did not start"
}

e2e_dump_sshd_log() {
  e2e_warn "---- last lines sshd and pam_sshotp logged ($E2E_SSHD_LOG) ----"
  tail -n 60 "$E2E_SSHD_LOG" >&2
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

# --- test cases -----------------------------------------------------------------------------

E2E_PASSED=0
E2E_FAILED=0
E2E_CASE=""

# e2e_case NAME FUNCTION: runs one case; its checks print why they failed, indented.
e2e_case() {
  E2E_CASE=$1
  if "$2"; then
    echo "PASS: $1"
    E2E_PASSED=$((E2E_PASSED + 1))
  else
    echo "FAIL: $1"
    E2E_FAILED=$((E2E_FAILED + 1))
  fi
}

# e2e_finish: in a sanitizer build, one more case: sshd (stopped first, so no process of it is
# still writing) left no sanitizer report. Then the closing "N passed, M failed" line; exits 1
# (with the logs) if a case failed.
e2e_finish() {
  if [[ -n ${E2E_SANITIZER_DIR:-} ]]; then
    local sshd_ns=""
    [[ -n ${E2E_SSHD_PID:-} ]] && sshd_ns=$(readlink "/proc/$E2E_SSHD_PID/ns/mnt" 2>/dev/null)
    e2e_stop_child E2E_SSHD_PID
    [[ -z $sshd_ns ]] || e2e_wait_until_no_process_in "$sshd_ns"
    e2e_case "no sanitizer report from sshd's processes (the module's among them)" \
      e2e_sanitizer_reports
  fi
  echo "$E2E_PASSED passed, $E2E_FAILED failed"
  if ((E2E_FAILED > 0)); then
    e2e_dump_sshd_log
    exit 1
  fi
  exit 0
}

# e2e_login USER EXPECTED_EXIT [SSH_OPTIONS...]: one connection running `echo LOGIN-OK` with the
# answers set just before; ssh's output in E2E_OUT and E2E_ERR. Checks ssh's exact exit status
# (255: ssh itself gave up) and that the command ran exactly when it should have.
e2e_login() {
  local user=$1 expected=$2 rc=0 ran=no should_run=no
  shift 2
  E2E_LOGIN_USER=$user
  E2E_OUT="$E2E_TMP/ssh.out"
  E2E_ERR="$E2E_TMP/ssh.err"
  ((expected == 0)) && should_run=yes
  E2E_SYSLOG_MARK=$(wc -l <"$E2E_SYSLOG")
  e2e_ssh_askpass "$user" "$@" -- echo LOGIN-OK >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
  grep -qx 'LOGIN-OK\r\{0,1\}' "$E2E_OUT" && ran=yes
  [[ $rc == "$expected" && $ran == "$should_run" ]] && return 0
  echo "  $E2E_CASE: ssh exit $rc (expected $expected), command ran: $ran"
  echo "  ssh stderr: $(head -c 400 "$E2E_ERR")"
  return 1
}

# e2e_expect_prompts COUNT: the last login showed exactly COUNT code prompts, each with the
# default text.
e2e_expect_prompts() {
  local prompt="($E2E_LOGIN_USER@127.0.0.1) Verification code: " expected="" i
  for ((i = 0; i < $1; i++)); do expected+="$prompt"$'\n'; done
  [[ "$(e2e_prompts)" == "${expected%$'\n'}" ]] && return 0
  echo "  $E2E_CASE: expected $1 prompt(s) \"$prompt\", saw: $(e2e_prompts | head -c 300)"
  return 1
}

# e2e_expect_stderr TEXT: ssh's stderr of the last login contains TEXT.
e2e_expect_stderr() {
  grep -qF -- "$1" "$E2E_ERR" && return 0
  echo "  $E2E_CASE: expected \"$1\" on ssh's stderr, got: $(head -c 400 "$E2E_ERR")"
  return 1
}

# e2e_expect_audit DECISION:METHOD:REASON:CODES_LEFT...: the module logged exactly these
# decisions for the last login's user, in this order, during the last login.
e2e_expect_audit() {
  local expected="" item decision method reason codes_left waited
  for item in "$@"; do
    IFS=: read -r decision method reason codes_left <<<"$item"
    expected+="decision=$decision user=$E2E_LOGIN_USER rhost=127.0.0.1 service=$E2E_SERVICE"
    expected+=" method=$method reason=$reason codes_left=$codes_left"$'\n'
  done
  expected=${expected%$'\n'}
  # The lines of a refused connection may arrive just after ssh has exited.
  for ((waited = 0; waited < 30; waited++)); do
    [[ $(e2e_audit_lines "$E2E_SYSLOG_MARK") == "$expected" ]] && return 0
    sleep 0.1
  done
  echo "  $E2E_CASE: expected audit lines:"
  printf '%s\n' "$expected" | sed 's/^/    /'
  echo "  got:"
  e2e_audit_lines "$E2E_SYSLOG_MARK" | sed 's/^/    /'
  return 1
}

# e2e_module_lines [SKIP]: what this sshd's pam_sshotp logged after the first SKIP captured
# lines, without the syslog header ("decision=..." and any other message of the module).
e2e_module_lines() {
  tail -n "+$((${1:-0} + 1))" "$E2E_SYSLOG" |
    awk -v prefix="pam_sshotp($E2E_SERVICE:auth): " '
      (at = index($0, prefix)) { print substr($0, at + length(prefix)) }'
}

# e2e_audit_lines [SKIP]: the module's audit lines after the first SKIP captured lines, from
# "decision=" up to "codes_left=..." (fields appended in later versions are not checked here).
e2e_audit_lines() {
  e2e_module_lines "$@" | grep '^decision=' | sed 's/\( codes_left=[^ ]*\).*$/\1/'
}

# e2e_expect_not_logged < SECRETS: no line the module logged contains any of the SECRETS (one a
# line: codes, recovery codes; compared as whole words, ignoring case and dashes too).
e2e_expect_not_logged() {
  local secret logged
  logged=$(e2e_module_lines)
  while IFS= read -r secret; do
    [[ -z $secret ]] && continue
    if grep -qwiF -e "$secret" -e "${secret//-/}" <<<"$logged"; then
      echo "  $E2E_CASE: a code or secret appears in what the module logged"
      return 1
    fi
  done
  return 0
}

# --- fail2ban -------------------------------------------------------------------------------

# e2e_fail2ban_config: E2E_FAIL2BAN, a copy of the machine's /etc/fail2ban with only the
# shipped pam-sshotp filter and jail installed into it as the README says, so the examples are
# read exactly as an installation reads them (common.conf, paths-*.conf, jail.conf defaults).
e2e_fail2ban_config() {
  E2E_FAIL2BAN="$E2E_TMP/fail2ban"
  [[ -d $E2E_FAIL2BAN ]] && return 0
  e2e_require_tools fail2ban-regex fail2ban-client
  [[ -r /etc/fail2ban/jail.conf ]] || e2e_die "fail2ban's /etc/fail2ban/jail.conf is missing"
  cp -R /etc/fail2ban "$E2E_FAIL2BAN" || e2e_die "cannot copy /etc/fail2ban"
  # The distribution's jails (Debian enables sshd) and local settings are not under test.
  rm -f "$E2E_FAIL2BAN"/jail.d/* "$E2E_FAIL2BAN"/jail.local "$E2E_FAIL2BAN"/fail2ban.local
  if ! cp "$SSHOTP_SRCDIR/examples/fail2ban/filter.d/pam-sshotp.conf" "$E2E_FAIL2BAN/filter.d/" ||
    ! cp "$SSHOTP_SRCDIR/examples/fail2ban/jail.d/pam-sshotp.conf" "$E2E_FAIL2BAN/jail.d/"; then
    e2e_die "cannot install the example fail2ban files"
  fi
}

# e2e_fail2ban_matches_denials: the shipped fail2ban filter, run by fail2ban-regex over this
# script's real captured lines (sshd's and the module's) in /var/log/auth.log format, matches
# exactly the refused answers, each with host 127.0.0.1, and nothing else: every decision=deny
# line except the server's own failures (store-error) and a conversation that broke off
# (conv-error), which are not guesses.
e2e_fail2ban_matches_denials() {
  local log="$E2E_TMP/auth.log" out="$E2E_TMP/fail2ban-regex.out" expected
  e2e_fail2ban_config
  e2e_syslog_as_auth_log <"$E2E_SYSLOG" >"$log"
  expected=$(grep -F ' decision=deny ' "$log" | grep -vE ' reason=(store-error|conv-error) ' |
    sed 's/^/127.0.0.1 /')
  if [[ -z $expected ]]; then
    echo "  $E2E_CASE: no refusal was logged, nothing to check the filter against"
    return 1
  fi
  # -o prints one "HOST LINE" per match, and nothing else.
  if ! fail2ban-regex -c "$E2E_FAIL2BAN" -o '<ip> <msg>' "$log" pam-sshotp >"$out" 2>&1; then
    echo "  $E2E_CASE: fail2ban-regex failed:"
    head -n 20 "$out" | sed 's/^/    /'
    return 1
  fi
  [[ $(cat "$out") == "$expected" ]] && return 0
  echo "  $E2E_CASE: expected fail2ban-regex to find $(wc -l <<<"$expected") line(s):"
  printf '%s\n' "$expected" | sed 's/^/    /'
  echo "  it found:"
  sed 's/^/    /' "$out"
  return 1
}

# e2e_fail2ban_jail_loads: `fail2ban-client -t` accepts the shipped jail with the shipped filter,
# and the jail is enabled with that filter's failregex.
e2e_fail2ban_jail_loads() {
  local out="$E2E_TMP/fail2ban-client.out"
  e2e_fail2ban_config
  if ! fail2ban-client -c "$E2E_FAIL2BAN" -t >"$out" 2>&1; then
    echo "  $E2E_CASE: fail2ban-client -t refused the example jail:"
    head -n 20 "$out" | sed 's/^/    /'
    return 1
  fi
  fail2ban-client -c "$E2E_FAIL2BAN" -d >"$out" 2>&1 || true
  grep -qF "['start', 'pam-sshotp']" "$out" &&
    grep -qF "['set', 'pam-sshotp', 'addfailregex', " "$out" && return 0
  echo "  $E2E_CASE: the dumped configuration has no started pam-sshotp jail with a failregex"
  return 1
}
