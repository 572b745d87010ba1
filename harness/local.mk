# SPDX-License-Identifier: BSD-3-Clause
# harness/: the throwaway sshd of the e2e tests, demo.sh and bench/e2e.sh, and the throwaway
# PostgreSQL server of the PostgreSQL store's tests. Shell, and one shim that sanitizer builds
# preload into that sshd.
EXTRA_DIST += harness/harness_lib.sh harness/base_lib.sh harness/private_system_lib.sh \
	harness/sanitizer_lib.sh harness/sshd_lib.sh harness/accounts_lib.sh harness/totp_lib.sh \
	harness/client_lib.sh harness/postgres_lib.sh

# In sanitizer builds: ubsan_options.so, which the real-sshd tests preload into sshd with the
# runtimes so that UBSan's reports reach a file (see the file, and harness/sanitizer_lib.sh).
if ENABLE_SANITIZERS
check_LTLIBRARIES += harness/ubsan_options.la
harness_ubsan_options_la_SOURCES = harness/ubsan_options.cc
harness_ubsan_options_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-rpath '$(abs_builddir)/harness'
SANITIZER_UBSAN_SHIM = $(abs_top_builddir)/harness/.libs/ubsan_options.so
endif
AM_TESTS_ENVIRONMENT += SANITIZER_UBSAN_SHIM='$(SANITIZER_UBSAN_SHIM)'; \
	export SANITIZER_UBSAN_SHIM;
