#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/with-syslog.sh COMMAND ARGS...: runs COMMAND in a private mount namespace whose /dev/log
# is a stand-in syslog daemon, the sshd harness's (harness/private_system_lib.sh), and exits with
# its status.
#
# Why: every module measured logs through syslog(3), and Linux-PAM opens the log with LOG_CONS.
# On a machine with no daemon on /dev/log (a container, a minimal VM) each line then goes to
# /dev/console instead, a slow write that the benchmark would time as the module's own work
# (bench/FINDINGS.md, finding 8, has what it cost). With a listener, a line costs what it costs
# on a server running journald or rsyslog: one datagram.
# Needs root (a mount namespace), as the rest of `make bench` does.
set -euo pipefail
# shellcheck source=harness/harness_lib.sh
. "$SSHOTP_SRCDIR/harness/harness_lib.sh"

e2e_init sshotp-bench-syslog
e2e_capture_syslog
"${E2E_PRIVATE[@]}" "$@"
