#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs test_pg_store (the PostgreSQL store's own behaviour: deadlines, hosts, TLS, schema, commit
# warnings, row locks) against a throwaway server with the schema applied.
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/pg_test_lib.sh"
pg_test_preamble sshotp-pg-store
pg_apply_schema
pg_run_program "${SSHOTP_BUILDDIR:?}/tests/postgresql/test_pg_store"
