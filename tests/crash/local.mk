# SPDX-License-Identifier: BSD-3-Clause
# Crash safety and memory checks: SIGKILL storms against logins through libpam, then integrity
# and replay checks; and valgrind memcheck over every way a login can end (skipped in sanitizer
# builds, where valgrind cannot run).
check_PROGRAMS += tests/crash/test_kill_during_login tests/crash/memcheck_driver
TESTS += tests/crash/test_kill_during_login tests/crash/test_memcheck.sh
EXTRA_DIST += tests/crash/test_memcheck.sh
tests_crash_test_kill_during_login_SOURCES = tests/crash/test_kill_during_login.cc \
	tests/crash/tmpfs_scratch.h
tests_crash_test_kill_during_login_CXXFLAGS = $(AM_CXXFLAGS) $(SQLITE_CFLAGS)
tests_crash_test_kill_during_login_LDADD = $(MODULE_TESTLIBS) $(SQLITE_LIBS)
tests_crash_test_kill_during_login_LDFLAGS = $(MODULE_TESTLINKFLAGS)
tests_crash_memcheck_driver_LDADD = $(MODULE_TESTLIBS)
tests_crash_memcheck_driver_LDFLAGS = $(MODULE_TESTLINKFLAGS)
