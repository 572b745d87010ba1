# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# A private view of the machine for sshd and sshotp-enroll (part of the throwaway-sshd harness,
# harness/harness_lib.sh): a mount namespace whose /run, /var/log and /dev are the harness's own,
# and whose /dev/log is a stand-in syslog daemon that keeps every line in E2E_SYSLOG. Nothing
# they write there reaches the machine, and each script gets only its own log lines.

E2E_PRIVATE=()

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

# e2e_private_system_prefix: sets E2E_PRIVATE, the prefix that runs a command in a private mount
# namespace where /run and /var/log are empty tmpfs mounts (sshd's privilege-separation
# directory /run/sshd, utmp, wtmp, btmp and lastlog never touch the machine) and /dev is a tmpfs
# with only the device nodes sshd and a shell need, plus /dev/log bound to E2E_SYSLOG_SOCKET
# when the harness captures syslog. Use: "${E2E_PRIVATE[@]}" COMMAND ARGS...
e2e_private_system_prefix() {
  # shellcheck disable=SC2016,SC2034  # the inner shell expands these; the callers use E2E_PRIVATE
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
