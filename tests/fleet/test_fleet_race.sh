#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The race across hosts (issue 12): tests/module/test_race, whose racers (2 or 8 processes
# through libpam and the built module, one code, 100 rounds, TOTP codes and recovery codes) are
# split across two hosts' configs, run against one PostgreSQL database through the plugin
# (SSHOTP_TEST_STORE=postgresql, tests/support/fixture.h): exactly one success every round. Its
# output gives the counts. Needs root; skips (77) only when not root.
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/../postgresql/pg_test_lib.sh"
pg_test_preamble sshotp-fleet-race
pg_apply_schema
[[ -f ${SSHOTP_PG_PLUGIN:-} ]] || e2e_die "SSHOTP_PG_PLUGIN is not a file: ${SSHOTP_PG_PLUGIN:-}"
SSHOTP_TEST_STORE=postgresql pg_run_program sh "$SSHOTP_SRCDIR/tests/support/with_nss.sh" \
  --if-needed "${SSHOTP_BUILDDIR:?}/tests/module/test_race"
