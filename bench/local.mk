# SPDX-License-Identifier: BSD-3-Clause
# Benchmarks (bench/README.md): built and run only by `make bench`, never by `make all` or
# `make check`. `make bench BENCH_FLAGS=--quick` is the smoke run. The drivers export their own
# time() (-rdynamic), which the modules libpam loads bind to: a clock the benchmark controls.
EXTRA_PROGRAMS = bench/sshotp-bench bench/pam-once
BENCH_CALL = bench/pam_call.cc bench/pam_call.h bench/fake_clock.cc bench/fake_clock.h
bench_sshotp_bench_SOURCES = $(BENCH_CALL) \
	bench/main.cc bench/phases.h \
	bench/anchor.cc bench/anchor.h bench/anchor_sshotp.cc bench/anchor_files.cc \
	bench/bench_users.cc bench/bench_users.h \
	bench/measure.cc bench/measure.h \
	bench/results.cc bench/results.h bench/compare.cc bench/compare.h \
	bench/run_latency.cc bench/run_scale.cc bench/run_parallel.cc bench/run_fsync.cc \
	bench/fleet.h bench/anchor_fleet.cc bench/run_fleet.cc bench/run_contention.cc \
	bench/workers.cc bench/workers.h \
	bench/report.h bench/report.cc bench/report_targets.cc bench/report_latency.cc \
	bench/report_scale_parallel.cc bench/report_sshd.cc bench/report_fleet.cc
bench_sshotp_bench_LDFLAGS = $(AM_LDFLAGS) -no-install -rdynamic
bench_sshotp_bench_LDADD = common/libsshotp.la $(PAM_LIBS)
# Links libpam only (--as-needed drops libstdc++), so modules load as cold as under sshd.
bench_pam_once_SOURCES = bench/pam_once.cc $(BENCH_CALL)
bench_pam_once_LDFLAGS = $(AM_LDFLAGS) -no-install -rdynamic -Wl,--as-needed
bench_pam_once_LDADD = $(PAM_LIBS)
# Preloaded into bench/e2e.sh's sshd to time its PAM calls from inside. Links libc only
# (--as-needed drops libstdc++): sshd must not get libstdc++ from the shim for free.
EXTRA_LTLIBRARIES = bench/pam_timing_shim.la
bench_pam_timing_shim_la_SOURCES = bench/pam_timing_shim.cc
bench_pam_timing_shim_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-rpath '$(abs_builddir)/bench' -Wl,--as-needed
# Preloaded into the driver: the synthetic bench users as passwd entries (bench_accounts.cc).
EXTRA_LTLIBRARIES += bench/bench_accounts.la
bench_bench_accounts_la_SOURCES = bench/bench_accounts.cc
bench_bench_accounts_la_LDFLAGS = $(bench_pam_timing_shim_la_LDFLAGS)
BENCH_INPUTS = bench/sshotp-bench$(EXEEXT) bench/pam-once$(EXEEXT) bench/pam_timing_shim.la \
	bench/bench_accounts.la \
	pam_module/pam_sshotp.la enroll/sshotp-enroll$(EXEEXT)
# The fleet phases (bench/fleet.sh) need the PostgreSQL plugin and the probe, which links libpq
# (a bench program, never a host); without them the fleet phases say so and are skipped.
if WITH_POSTGRESQL
EXTRA_PROGRAMS += bench/pg-probe
bench_pg_probe_SOURCES = bench/pg_probe.cc bench/results.cc bench/results.h bench/anchor.cc \
	bench/anchor.h
bench_pg_probe_CXXFLAGS = $(AM_CXXFLAGS) $(LIBPQ_CFLAGS)
bench_pg_probe_LDFLAGS = $(AM_LDFLAGS) -no-install
bench_pg_probe_LDADD = $(LIBPQ_LIBS)
BENCH_INPUTS += bench/pg-probe$(EXEEXT) common/postgresql/store_postgresql.la
BENCH_FLEET = BENCH_PG_PROBE='$(abs_top_builddir)/bench/pg-probe' \
	BENCH_PG_PLUGIN='$(SSHOTP_PG_PLUGIN)'
else
EXTRA_DIST += bench/pg_probe.cc
endif
bench: $(BENCH_INPUTS)
	BENCH_DRIVER='$(abs_top_builddir)/bench/sshotp-bench' \
	BENCH_PAM_ONCE='$(abs_top_builddir)/bench/pam-once' \
	BENCH_PAM_SHIM='$(abs_top_builddir)/bench/.libs/pam_timing_shim.so' \
	BENCH_ACCOUNTS='$(abs_top_builddir)/bench/.libs/bench_accounts.so' \
	PAM_SSHOTP_MODULE='$(abs_top_builddir)/pam_module/.libs/pam_sshotp.so' \
	SSHOTP_ENROLL='$(abs_top_builddir)/enroll/sshotp-enroll' \
	SSHOTP_SRCDIR='$(abs_top_srcdir)' SSHD='$(SSHD)' $(BENCH_FLEET) \
	$(SHELL) '$(abs_top_srcdir)/bench/run.sh' $(BENCH_FLAGS)
.PHONY: bench
# This build's module against another build's on a SQLite host (bench/compare_builds.sh):
# `make bench-compare BASELINE=OTHER/pam_module/.libs/pam_sshotp.so [CALLS=60]`.
bench-compare: bench/pam-once$(EXEEXT) pam_module/pam_sshotp.la enroll/sshotp-enroll$(EXEEXT)
	BENCH_PAM_ONCE='$(abs_top_builddir)/bench/pam-once' \
	PAM_SSHOTP_MODULE='$(abs_top_builddir)/pam_module/.libs/pam_sshotp.so' \
	SSHOTP_ENROLL='$(abs_top_builddir)/enroll/sshotp-enroll' SSHOTP_SRCDIR='$(abs_top_srcdir)' \
	$(SHELL) '$(abs_top_srcdir)/bench/compare_builds.sh' '$(BASELINE)' $(CALLS)
.PHONY: bench-compare
EXTRA_DIST += bench/run.sh bench/compare_builds.sh bench/e2e.sh bench/with-syslog.sh bench/README.md bench/FINDINGS.md \
	bench/import_batch.sh bench/fleet.sh
