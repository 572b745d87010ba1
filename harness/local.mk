# SPDX-License-Identifier: BSD-3-Clause
# harness/: the throwaway sshd of the e2e tests, demo.sh and bench/e2e.sh, and the throwaway
# PostgreSQL server of the PostgreSQL store's tests (and its standby, for the failover tests). Shell, and two shims that sanitizer builds
# preload into that sshd.
EXTRA_DIST += harness/harness_lib.sh harness/base_lib.sh harness/private_system_lib.sh \
	harness/sanitizer_lib.sh harness/sshd_lib.sh harness/accounts_lib.sh harness/totp_lib.sh \
	harness/client_lib.sh harness/postgres_lib.sh harness/postgres_standby_lib.sh

# In sanitizer builds, two shims the real-sshd tests preload into sshd with the runtimes (see
# each file, and harness/sanitizer_lib.sh): asan_init_first.so starts ASan before any other
# library's constructor (-z initfirst), and ubsan_options.so makes UBSan's reports reach a file.
if ENABLE_SANITIZERS
check_LTLIBRARIES += harness/asan_init_first.la harness/ubsan_options.la
harness_asan_init_first_la_SOURCES = harness/asan_init_first.cc
harness_asan_init_first_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-Wl,-z,initfirst -rpath '$(abs_builddir)/harness'
harness_ubsan_options_la_SOURCES = harness/ubsan_options.cc
harness_ubsan_options_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-rpath '$(abs_builddir)/harness'
SANITIZER_ASAN_FIRST = $(abs_top_builddir)/harness/.libs/asan_init_first.so
SANITIZER_UBSAN_SHIM = $(abs_top_builddir)/harness/.libs/ubsan_options.so
endif
AM_TESTS_ENVIRONMENT += SANITIZER_ASAN_FIRST='$(SANITIZER_ASAN_FIRST)'; \
	SANITIZER_UBSAN_SHIM='$(SANITIZER_UBSAN_SHIM)'; \
	export SANITIZER_ASAN_FIRST SANITIZER_UBSAN_SHIM;
