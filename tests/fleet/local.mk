# SPDX-License-Identifier: BSD-3-Clause
# Fleet tests (issue 12): several hosts over one PostgreSQL store, each test starting its own
# server (harness/postgres_lib.sh) and, for the sshd test, two real sshd "hosts" (harness/).
# The race and the kill -9 loop are the module and crash tests' programs run against PostgreSQL.
# Issue 13: test_fleet_pgbouncer.sh runs logins, replay and the race through PgBouncer;
# test_fleet_promote.sh adds a synchronous standby (harness/postgres_standby_lib.sh) and fails
# over to it SSHOTP_FAILOVER_ROUNDS times (default 20); test_fleet_standby.sh has that standby
# stop answering, and its wait cancelled.
# They skip only when not root; they need the plugin (configure --with-postgresql).
FLEET_TESTS = tests/fleet/test_fleet_sshd.sh tests/fleet/test_fleet_race.sh \
	tests/fleet/test_fleet_faults.sh tests/fleet/test_fleet_failover.sh \
	tests/fleet/test_fleet_crash.sh tests/fleet/test_fleet_pgbouncer.sh \
	tests/fleet/test_fleet_promote.sh tests/fleet/test_fleet_standby.sh
EXTRA_DIST += $(FLEET_TESTS) tests/fleet/fleet_lib.sh
if WITH_POSTGRESQL
TESTS += $(FLEET_TESTS)
endif
