#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs test_pg_store (the PostgreSQL store's own behaviour: deadlines, hosts, TLS, schema, commit
# warnings) and test_pg_locks (row locks, a silent host's lock, the sharded counter) against a
# throwaway server with the schema applied.
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/pg_test_lib.sh"
pg_test_preamble sshotp-pg-store
pg_apply_schema
status=0
pg_run_program "${SSHOTP_BUILDDIR:?}/tests/postgresql/test_pg_store" || status=1
pg_run_program "${SSHOTP_BUILDDIR:?}/tests/postgresql/test_pg_locks" || status=1
exit "$status"
