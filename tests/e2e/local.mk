# SPDX-License-Identifier: BSD-3-Clause
# End-to-end tests: a real sshd on loopback with the built module, and a real ssh client.
E2E_TESTS = \
	tests/e2e/test_sshd_login.sh \
	tests/e2e/test_sshd_recovery.sh \
	tests/e2e/test_sshd_lockout.sh \
	tests/e2e/test_sshd_nullok.sh
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS) tests/e2e/e2e_lib.sh tests/e2e/fail2ban_lib.sh

# In sanitizer builds: ubsan_options.so, which the real-sshd tests preload into sshd with the
# runtimes so that UBSan's reports reach a file (see the file, and harness/sanitizer_lib.sh).
if ENABLE_SANITIZERS
check_LTLIBRARIES += tests/e2e/ubsan_options.la
tests_e2e_ubsan_options_la_SOURCES = tests/e2e/ubsan_options.cc
tests_e2e_ubsan_options_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-rpath '$(abs_builddir)/tests/e2e'
SANITIZER_UBSAN_SHIM = $(abs_top_builddir)/tests/e2e/.libs/ubsan_options.so
endif
AM_TESTS_ENVIRONMENT += SANITIZER_UBSAN_SHIM='$(SANITIZER_UBSAN_SHIM)'; \
	export SANITIZER_UBSAN_SHIM;
