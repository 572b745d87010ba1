# SPDX-License-Identifier: BSD-3-Clause
# What every test layer shares. Unit tests link the core and the CLI's library; module tests load
# the built .so through the real libpam; shell tests drive the CLI, oathtool/pyotp and a real
# sshd. Each layer's targets are in its own folder's local.mk.

# The fixture (a private directory with a config, a key and a store) for every C++ test.
check_LTLIBRARIES += tests/support/libtest_fixture.la
tests_support_libtest_fixture_la_SOURCES = tests/support/cmocka.h tests/support/env_state.h \
	tests/support/fixture.cc tests/support/fixture.h
# Test programs take these by default (automake's LDADD): the fixture, the CLI's library (only
# the objects a test uses are linked) and the core.
TESTLIBS = tests/support/libtest_fixture.la enroll/libsshotp_enroll.la common/libsshotp.la \
	$(CMOCKA_LIBS)
LDADD = $(TESTLIBS)
TESTLINKFLAGS = $(AM_LDFLAGS) -no-install

# The module refuses names the passwd database does not know, so the tests that log in as
# alice, bob... run under nss_wrapper with test accounts (tests/support/with_nss.sh; the others
# run as they are), and nss_fault.so injects directory errors nss_wrapper cannot. Each test's log
# ends with its wall time (tests/support/time_test.sh), for CI's budget.
LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/support/time_test.sh \
	$(SHELL) $(top_srcdir)/tests/support/with_nss.sh --if-needed
check_LTLIBRARIES += tests/support/nss_fault.la
tests_support_nss_fault_la_SOURCES = tests/support/nss_fault.cc
tests_support_nss_fault_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-rpath '$(abs_builddir)/tests/support'
EXTRA_DIST += tests/support/with_nss.sh tests/support/time_test.sh

AM_TESTS_ENVIRONMENT = \
	PAM_SSHOTP_MODULE='$(abs_top_builddir)/pam_module/.libs/pam_sshotp.so'; \
	SSHOTP_ENROLL='$(abs_top_builddir)/enroll/sshotp-enroll'; \
	SSHOTP_TOTP='$(abs_top_builddir)/tests/tools/sshotp-totp'; \
	SSHOTP_SRCDIR='$(abs_top_srcdir)'; \
	SSHOTP_BUILDDIR='$(abs_top_builddir)'; \
	SSHD='$(SSHD)'; \
	NSS_FAULT_SHIM='$(abs_top_builddir)/tests/support/.libs/nss_fault.so'; \
	SSHOTP_FOREIGN_PLUGIN='$(abs_top_builddir)/tests/support/.libs/foreign_plugin.so'; \
	SSHOTP_PARTIAL_PLUGIN='$(abs_top_builddir)/tests/support/.libs/partial_plugin.so'; \
	SSHOTP_PG_PLUGIN='$(SSHOTP_PG_PLUGIN)'; \
	export PAM_SSHOTP_MODULE SSHOTP_ENROLL SSHOTP_TOTP SSHOTP_SRCDIR SSHOTP_BUILDDIR SSHD \
		NSS_FAULT_SHIM SSHOTP_FOREIGN_PLUGIN SSHOTP_PARTIAL_PLUGIN SSHOTP_PG_PLUGIN;

# A sanitized module needs the sanitizer runtime loaded first in the process that dlopens it.
# Our test programs are sanitized themselves; a test that loads the module into a program that
# is not (python's ctypes, sshd) puts $SANITIZER_PRELOAD into that program's LD_PRELOAD. Empty in
# ordinary builds.
AM_TESTS_ENVIRONMENT += SANITIZER_PRELOAD='$(SANITIZER_PRELOAD)'; export SANITIZER_PRELOAD;

# The sanitizer stage (run-tests.sh): every test, in a build configured with
# --enable-sanitizers. The test programs and sshotp-enroll are sanitized themselves; the python
# driver that loads the module (tests/cli/pam_login.py) and the real sshd (harness/sanitizer_lib.sh)
# get the runtimes preloaded. Only tests/crash/test_memcheck.sh skips: valgrind cannot run
# sanitized code. Refuses to run in an ordinary build, where it would check nothing.
# The loops (and the oracle cross-check) run fewer rounds here: a memory error shows in any
# round, and the ordinary make check has just run them in full for the races themselves; the
# sanitizers' slowdown on every round would otherwise take a third of CI's time budget.
SANITIZER_ROUNDS = SSHOTP_TEST_RACE_ROUNDS=20 SSHOTP_CRASH_ROUNDS=200 SSHOTP_FLEET_CRASH_ROUNDS=20 \
	SSHOTP_FREEZE_ROUNDS=5 SSHOTP_FAILOVER_ROUNDS=3 SSHOTP_ORACLE_SECRETS=2 \
	SSHOTP_PG_CLI_SCRIPTS='test_cli.sh test_admin.sh test_selfservice.sh'
check-sanitized:
	@test -n '$(SANITIZER_PRELOAD)' || \
	  { echo "make check-sanitized needs a build configured with --enable-sanitizers" >&2; exit 1; }
	$(SANITIZER_ROUNDS) $(MAKE) $(AM_MAKEFLAGS) check
.PHONY: check-sanitized
