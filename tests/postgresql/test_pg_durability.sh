#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs test_pg_durability (a COMMIT that is not durable is refused or denied, never accepted)
# against a throwaway server of its own with the schema applied: the test changes server-wide
# settings (synchronous_standby_names), which no other test should see.
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/pg_test_lib.sh"
pg_test_preamble sshotp-pg-durability
pg_apply_schema
pg_run_program "${SSHOTP_BUILDDIR:?}/tests/postgresql/test_pg_durability"
