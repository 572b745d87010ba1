#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Failover that loses nothing (issue 13): a real primary and a real synchronous standby
# (harness/postgres_standby_lib.sh), hosts A and B whose pg_conninfo lists both with
# target_session_attrs=read-write, and logins through libpam and the built module. Each round:
#   1. host A consumes a new TOTP code and a recovery code (each accepted);
#   2. the primary is killed (kill -9) right after, and the standby promoted;
#   3. host B offers the same TOTP code, again until the promoted server answers: it must be
#      refused as a replay (PAM_AUTH_ERR, audit reason=replay: a code refused as out of window
#      would hide a lost consume; PAM_AUTHINFO_UNAVAIL only means no server is read-write yet);
#   4. host B logs in with a fresh code: the first successful login after the promotion, timed;
#   5. host B offers the same recovery code: refused;
#   6. the killed primary comes back as the new synchronous standby (a fresh base backup).
# The replayed TOTP code is offered before any fresh one: a consumed step is kept as last_step
# and a code at or below it is refused, so after a fresh login a lost consume would be hidden.
# Then a round rolls last_step back (superuser SQL on the primary) so that the next round's
# codes are within window again; the recovery codes are rows of their own, one per round.
# A tally: rounds, codes that came back (must be 0), the time from the promotion to the first
# successful login (min/median/max). Then the negative control: the standby made asynchronous
# and stopped, a consume on the primary alone, the primary killed, the standby restarted and
# promoted: the consumed codes MUST come back (else this test could not see a loss).
# SSHOTP_FAILOVER_ROUNDS rounds (default 20). Needs root; skips (77) only when not root. Needs
# configure --with-postgresql.
# shellcheck disable=SC2317 # the cases below are called through e2e_case
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/fleet/fleet_lib.sh
. "$SSHOTP_SRCDIR/tests/fleet/fleet_lib.sh"
# shellcheck source=harness/postgres_standby_lib.sh
. "$SSHOTP_SRCDIR/harness/postgres_standby_lib.sh"

ROUNDS=${SSHOTP_FAILOVER_ROUNDS:-20}
# One recovery code a round and one for the control, of at most 100 (recovery_codes' limit).
if ! [[ $ROUNDS =~ ^[0-9]+$ ]] || ((ROUNDS < 1 || ROUNDS > 98)); then
  echo "SSHOTP_FAILOVER_ROUNDS must be 1 to 98, not $ROUNDS" >&2
  exit 99
fi
# How long the promoted server may take to answer a login, in seconds.
ANSWER_BOUND_S=30

fleet_libpam_preamble sshotp-fleet-promote "recovery_codes = $((ROUNDS + 1))"
(($(wc -l <"$FLEET_RECOVERY") == ROUNDS + 1)) || e2e_die "expected $((ROUNDS + 1)) recovery codes"
pg_start_standby sshotp-standby sync
echo "standby on 127.0.0.1:$PG_STANDBY_PORT (synchronous)"
for host in A B; do
  fleet_write_host "$host" "$(pg_fleet_conninfo "$PG_HOST_ROLE")" "${FLEET_SETTINGS[@]}"
  fleet_share_key enrolling "$host"
done

# now_us: the wall clock in microseconds.
now_us() { echo "${EPOCHREALTIME/./}"; }


# replay_until_answered CODE: host B offers CODE until a read-write server answers (bounded);
# FLEET_RC is the answer. Keeps the time of the first answer in ANSWERED_US.
replay_until_answered() {
  local deadline=$(($(now_us) + ANSWER_BOUND_S * 1000000))
  while :; do
    fleet_login B "$FLEET_USER" <<<"$1"
    [[ $FLEET_RC == 9 ]] || break
    (($(now_us) < deadline)) || { echo "  no read-write server answered in $ANSWER_BOUND_S s"; return 1; }
    sleep 0.1
  done
  ANSWERED_US=$(now_us)
}

# came_back WHAT: counts a replayed code that was accepted, and says so.
CODES_BACK=0
came_back() {
  CODES_BACK=$((CODES_BACK + 1))
  echo "  $1 came back: accepted again after the failover"
}

# consume_on_a ROUND: a new TOTP code (TOTP) and the ROUND'th recovery code (RECOVERY), each
# consumed on host A.
consume_on_a() {
  fleet_next_code
  TOTP=$FLEET_CODE
  RECOVERY=$(sed -n "$1p" "$FLEET_RECOVERY")
  fleet_login_on A 0 "the TOTP code" "$TOTP" &&
    fleet_login_on A 0 "the recovery code" "$RECOVERY"
}

# failover_round N: one round (see the header); TO_LOGIN_MS gets the promotion-to-first-success
# time.
TO_LOGIN_MS=()
TO_ANSWER_MS=()
failover_round() {
  local promoted_us failed=0
  consume_on_a "$1" || return 1
  pg_kill9_primary
  promoted_us=$(now_us)
  pg_promote_standby
  after_promotion "$promoted_us" || failed=1
  # Whatever happened above, the next round needs a standby again.
  pg_rebase_old_primary sync
  # The next round's codes within window again (see the header).
  pg_super_sql "UPDATE sshotp.enrollments SET last_step = -1 WHERE username = '$FLEET_USER'"
  FLEET_OFFSET=-270
  return "$failed"
}

# after_promotion PROMOTED_US: steps 3 to 5 of a round.
after_promotion() {
  local failed=0 audit
  replay_until_answered "$TOTP" || return 1
  TO_ANSWER_MS+=($(((ANSWERED_US - $1) / 1000)))
  if [[ $FLEET_RC == 0 ]]; then
    came_back "the TOTP code"
    failed=1
  elif audit=$(fleet_audit_line) && [[ $FLEET_RC != 7 || $audit != *reason=replay* ]]; then
    echo "  the replayed TOTP code: PAM result $FLEET_RC, expected 7 as a replay; logged: $audit"
    failed=1
  fi
  fleet_next_code
  fleet_login_on B 0 "a fresh code after the promotion" "$FLEET_CODE" || return 1
  TO_LOGIN_MS+=($((($(now_us) - $1) / 1000)))
  fleet_login B "$FLEET_USER" <<<"$RECOVERY"
  if [[ $FLEET_RC == 0 ]]; then came_back "the recovery code"; failed=1; fi
  [[ $FLEET_RC == 0 || $FLEET_RC == 7 ]] || { echo "  the replayed recovery code: PAM result $FLEET_RC"; failed=1; }
  return "$failed"
}

# spread_of WHAT N...: "WHAT: min, median (the lower middle one) and max of the Ns, in ms".
spread_of() {
  local what=$1 sorted
  shift
  mapfile -t sorted < <(printf '%s\n' "$@" | sort -n)
  printf '  %s: min %s ms, median %s ms, max %s ms\n' "$what" "${sorted[0]}" \
    "${sorted[$(((${#sorted[@]} - 1) / 2))]}" "${sorted[-1]}"
}

rounds_lose_nothing() {
  local round failed=0 started=$SECONDS
  for ((round = 1; round <= ROUNDS; round++)); do
    failover_round "$round" || { echo "  round $round failed"; failed=1; }
  done
  echo "failover tally: $ROUNDS rounds in $((SECONDS - started)) s, $CODES_BACK codes came back"
  ((${#TO_ANSWER_MS[@]} == 0)) ||
    spread_of "promotion to the first answer (the replay refused)" "${TO_ANSWER_MS[@]}"
  ((${#TO_LOGIN_MS[@]} == 0)) ||
    spread_of "promotion to the first successful login" "${TO_LOGIN_MS[@]}"
  ((failed == 0 && CODES_BACK == 0 && ${#TO_LOGIN_MS[@]} == ROUNDS))
}

# The control: an asynchronous standby, stopped (cleanly, its data kept) so the primary commits
# alone; the codes consumed then exist on the primary only. A stopped walreceiver (SIGSTOP)
# would not do: what the primary sent waits in its socket, and a thawed walreceiver reads it.
async_loses_codes() {
  pg_name_standby async
  pg_halt_standby
  consume_on_a "$((ROUNDS + 1))" || return 1
  pg_kill9_primary
  pg_restart_standby
  pg_promote_standby
  CODES_BACK=0
  replay_until_answered "$TOTP" || return 1
  [[ $FLEET_RC == 0 ]] && came_back "the TOTP code"
  fleet_login B "$FLEET_USER" <<<"$RECOVERY"
  [[ $FLEET_RC == 0 ]] && came_back "the recovery code"
  echo "  control: $CODES_BACK of 2 consumed codes came back (expected: 2)"
  ((CODES_BACK == 2))
}

e2e_case "$ROUNDS failovers to a synchronous standby: no consumed code comes back" \
  rounds_lose_nothing
e2e_case "control: an asynchronous standby that lags loses the consumed codes" async_loses_codes
fleet_finish
