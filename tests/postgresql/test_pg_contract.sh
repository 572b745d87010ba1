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

status=0
# The store's unit tests, and a login through libpam and the module (tests/module/), which logs
# in as the test accounts of nss_wrapper, as `make check` runs it (tests/local.mk).
for program in unit/test_store unit/test_store_states unit/test_store_bulk \
  module/test_store_backends; do
  echo "--- $program against PostgreSQL"
  SSHOTP_TEST_STORE=postgresql pg_run_program sh "$SSHOTP_SRCDIR/tests/support/with_nss.sh" \
    --if-needed "${SSHOTP_BUILDDIR:?}/tests/$program" || status=1
done
exit "$status"
