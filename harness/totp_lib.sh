# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The TOTP oracle (part of the throwaway-sshd harness, harness/harness_lib.sh): fresh secrets,
# and the codes an authenticator app would show, from oathtool (an implementation independent
# of ours); and the 30 s step clock, to wait until a code is new or still current.

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
