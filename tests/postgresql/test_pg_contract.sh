#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The contract suite: the store's unit tests that SQLite passes (tests/unit/test_store*), and a
# login through the module (tests/module/test_store_backends), run again against PostgreSQL
# through the plugin, exactly as built (SSHOTP_TEST_STORE=postgresql
# makes the fixture point each test's config at the harness's database; see
# tests/support/fixture.h). Tests of what is SQLite's own skip there. Each program's cmocka
# summary is part of this test's output.
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/pg_test_lib.sh"
pg_test_preamble sshotp-pg-contract
pg_apply_schema
[[ -f ${SSHOTP_PG_PLUGIN:-} ]] || e2e_die "SSHOTP_PG_PLUGIN is not a file: ${SSHOTP_PG_PLUGIN:-}"

# The rows written to sshotp's tables so far (the server's statistics: TRUNCATE, which resets
# the store between tests, does not lower them).
rows_written() {
  pg_super_sql "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)
    FROM pg_stat_user_tables WHERE schemaname = 'sshotp'"
}

# wrote_since COUNT: the statistics grew past COUNT. A backend reports them when its session
# ends, which may be a moment after the program has exited: wait up to 10 s for it.
wrote_since() {
  local tries
  for ((tries = 0; tries < 100; tries++)); do
    (($(rows_written) > $1)) && return 0
    sleep 0.1
  done
  return 1
}

status=0
# The store's unit tests, and a login through libpam and the module (tests/module/), which logs
# in as the test accounts of nss_wrapper, as `make check` runs it (tests/local.mk). Each must
# have written to PostgreSQL: a program that quietly used SQLite would pass and prove nothing.
for program in unit/test_store unit/test_store_states unit/test_store_bulk \
  module/test_store_backends; do
  echo "--- $program against PostgreSQL"
  before=$(rows_written)
  SSHOTP_TEST_STORE=postgresql pg_run_program sh "$SSHOTP_SRCDIR/tests/support/with_nss.sh" \
    --if-needed "${SSHOTP_BUILDDIR:?}/tests/$program" || status=1
  wrote_since "$before" || { echo "FAIL: $program wrote nothing to PostgreSQL"; status=1; }
done
# The last program's login consumed alice's code: its replay mark is in the database.
[[ $(pg_super_sql "SELECT last_step >= 0 FROM sshotp.enrollments WHERE username = 'alice'") == t ]] ||
  { echo "FAIL: the login through the module left no consumed code in PostgreSQL"; status=1; }
exit "$status"
