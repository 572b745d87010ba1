# SPDX-License-Identifier: BSD-3-Clause
# PostgreSQL store tests: a real PostgreSQL 15 that each script starts for itself on 127.0.0.1
# (harness/postgres_lib.sh), with TLS and client certificates. They skip only when not root.
PG_TESTS = tests/postgresql/test_pg_harness.sh tests/postgresql/test_pg_schema.sh
TESTS += $(PG_TESTS)
EXTRA_DIST += $(PG_TESTS) tests/postgresql/pg_test_lib.sh
