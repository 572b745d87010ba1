# SPDX-License-Identifier: BSD-3-Clause
# A stand-in syslog daemon for one command: listens on the given datagram socket path (the test
# runs this in a private mount namespace where /dev/log is ours), runs the command with stdin
# passed through, then prints every message received as a "syslog: " line, and exits with the
# command's status. Usage: syslog_capture.py SOCKET_PATH -- COMMAND [ARGS...]
import os
import socket
import subprocess
import sys


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print("usage: syslog_capture.py SOCKET_PATH -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    path, command = sys.argv[1], sys.argv[3:]
    if os.path.exists(path):
        os.unlink(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        os.chmod(path, 0o666)  # as /dev/log is: unprivileged callers log too
        try:
            # syslog() sends before it returns, so every line is queued once the command exits.
            status = subprocess.run(command, check=False).returncode
            sock.setblocking(False)
            while True:
                try:
                    print("syslog: " + sock.recv(65536).decode("utf-8", "replace"))
                except BlockingIOError:
                    break
        finally:
            os.unlink(path)
    return status


if __name__ == "__main__":
    sys.exit(main())
