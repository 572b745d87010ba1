# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The sanitizer-build part of the throwaway-sshd harness (harness/harness_lib.sh sources it):
# e2e_start_sshd (sshd_lib.sh) starts sshd through e2e_sanitizer_prefix, and the e2e tests'
# e2e_finish (tests/e2e/e2e_lib.sh) fails on any report. In a build configured with
# --enable-sanitizers, `make check` exports SANITIZER_PRELOAD, the shared ASan and UBSan runtimes.
# The module is sanitized but Debian's sshd is not, so sshd starts with the runtimes preloaded; it
# re-execs itself for every connection and keeps its environment, so every sshd process has them.
# The module runs in two of those: the per-connection monitor (pam_start loads it) and the child the
# monitor forks for the PAM conversation. Both run as root, neither chrooted nor under the seccomp
# sandbox (that is the pre-auth child, which never runs module code), so the runtimes work there as
# in any program. sshd points those processes' stderr at /dev/null, so the reports go to files in
# E2E_TMP/sanitizer instead, and any such file fails the test script. In an ordinary build all of
# this does nothing.

# e2e_sanitizer_prefix: sets E2E_SANITIZED, the prefix that starts a program (sshd) with the
# runtimes preloaded, or an empty one in an ordinary build. The ASan runtime must come first;
# SANITIZER_ASAN_FIRST (harness/asan_init_first.cc) starts it before sshd's libraries'
# constructors, one of which would otherwise leave glibc's gettext lock broken (libpq's first
# connection then hangs); SANITIZER_UBSAN_SHIM (harness/ubsan_options.cc) goes before GCC's UBSan
# runtime, which would otherwise lose UBSAN_OPTIONS under sshd. Leak checking is off: the leaks
# it would see are sshd's own (the module's are checked by the tests that load it into sanitized
# programs). Every report stops the process that found it, as a crash of that process would.
e2e_sanitizer_prefix() {
  local runtimes shim
  E2E_SANITIZED=()
  [[ -n ${SANITIZER_PRELOAD:-} ]] || return 0
  for shim in SANITIZER_ASAN_FIRST SANITIZER_UBSAN_SHIM; do
    [[ -f ${!shim:-} ]] || e2e_die "$shim is not a file: ${!shim:-}"
  done
  read -ra runtimes <<<"$SANITIZER_PRELOAD"
  E2E_SANITIZER_DIR="$E2E_TMP/sanitizer"
  [[ -d $E2E_SANITIZER_DIR ]] || mkdir -m 0700 "$E2E_SANITIZER_DIR" ||
    e2e_die "cannot create $E2E_SANITIZER_DIR"
  # shellcheck disable=SC2034 # sshd_lib.sh uses it
  E2E_SANITIZED=(env
    "LD_PRELOAD=${runtimes[0]} $SANITIZER_ASAN_FIRST $SANITIZER_UBSAN_SHIM ${runtimes[*]:1}"
    "ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:log_path=$E2E_SANITIZER_DIR/asan"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$E2E_SANITIZER_DIR/ubsan")
}

# e2e_sanitizer_reports: prints every sanitizer report written so far and fails if there was
# one; succeeds quietly in an ordinary build.
e2e_sanitizer_reports() {
  local report reports=0
  [[ -n ${E2E_SANITIZER_DIR:-} ]] || return 0
  for report in "$E2E_SANITIZER_DIR"/*; do
    [[ -e $report ]] || continue
    reports=$((reports + 1))
    echo "  sanitizer report ${report##*/}:"
    sed 's/^/    /' "$report"
  done
  ((reports == 0))
}

# e2e_wait_until_no_process_in MOUNT_NS: waits, up to 10 s, until no process is left in the mount
# namespace MOUNT_NS (what /proc/PID/ns/mnt reads). sshd's own namespace holds its per-connection
# processes too, which may still be exiting, and writing a report, after the listener is gone.
e2e_wait_until_no_process_in() {
  local link waited
  for ((waited = 0; waited < 100; waited++)); do
    for link in /proc/[0-9]*/ns/mnt; do
      if [[ $(readlink "$link" 2>/dev/null) == "$1" ]]; then
        sleep 0.1
        continue 2
      fi
    done
    return 0
  done
}
