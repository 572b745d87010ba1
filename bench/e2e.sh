#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/e2e.sh LOGINS RESULTS_FILE: the wall time of whole ssh logins (publickey, then
# keyboard-interactive through PAM) against a real sshd on 127.0.0.1, run through the throwaway-sshd
# harness the e2e tests use too (harness/). Logins alternate between the auth stack with pam_sshotp
# and the same stack with pam_permit in its place, so the difference is what the module (and the
# code prompt) adds. Appends one "e2e_sample <variant> <microseconds>" line per login. With
# BENCH_PAM_SHIM set (bench/pam_timing_shim.cc, preloaded into sshd), also one "e2e_pam <variant>
# <total> <start> <authenticate> <end>" line per login: microseconds sshd spent inside pam_start,
# pam_authenticate and pam_end, the conversation (the client's answer) taken out. Needs root, as
# those tests do; the environment comes from bench/run.sh.
set -euo pipefail

logins=$1
results=$2
# shellcheck source=harness/harness_lib.sh
. "$SSHOTP_SRCDIR/harness/harness_lib.sh"

e2e_test_preamble sshotp-bench-e2e
tag="bench-$$"
user="sshotp-$tag"
service="sshd-sshotp-$tag"
pam_file="/etc/pam.d/$service"
E2E_CONF="$E2E_TMP/sshotp.conf"

e2e_capture_syslog
e2e_write_module_config "$E2E_CONF" "$E2E_TMP/store/sshotp.db" "$E2E_TMP/sshotp.key"
e2e_setup_enrolled_user "$user"
e2e_install_pam_service "$service" "auth  required  $PAM_SSHOTP_MODULE config=$E2E_CONF"
# The service file is ours (the harness removes it at exit); sshd reads it afresh per connection.
cp "$pam_file" "$E2E_TMP/pam.pam_sshotp"
sed 's|^auth .*|auth  required  pam_permit.so|' "$pam_file" >"$E2E_TMP/pam.pam_permit"
e2e_write_askpass
pam_timing="$E2E_TMP/pam-timing.txt"
if [[ -n ${BENCH_PAM_SHIM:-} ]]; then
  [[ -e $BENCH_PAM_SHIM ]] || e2e_die "BENCH_PAM_SHIM=$BENCH_PAM_SHIM is missing"
  # sshd re-executes itself per connection with the same environment, so the monitor (pam_start,
  # pam_end) and its forked authentication child (pam_authenticate) both carry the shim.
  LD_PRELOAD=$BENCH_PAM_SHIM SSHOTP_PAM_TIMING_FILE=$pam_timing e2e_start_sshd "$service" "$user"
else
  e2e_start_sshd "$service" "$user"
fi

# pam_time VARIANT RECORD: after a login, waits for sshd's pam_end (the monitor calls it while
# the connection closes, possibly after the client has returned) and appends the login's PAM
# time; then clears the timing file for the next login.
pam_time() {
  local variant=$1 record=$2 waited
  [[ -n ${BENCH_PAM_SHIM:-} ]] || return 0
  for ((waited = 0; waited < 100; waited++)); do
    grep -q '^pam_end ' "$pam_timing" 2>/dev/null && break
    sleep 0.05
  done
  grep -q '^pam_authenticate ' "$pam_timing" 2>/dev/null ||
    e2e_die "the PAM timing shim recorded no pam_authenticate for a $variant login"
  grep -q '^pam_end ' "$pam_timing" || e2e_die "sshd did not call pam_end for a $variant login"
  if ((record)); then
    awk -v variant="$variant" '
      { ns[$1] += $3 }
      END {
        printf "e2e_pam\t%s\t%d\t%d\t%d\t%d\n", variant,
          (ns["pam_start"] + ns["pam_authenticate"] + ns["pam_end"]) / 1000,
          ns["pam_start"] / 1000, ns["pam_authenticate"] / 1000, ns["pam_end"] / 1000
      }' "$pam_timing" >>"$results"
  fi
  rm -f "$pam_timing"
}

# login VARIANT RECORD: one timed connection; VARIANT is pam_sshotp or pam_permit.
login() {
  local variant=$1 record=$2 start end
  cp "$E2E_TMP/pam.$variant" "$pam_file"
  if [[ $variant == pam_sshotp ]]; then
    # Re-importing the same secret resets the replay state, so each login is a first use of
    # the current step (outside the timed part), as a login once per 30 s would be.
    e2e_import "$user" "$E2E_TMP/$user.secret"
    e2e_wait_for_step_margin 3
    e2e_totp "$E2E_TMP/$user.secret" | e2e_set_answers
  else
    e2e_set_answers </dev/null
  fi
  start=$(date +%s%N)
  if ! e2e_ssh_askpass "$user" -i "$E2E_TMP/$user.key" -- true >"$E2E_TMP/ssh.out" \
    2>"$E2E_TMP/ssh.err"; then
    e2e_warn "login with $variant failed: $(head -c 400 "$E2E_TMP/ssh.err")"
    e2e_dump_sshd_log
    exit 1
  fi
  end=$(date +%s%N)
  if ((record)); then
    printf 'e2e_sample\t%s\t%s\n' "$variant" "$(((end - start) / 1000))" >>"$results"
  fi
  pam_time "$variant" "$record"
}

for ((i = 0; i < logins + 2; i++)); do
  # The first two rounds warm sshd's and the client's caches and are not recorded.
  login pam_sshotp $((i >= 2))
  login pam_permit $((i >= 2))
done
echo "e2e: $logins logins with each stack"
