#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fleet logins through PgBouncer (issue 13): Debian's pgbouncer in transaction pooling mode,
# started from the shipped examples/postgresql/pgbouncer.ini (harness/pgbouncer_lib.sh), in front
# of the throwaway PostgreSQL. Hosts A and B log in through it, the enrolling host directly;
# every login goes through libpam and the built module.
#   logins                 a fresh code is accepted, a wrong one refused, a recovery code
#                          accepted once
#   cross-host replay      a code used through PgBouncer is refused directly and through it,
#                          and the other way round
#   leaked session state   a SET left on a pooled server connection by another client: the
#                          store's durability check (synchronous_commit, read inside the
#                          transaction) refuses; a read-only session, which libpq's
#                          target_session_attrs cannot see behind PgBouncer (it answers from
#                          parameters cached at its first server login), refuses without
#                          consuming the code
#   the race               tests/module/test_race through PgBouncer (FLEET_PGB_RACE_ROUNDS
#                          rounds, default 5): exactly one winner per code
#   no session state       with log_statement = all, the hosts' statements are only BEGIN,
#                          SELECT, INSERT, UPDATE, DELETE, WITH, COMMIT, ROLLBACK: no SET, no
#                          PREPARE, no named prepared statement; and the race's hundreds of
#                          logins used no more server backends than the pool's size
# Needs root; skips (77) only when not root. Needs configure --with-postgresql.
# shellcheck disable=SC2317 # the cases below are called through e2e_case
set -euo pipefail

: "${SSHOTP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/fleet/fleet_lib.sh
. "$SSHOTP_SRCDIR/tests/fleet/fleet_lib.sh"
# shellcheck source=harness/pgbouncer_lib.sh
. "$SSHOTP_SRCDIR/harness/pgbouncer_lib.sh"

RACE_ROUNDS=${FLEET_PGB_RACE_ROUNDS:-5}

# Refused codes count as failures: keep the lockout out of the way.
fleet_libpam_preamble sshotp-fleet-pgb "max_failures = 100"
# Every statement, with its role and backend, from here on.
pg_super_sql "ALTER SYSTEM SET log_statement = 'all'" \
  "ALTER SYSTEM SET log_line_prefix = '%m [%p] user=%u '" "SELECT pg_reload_conf()" >/dev/null
for ((waited = 0; waited < 50; waited++)); do
  [[ $(pg_super_sql "SHOW log_statement") == all ]] && break
  sleep 0.1
done
# shellcheck disable=SC2119 # no clients but the host role
pgb_start
echo "PgBouncer on 127.0.0.1:$PGB_PORT"
fleet_write_host a "$(pgb_conninfo "$PG_HOST_ROLE")" "${FLEET_SETTINGS[@]}"
fleet_write_host b "$(pgb_conninfo "$PG_HOST_ROLE")" "${FLEET_SETTINGS[@]}"
fleet_share_key enrolling a
fleet_share_key enrolling b
first_recovery=$(sed -n 1p "$FLEET_RECOVERY")
second_recovery=$(sed -n 2p "$FLEET_RECOVERY")
log_start=$(wc -l <"$PG_DIR/server.log")

# through_pgbouncer SQL: SQL run by another client of the pool (psql as the host role).
through_pgbouncer() {
  psql -X "$(pgb_conninfo "$PG_HOST_ROLE")" -v ON_ERROR_STOP=1 -Atq -c "$1" >/dev/null
}

logins() {
  fleet_next_code
  fleet_login_on a 0 "a fresh TOTP code" "$FLEET_CODE" &&
    fleet_login_on a 7 "a wrong code" "$(e2e_wrong_code "$FLEET_SECRET")" &&
    fleet_login_on a 0 "a recovery code" "$first_recovery" &&
    fleet_login_on b 7 "the same recovery code again" "$first_recovery"
}

replay() {
  fleet_next_code
  fleet_login_on a 0 "a fresh TOTP code" "$FLEET_CODE" &&
    fleet_login_on enrolling 7 "the code used through PgBouncer, direct" "$FLEET_CODE" &&
    fleet_login_on b 7 "the code used through PgBouncer, again through it" "$FLEET_CODE" &&
    fleet_login_on enrolling 7 "the recovery code used through PgBouncer, direct" "$first_recovery" &&
    fleet_next_code &&
    fleet_login_on enrolling 0 "a fresh TOTP code, direct" "$FLEET_CODE" &&
    fleet_login_on b 7 "the code used directly, through PgBouncer" "$FLEET_CODE"
}

# refused_for HOST CAUSE: a valid, unused code on HOST is refused with PAM_AUTHINFO_UNAVAIL, and
# the module's log line matches CAUSE (an extended regular expression, ignoring case).
refused_for() {
  fleet_next_code
  fleet_login_on "$1" 9 "a valid code" "$FLEET_CODE" || return 1
  FLEET_CAUSE=$(fleet_cause_line)
  grep -qiE -- "$2" <<<"$FLEET_CAUSE" && return 0
  echo "  $E2E_CASE: logged: ${FLEET_CAUSE:-nothing}"
  return 1
}

# PgBouncer hands the server connection released last to the next client (server_round_robin
# is off), so the next login's transactions run on the session the SET was left on.
leaked_durability() {
  through_pgbouncer "SET synchronous_commit = off" &&
    refused_for a "synchronous_commit is off" &&
    through_pgbouncer "RESET synchronous_commit" &&
    fleet_next_code && fleet_login_on a 0 "a fresh code after the RESET" "$FLEET_CODE"
}

# Direct, libpq's target_session_attrs=read-write refuses a read-only session at connect time;
# through PgBouncer it sees the parameters PgBouncer cached at its first server login (as it
# would in_hot_standby), so the write itself must fail, and the code stay unused.
leaked_read_only() {
  local code
  through_pgbouncer "SET default_transaction_read_only = on" &&
    refused_for a "read-only" || return 1
  code=$FLEET_CODE
  through_pgbouncer "RESET default_transaction_read_only" &&
    fleet_login_on a 0 "the code refused in the read-only session" "$code" &&
    fleet_login_on a 0 "a recovery code after the RESET" "$second_recovery"
}

# host_statements FROM: the statements the host role ran, from server log line FROM on, one a
# line, as "PID STATEMENT" (a statement sent with parameters is logged "execute <unnamed>").
host_statements() {
  tail -n "+$1" "$PG_DIR/server.log" |
    sed -nE "s/^.* \[([0-9]+)\] user=$PG_HOST_ROLE LOG:  (statement|execute [^:]*): (.*)$/\\1 \\2: \\3/p"
}

# no_session_state FROM WHAT [MAX_BACKENDS]: the host role's statements since server log line
# FROM are all of the allowed kinds, sent unnamed, and (if given) came from MAX_BACKENDS server
# backends at most.
no_session_state() {
  local statements backends bad
  statements=$(host_statements "$1")
  backends=$(cut -d' ' -f1 <<<"$statements" | sort -u | grep -c .)
  bad=$({
    grep -viE '^[0-9]+ (statement|execute <unnamed>): (BEGIN|SELECT|INSERT|UPDATE|DELETE|WITH|COMMIT|ROLLBACK)\b' <<<"$statements"
    grep -iE ';\s*(SET|RESET|DISCARD|PREPARE|EXECUTE|DEALLOCATE|LISTEN)\b' <<<"$statements"
  } | head -5)
  echo "  $2: $(grep -c . <<<"$statements") statements from $backends server backends${3:+ (at most $3)}"
  [[ -z $bad ]] || { echo "  $E2E_CASE: not allowed:"; printf '    %s\n' "$bad"; }
  [[ -n $statements && -z $bad ]] && ((backends <= ${3:-backends}))
}

# pool_size: the most server connections the example lets PgBouncer open to the database.
pool_size() {
  local ini="$PGB_DIR/pgbouncer.ini"
  echo $(($(sed -n 's/^default_pool_size = //p' "$ini") + $(sed -n 's/^reserve_pool_size = //p' "$ini")))
}

first_logins_plain() { no_session_state "$log_start" "logins and replay (direct ones too)"; }
race_plain() { no_session_state "$race_start" "race" "$(pool_size)"; }

race_start=""
race() {
  local status=0 started=$SECONDS
  race_start=$(wc -l <"$PG_DIR/server.log")
  SSHOTP_TEST_STORE=postgresql SSHOTP_TEST_RACE_ROUNDS=$RACE_ROUNDS \
    SSHOTP_TEST_PG_CONNINFO=$(pgb_conninfo "$PG_HOST_ROLE") \
    SSHOTP_TEST_PG_SUPER=$(pg_super_conninfo) \
    sh "$SSHOTP_SRCDIR/tests/support/with_nss.sh" --if-needed \
    "${SSHOTP_BUILDDIR:?}/tests/module/test_race" >"$E2E_TMP/race.out" 2>&1 || status=$?
  sed -n 's/^race /  race /p' "$E2E_TMP/race.out"
  echo "  the race took $((SECONDS - started)) s"
  ((status == 0)) || { sed 's/^/    /' "$E2E_TMP/race.out"; return 1; }
}

e2e_case "through PgBouncer: a fresh code in, a wrong one out, a recovery code once" logins
e2e_case "cross-host replay: a code used through PgBouncer is refused everywhere" replay
e2e_case "first logins: only plain statements, unnamed" first_logins_plain
e2e_case "a SET synchronous_commit = off left in the pool: refused (durability check)" \
  leaked_durability
e2e_case "a read-only session behind PgBouncer: refused, and the code not consumed" \
  leaked_read_only
e2e_case "the race through PgBouncer: one winner per code" race
e2e_case "the race: only plain statements, unnamed, on the pool's backends" race_plain
fleet_finish
