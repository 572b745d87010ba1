# SPDX-License-Identifier: BSD-3-Clause
# Module tests: the built pam_sshotp.so through the real libpam (tests/support/pam_harness.h).
# The harness is linked with -rdynamic: that exports its time(), which the dlopen'ed module then
# binds to, an injectable clock with no test hook in the shipped .so. Each test is its own .cc
# plus the two lines below, which automake cannot share between targets.
check_LTLIBRARIES += tests/support/libpam_harness.la
tests_support_libpam_harness_la_SOURCES = tests/support/pam_harness.cc tests/support/pam_harness.h
MODULE_TESTLIBS = tests/support/libpam_harness.la $(TESTLIBS) $(PAM_LIBS)
MODULE_TESTLINKFLAGS = $(TESTLINKFLAGS) -rdynamic
# Only in the tests that read the module's log lines: it keeps them from /dev/log.
SYSLOG_CAPTURE = tests/support/syslog_capture.cc tests/support/syslog_capture.h

MODULE_TESTS = \
	tests/module/test_pam_module tests/module/test_race tests/module/test_policy \
	tests/module/test_fail_closed_fs tests/module/test_names tests/module/test_debug \
	tests/module/test_store_backends tests/module/test_hotp_logins tests/module/test_exceptions
check_PROGRAMS += $(MODULE_TESTS)
TESTS += $(MODULE_TESTS) tests/module/test_exports.sh
EXTRA_DIST += tests/module/test_exports.sh

tests_module_test_pam_module_LDADD = $(MODULE_TESTLIBS)
tests_module_test_pam_module_LDFLAGS = $(MODULE_TESTLINKFLAGS)
tests_module_test_hotp_logins_SOURCES = tests/module/test_hotp_logins.cc $(SYSLOG_CAPTURE)
tests_module_test_hotp_logins_LDADD = $(MODULE_TESTLIBS)
tests_module_test_hotp_logins_LDFLAGS = $(MODULE_TESTLINKFLAGS)
tests_module_test_race_LDADD = $(MODULE_TESTLIBS)
tests_module_test_race_LDFLAGS = $(MODULE_TESTLINKFLAGS)
tests_module_test_policy_LDADD = $(MODULE_TESTLIBS)
tests_module_test_policy_LDFLAGS = $(MODULE_TESTLINKFLAGS)
tests_module_test_fail_closed_fs_LDADD = $(MODULE_TESTLIBS)
tests_module_test_fail_closed_fs_LDFLAGS = $(MODULE_TESTLINKFLAGS)
tests_module_test_names_SOURCES = tests/module/test_names.cc $(SYSLOG_CAPTURE)
tests_module_test_names_CXXFLAGS = $(AM_CXXFLAGS) $(SQLITE_CFLAGS)
tests_module_test_names_LDADD = $(MODULE_TESTLIBS) $(SQLITE_LIBS)
tests_module_test_names_LDFLAGS = $(MODULE_TESTLINKFLAGS)
tests_module_test_debug_SOURCES = tests/module/test_debug.cc $(SYSLOG_CAPTURE)
tests_module_test_debug_LDADD = $(MODULE_TESTLIBS)
tests_module_test_debug_LDFLAGS = $(MODULE_TESTLINKFLAGS)
tests_module_test_store_backends_LDADD = $(MODULE_TESTLIBS)
tests_module_test_store_backends_LDFLAGS = $(MODULE_TESTLINKFLAGS)
tests_module_test_exceptions_LDADD = $(MODULE_TESTLIBS)
tests_module_test_exceptions_LDFLAGS = $(MODULE_TESTLINKFLAGS)
