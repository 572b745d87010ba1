# SPDX-License-Identifier: BSD-3-Clause
# PostgreSQL store tests: a real PostgreSQL 15 that each script starts for itself on 127.0.0.1
# (harness/postgres_lib.sh), with TLS and client certificates. They skip only when not root.
# The C++ programs are run by a script that starts the server (pg_test_lib.sh's pg_run_program).
PG_TESTS = tests/postgresql/test_pg_harness.sh tests/postgresql/test_pg_schema.sh \
	tests/postgresql/test_pg_examples.sh
EXTRA_DIST += tests/postgresql/pg_test_lib.sh tests/postgresql/test_pg_store.sh \
	tests/postgresql/test_pg_contract.sh tests/postgresql/test_pg_connect.sh \
	tests/postgresql/test_pg_durability.sh tests/postgresql/test_pg_db.sh \
	tests/postgresql/test_pg_cli.sh tests/postgresql/test_pg_copy.sh
if WITH_POSTGRESQL
PG_TESTS += tests/postgresql/test_pg_store.sh tests/postgresql/test_pg_contract.sh \
	tests/postgresql/test_pg_connect.sh tests/postgresql/test_pg_durability.sh \
	tests/postgresql/test_pg_db.sh tests/postgresql/test_pg_cli.sh \
	tests/postgresql/test_pg_copy.sh
check_PROGRAMS += tests/postgresql/test_pg_store tests/postgresql/test_pg_connect \
	tests/postgresql/test_pg_durability tests/postgresql/test_pg_locks
tests_postgresql_test_pg_store_SOURCES = tests/postgresql/test_pg_store.cc \
	tests/postgresql/pg_test_support.h
tests_postgresql_test_pg_store_CXXFLAGS = $(AM_CXXFLAGS) $(LIBPQ_CFLAGS)
tests_postgresql_test_pg_store_LDADD = common/postgresql/libsshotp_pg.la $(TESTLIBS) $(LIBPQ_LIBS)
tests_postgresql_test_pg_store_LDFLAGS = $(TESTLINKFLAGS)
tests_postgresql_test_pg_connect_SOURCES = tests/postgresql/test_pg_connect.cc \
	tests/postgresql/pg_test_support.h
tests_postgresql_test_pg_connect_CXXFLAGS = $(AM_CXXFLAGS) $(LIBPQ_CFLAGS)
tests_postgresql_test_pg_connect_LDADD = $(tests_postgresql_test_pg_store_LDADD)
tests_postgresql_test_pg_connect_LDFLAGS = $(TESTLINKFLAGS)
tests_postgresql_test_pg_durability_SOURCES = tests/postgresql/test_pg_durability.cc \
	tests/postgresql/pg_test_support.h
tests_postgresql_test_pg_durability_CXXFLAGS = $(AM_CXXFLAGS) $(LIBPQ_CFLAGS)
tests_postgresql_test_pg_durability_LDADD = $(tests_postgresql_test_pg_store_LDADD)
tests_postgresql_test_pg_durability_LDFLAGS = $(TESTLINKFLAGS)
tests_postgresql_test_pg_locks_SOURCES = tests/postgresql/test_pg_locks.cc \
	tests/postgresql/pg_test_support.h
tests_postgresql_test_pg_locks_CXXFLAGS = $(AM_CXXFLAGS) $(LIBPQ_CFLAGS)
tests_postgresql_test_pg_locks_LDADD = $(tests_postgresql_test_pg_store_LDADD)
tests_postgresql_test_pg_locks_LDFLAGS = $(TESTLINKFLAGS)
else
EXTRA_DIST += tests/postgresql/pg_test_support.h tests/postgresql/test_pg_store.cc \
	tests/postgresql/test_pg_connect.cc tests/postgresql/test_pg_durability.cc \
	tests/postgresql/test_pg_locks.cc
endif
TESTS += $(PG_TESTS)
EXTRA_DIST += tests/postgresql/test_pg_harness.sh tests/postgresql/test_pg_schema.sh \
	tests/postgresql/test_pg_examples.sh
