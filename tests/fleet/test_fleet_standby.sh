#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A synchronous standby that stops answering (issue 13): the known way synchronous replication
# turns into a hang. Logins through libpam and the built module against a real primary with a
# real synchronous standby (harness/postgres_standby_lib.sh) must end in a refusal,
# PAM_AUTHINFO_UNAVAIL, within pg_timeout_ms + 1 s, with a log line that names the synchronous
# standby, and work again once the standby is back:
#   the standby frozen (SIGSTOP)   a login's COMMIT waits for it: refused; a second login for the
#                                  same user at the same time waits for the row the first one
#                                  holds: refused too. The backends left waiting are counted.
#   the wait cancelled             pg_cancel_backend on the waiting COMMIT: refused, the log says
#                                  the wait was cancelled; the code is used up (last_step on the
#                                  primary has passed it, read before any later login).
#   a role statement_timeout       shorter than pg_timeout_ms: what it does to the wait (nothing:
#                                  PostgreSQL disarms it before the COMMIT) is printed; refused,
#                                  its code used up as well.
#   the standby stopped            refused in time; logins back once it streams again.
# FLEET_STANDBY_MORE (default 1): further refused logins while frozen, to see backends pile up.
# Needs root; skips (77) only when not root. Needs configure --with-postgresql.
# The cases are called through e2e_case; pg_freeze_standby without "walreceiver" freezes it all.
# shellcheck disable=SC2317,SC2119
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/fleet/fleet_lib.sh
. "$SSHOTP_SRCDIR/tests/fleet/fleet_lib.sh"
# shellcheck source=harness/postgres_standby_lib.sh
. "$SSHOTP_SRCDIR/harness/postgres_standby_lib.sh"

# Refused codes count as failures: keep the lockout out of the way.
fleet_libpam_preamble sshotp-fleet-standby "max_failures = 100"
pg_start_standby sb1 sync
echo "synchronous standby sb1 on 127.0.0.1:$PG_STANDBY_PORT"
more=${FLEET_STANDBY_MORE:-1}
STANDBY_CAUSE='synchronous standby'

# waiting EVENT: how many of the host role's backends wait on EVENT (SyncRep, or Lock: a row).
waiting() {
  pg_super_sql "SELECT count(*) FROM pg_stat_activity WHERE usename = '$PG_HOST_ROLE'
    AND (wait_event = '$1' OR wait_event_type = '$1')"
}

# await_waiting EVENT COUNT: true once `waiting EVENT` is COUNT (polled, up to 10 s).
await_waiting() {
  local tries
  for ((tries = 0; tries < 100; tries++)); do
    [[ $(waiting "$1") == "$2" ]] && return 0
    sleep 0.1
  done
  echo "  $E2E_CASE: $(waiting "$1") backends wait on $1, not $2"
  return 1
}

# background_login TAG: a login with a new code on the enrolling host, in the
# background, in a scratch directory of its own (fleet_login's files); background_result TAG
# waits for it and sets FLEET_RC and FLEET_MS.
background_login() {
  local scratch="$E2E_TMP/bg-$1"
  mkdir -p "$scratch"
  ln -sfn "$(fleet_host_dir enrolling)" "$scratch/host-enrolling"
  fleet_next_code
  (E2E_TMP=$scratch fleet_login enrolling "$FLEET_USER" <<<"$FLEET_CODE"
    echo "$FLEET_RC $FLEET_MS" >"$scratch/result") &
  printf -v "BG_PID_$1" '%s' "$!"
}
background_result() {
  local pid_var="BG_PID_$1"
  wait "${!pid_var}" || true
  read -r FLEET_RC FLEET_MS <"$E2E_TMP/bg-$1/result"
  FLEET_FIGURES+=("$1: PAM result $FLEET_RC in $FLEET_MS ms")
  echo "  $1: PAM result $FLEET_RC in $FLEET_MS ms"
  [[ $FLEET_RC == 9 && $FLEET_MS != none ]] && ((FLEET_MS <= FLEET_BOUND_MS))
}

# thawed_and_back [CHECK...]: the standby thawed, the waits it held drained, CHECK (a command,
# if given) true, and a new code logs in.
thawed_and_back() {
  pg_thaw_standby
  await_waiting SyncRep 0 && "${@:-true}" && fleet_timed_login "after the thaw" enrolling 0
}

frozen() {
  local status=0 i mark
  mark=$(wc -l <"$E2E_SYSLOG")
  pg_freeze_standby
  # The first login's COMMIT waits for the standby; the second, at the same time, for the row
  # the first holds. Both logs name the standby.
  background_login first
  await_waiting SyncRep 1 || status=1
  fleet_timed_login "standby frozen, the same user meanwhile" enrolling 9 &&
    grep -qi "$STANDBY_CAUSE" <<<"$FLEET_CAUSE" || status=1
  background_result first || status=1
  [[ $(e2e_module_lines "$mark" | grep -ci "store unavailable.*$STANDBY_CAUSE") == 2 ]] ||
    { echo "  not both logs name the standby"; status=1; }
  SYNCREP_AFTER_2=$(waiting SyncRep)
  LOCK_AFTER_2=$(waiting Lock)
  for ((i = 0; i < more; i++)); do
    fleet_timed_login "standby frozen, one more" enrolling 9 || status=1
  done
  SYNCREP_AFTER_MORE=$(waiting SyncRep)
  LOCK_AFTER_MORE=$(waiting Lock)
  echo "  backends waiting: after 2 refused logins SyncRep $SYNCREP_AFTER_2, Lock $LOCK_AFTER_2;" \
    "after $((2 + more)) SyncRep $SYNCREP_AFTER_MORE, Lock $LOCK_AFTER_MORE"
  # One user, one row: whatever the count of refusals, one COMMIT waits for the standby.
  [[ $SYNCREP_AFTER_MORE == 1 ]] || status=1
  thawed_and_back || status=1
  return "$status"
}

# last_step: the user's last consumed step, as the primary has it (a read: no commit to wait on).
last_step() {
  pg_super_sql "SELECT last_step FROM sshotp.enrollments WHERE username = '$FLEET_USER'"
}

# consumed_since STEP WHAT: the last_step has gone past STEP (the refused login's code was
# committed on the primary, so it is used up); says so if not.
consumed_since() {
  (($(last_step) > $1)) && return 0
  echo "  $2: its code was not committed on the primary (last_step still $1)"
  return 1
}

cancelled() {
  local status=0 step
  local mark
  mark=$(wc -l <"$E2E_SYSLOG")
  step=$(last_step)
  pg_freeze_standby
  background_login cancelled
  await_waiting SyncRep 1 &&
    [[ $(pg_super_sql "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
      WHERE usename = '$PG_HOST_ROLE' AND wait_event = 'SyncRep'") == t ]] || status=1
  background_result cancelled || status=1
  # Refused, yet committed on the primary: the code is used up (checked before any later login,
  # whose newer step would hide it).
  consumed_since "$step" "the cancelled wait" || status=1
  step=$(last_step)
  # The background login's lines are the last the module wrote since the mark of the frozen
  # case's last login.
  e2e_module_lines "$mark" | grep -qi 'canceling wait for synchronous replication' ||
    { echo "  the log does not say the wait was cancelled"; status=1; }
  # A role's statement_timeout, shorter than pg_timeout_ms, on the same frozen standby.
  # The superuser's own COMMIT would wait for the frozen standby too: local, for this session.
  pg_super_sql "SET synchronous_commit = local;
    ALTER ROLE $PG_HOST_ROLE SET statement_timeout = '1s'"
  fleet_timed_login "standby frozen, role statement_timeout 1 s" enrolling 9 &&
    grep -qiE 'synchronous (standby|replication)' <<<"$FLEET_CAUSE" || status=1
  STATEMENT_TIMEOUT_CAUSE=$FLEET_CAUSE
  SYNCREP_AFTER_STATEMENT_TIMEOUT=$(waiting SyncRep)
  echo "  after it, backends waiting on SyncRep: $SYNCREP_AFTER_STATEMENT_TIMEOUT"
  # The timeout did not end the wait (PostgreSQL disarms it before the COMMIT): what roles.sql
  # says when it leaves statement_timeout out.
  [[ $SYNCREP_AFTER_STATEMENT_TIMEOUT == 1 ]] || status=1
  pg_super_sql "SET synchronous_commit = local; ALTER ROLE $PG_HOST_ROLE RESET statement_timeout"
  # Its COMMIT still waits for the standby (the timeout did not end the wait), and a waiting
  # commit is not yet visible: once the standby is back it completes, its code used up, which
  # is checked before the next login's newer step would hide it.
  thawed_and_back consumed_since "$step" "the statement_timeout login" || status=1
  return "$status"
}

stopped() {
  local status=0
  pg_halt_standby
  fleet_timed_login "standby stopped" enrolling 9 && grep -qi "$STANDBY_CAUSE" <<<"$FLEET_CAUSE" ||
    status=1
  pg_restart_standby
  pg_name_standby sync
  await_waiting SyncRep 0 && fleet_timed_login "standby back" enrolling 0 || status=1
  return "$status"
}

e2e_case "standby frozen: both logins for one user refused in time, then back after a thaw" frozen
e2e_case "cancelled wait: refused, the code used up; a role statement_timeout: refused" cancelled
e2e_case "standby stopped: refused in time, then back" stopped
fleet_print_figures standby
echo "backends waiting on SyncRep / on a row lock:" \
  "after 2 refused logins $SYNCREP_AFTER_2 / $LOCK_AFTER_2," \
  "after $((2 + more)): $SYNCREP_AFTER_MORE / $LOCK_AFTER_MORE"
echo "role statement_timeout = 1s with the standby frozen, the module logged:" \
  "${STATEMENT_TIMEOUT_CAUSE:-}"
fleet_finish
