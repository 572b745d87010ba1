# SPDX-License-Identifier: BSD-3-Clause
# Fleet tests (issue 12): several hosts over one PostgreSQL store, each test starting its own
# server (harness/postgres_lib.sh) and, for the sshd test, two real sshd "hosts" (harness/).
# The race and the kill -9 loop are the module and crash tests' programs run against PostgreSQL;
# test_fleet_pgbouncer.sh runs logins, replay and the race through PgBouncer (issue 13).
# They skip only when not root; they need the plugin (configure --with-postgresql).
FLEET_TESTS = tests/fleet/test_fleet_sshd.sh tests/fleet/test_fleet_race.sh \
	tests/fleet/test_fleet_faults.sh tests/fleet/test_fleet_failover.sh \
	tests/fleet/test_fleet_crash.sh tests/fleet/test_fleet_pgbouncer.sh
EXTRA_DIST += $(FLEET_TESTS) tests/fleet/fleet_lib.sh
if WITH_POSTGRESQL
TESTS += $(FLEET_TESTS)
endif
