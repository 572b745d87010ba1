#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# kill -9 of logins in flight against PostgreSQL (issue 12): the SQLite crash loop,
# tests/crash/test_kill_during_login, run against one PostgreSQL database through the plugin
# (SSHOTP_TEST_STORE=postgresql): no reported code is accepted again, last_step never goes
# back, no used recovery code comes back, and the login after the storm works. Then the server
# itself: no session of the host role is left behind (a killed login's backend ends with its
# socket, and its transaction and row locks with it). SSHOTP_FLEET_CRASH_ROUNDS (default
# 60) sets its rounds, SSHOTP_CRASH_SEED its seed as for the SQLite loop. Needs root; skips (77) only when not root.
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/../postgresql/pg_test_lib.sh"
pg_test_preamble sshotp-fleet-crash
pg_apply_schema
[[ -f ${SSHOTP_PG_PLUGIN:-} ]] || e2e_die "SSHOTP_PG_PLUGIN is not a file: ${SSHOTP_PG_PLUGIN:-}"

SSHOTP_TEST_STORE=postgresql SSHOTP_CRASH_ROUNDS=${SSHOTP_FLEET_CRASH_ROUNDS:-60} pg_run_program \
  sh "$SSHOTP_SRCDIR/tests/support/with_nss.sh" --if-needed \
  "${SSHOTP_BUILDDIR:?}/tests/crash/test_kill_during_login"
verdict "the crash loop against PostgreSQL" $?

# host_sessions: the host role's sessions still on the server, and what each is doing.
host_sessions() {
  pg_super_sql "SELECT count(*) || ' ' || coalesce(string_agg(state, ','), '')
    FROM pg_stat_activity WHERE usename = '$PG_HOST_ROLE'"
}
for ((waited = 0; waited < 50; waited++)); do
  left=$(host_sessions)
  [[ $left == "0 " ]] && break
  sleep 0.1
done
echo "host-role sessions left on the server after the storm: ${left% *} (${left#* })"
[[ $left == "0 " ]]
verdict "no session (open transaction, row lock) of a killed login is left on the server" $?
pg_test_finish
