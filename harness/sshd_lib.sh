# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The throwaway sshd (part of the throwaway-sshd harness, harness/harness_lib.sh): its PAM
# service in /etc/pam.d, its config (the shipped sshd drop-in plus a listener on 127.0.0.1), and
# sshd itself, started in the private namespace (private_system_lib.sh) on a free port, its
# log lines in the harness's syslog capture.

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
# Written by pam_sshotp's harness/sshd_lib.sh for one throwaway sshd; deleted when it exits.
$auth_lines
@include common-account
session  required  pam_permit.so
EOF
  ) || e2e_die "cannot write $file"
  chmod 0644 "$file"
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

# The sshd drop-in the throwaway sshd includes: the shipped example, from the source tree unless
# E2E_SSHD_DROPIN names another copy (the installed package's, in tests/package/).
e2e_sshd_dropin() {
  printf '%s\n' "${E2E_SSHD_DROPIN:-$SSHOTP_SRCDIR/examples/sshd_config.d/20-sshotp.conf}"
}

e2e_write_sshd_config() {
  local config=$1 port=$2 users=$3 dir=${E2E_SSHD_DIR:-$E2E_TMP}
  cat >"$config" <<EOF
# A throwaway sshd for pam_sshotp (harness/sshd_lib.sh). The authentication policy comes from the
# shipped example drop-in, so the example itself is what gets tested.
Include "$(e2e_sshd_dropin)"

ListenAddress 127.0.0.1:$port
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
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
# E2E_SSHD_PID and E2E_SSHD_LOG. Its files (config, host key, pid file) go in E2E_SSHD_DIR if
# set, else in E2E_TMP: a script that runs several sshd "hosts" gives each its own directory
# (and takes each one's E2E_SSHD_PID over before starting the next).
e2e_start_sshd() {
  local service=$1 dir=${E2E_SSHD_DIR:-$E2E_TMP} attempts waited mark
  local config="$dir/sshd_config"
  shift
  # shellcheck disable=SC2034 # for the scripts' checks of what the module logged
  E2E_SERVICE=$service
  [[ -x ${SSHD:-} ]] || e2e_die "sshd not found (SSHD=${SSHD:-})"
  [[ -r $(e2e_sshd_dropin) ]] || e2e_die "cannot read the sshd drop-in $(e2e_sshd_dropin)"
  [[ -n ${E2E_SYSLOG_PID:-} ]] || e2e_capture_syslog
  # sshd 9.2 names its PAM service after argv[0]'s basename and must run by absolute path.
  E2E_SSHD_BIN="$E2E_TMP/$service"
  ln -s "$SSHD" "$E2E_SSHD_BIN" || e2e_die "cannot link $E2E_SSHD_BIN"
  ssh-keygen -q -t ed25519 -N '' -C e2e-host -f "$dir/ssh_host_ed25519_key" ||
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
