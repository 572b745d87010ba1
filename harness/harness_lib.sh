# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The throwaway-sshd harness: what the real-sshd tests (tests/e2e/test_sshd_*.sh), the installed
# package's tests (tests/package/, debian/tests/), the demo (demo.sh) and the benchmark
# (bench/e2e.sh, bench/with-syslog.sh) need to run a real sshd with pam_sshotp (built or
# installed) on 127.0.0.1 and log in to it with the real ssh client. Source this file;
# it sources the rest of harness/, one job a file:
#   base_lib.sh            the private temp dir, cleanups run on every exit path, errors
#   private_system_lib.sh  a private mount namespace (/run, /var/log, /dev) whose /dev/log is
#                          the harness's own syslog listener
#   sanitizer_lib.sh       sshd with the sanitizer runtimes preloaded in a sanitizer build
#   sshd_lib.sh            the PAM service, sshd's config, starting sshd, its log
#   accounts_lib.sh        throwaway users, their SSH keys, their pam_sshotp enrollment
#                          (imported, or interactive with oathtool as the phone)
#   totp_lib.sh            the oathtool oracle and the 30 s TOTP step clock
#   client_lib.sh          the ssh client and the SSH_ASKPASS helper that answers its prompts
# What only tests need (PASS/FAIL bookkeeping, assertions on a login) stays with the tests, in
# tests/e2e/e2e_lib.sh. Not to be confused with tests/support/pam_harness.*, the in-process
# libpam driver of the C++ module tests.
#
# Why a folder of its own at the top: several parts of the project use the harness and none of
# them owns it. Under tests/ the demo and the benchmark would again reach into the test tree,
# which is why it moved out of tests/e2e/. Dependencies point one way: tests/e2e/,
# tests/package/, bench/ and demo.sh use harness/; harness/ uses nothing of theirs, only
# examples/ (the shipped sshd drop-in it runs sshd with, or the installed copy of it). The e2e_
# and E2E_ prefixes of its names mean end to end (a real server and a real client), whoever
# drives them.
#
# Naming: every shell file of the project that is sourced rather than run ends in _lib.sh (here,
# in tests/cli/ and in tests/e2e/), so a file's name tells a library from a script.
#
# Sourced by bash scripts running as root. Everything it creates outside its temp dir is uniquely
# named (users, /etc/pam.d/<service>) and is undone at exit, so the machine is left as it was
# found. sshd's writes to /run, /var/log (wtmp, btmp, lastlog) and /dev/log stay inside its
# namespace, so several scripts can run at once (make -j check) and a syslog daemon on the
# machine neither sees the harness's lines nor hides them. Secrets and codes only ever travel
# through 0600 files in the temp dir and stdin, never through argv or the environment.

# shellcheck source=harness/base_lib.sh
. "${BASH_SOURCE[0]%/*}/base_lib.sh"
# shellcheck source=harness/private_system_lib.sh
. "${BASH_SOURCE[0]%/*}/private_system_lib.sh"
# shellcheck source=harness/sanitizer_lib.sh
. "${BASH_SOURCE[0]%/*}/sanitizer_lib.sh"
# shellcheck source=harness/sshd_lib.sh
. "${BASH_SOURCE[0]%/*}/sshd_lib.sh"
# shellcheck source=harness/accounts_lib.sh
. "${BASH_SOURCE[0]%/*}/accounts_lib.sh"
# shellcheck source=harness/totp_lib.sh
. "${BASH_SOURCE[0]%/*}/totp_lib.sh"
# shellcheck source=harness/client_lib.sh
. "${BASH_SOURCE[0]%/*}/client_lib.sh"

# e2e_test_preamble PREFIX: what every test script needs before its setup: root (else skip, the
# only skip), the built artifacts from `make check`'s environment, the tools, E2E_TMP, the syslog
# capture, a unique E2E_TAG for names outside E2E_TMP, and the paths E2E_CONF and E2E_DB.
# shellcheck disable=SC2034 # E2E_TAG and E2E_DB are for the script (and tests/e2e/e2e_lib.sh)
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
