# SPDX-License-Identifier: BSD-3-Clause
# Fuzzing. The fuzz targets exist in every build: with --enable-fuzzing (clang) they are
# libFuzzer binaries for tests/fuzz/run-fuzzers.sh; otherwise replay_main.cc is their main() and
# `make check` replays each one's seed corpus, tests/fuzz/corpus/<name>/. Each target is its own
# .cc plus the two lines below, which automake cannot share between targets.
FUZZ_TARGETS = \
	tests/fuzz/fuzz_module_args \
	tests/fuzz/fuzz_config_text \
	tests/fuzz/fuzz_typed_code \
	tests/fuzz/fuzz_base32 \
	tests/fuzz/fuzz_otpauth_uri \
	tests/fuzz/fuzz_store_file \
	tests/fuzz/fuzz_migrate_ga \
	tests/fuzz/fuzz_migrate_oath
check_LTLIBRARIES += tests/fuzz/libfuzz_support.la
tests_fuzz_libfuzz_support_la_SOURCES = tests/fuzz/fuzz_support.cc tests/fuzz/fuzz_support.h \
	tests/crash/tmpfs_scratch.h
if ENABLE_FUZZING
noinst_PROGRAMS = $(FUZZ_TARGETS)
# `make fuzz [FUZZ_SECONDS=30]`: builds only the targets, then runs each for FUZZ_SECONDS. The
# summary goes to tests/fuzz/run-fuzzers.log too, where run-tests.sh counts it.
fuzz: $(FUZZ_TARGETS)
	$(SHELL) '$(abs_top_srcdir)/tests/fuzz/run-fuzzers.sh' '$(abs_top_builddir)' \
	  >tests/fuzz/run-fuzzers.log 2>&1; rc=$$?; cat tests/fuzz/run-fuzzers.log; exit $$rc
else
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += $(FUZZ_TARGETS)
tests_fuzz_libfuzz_support_la_SOURCES += tests/fuzz/replay_main.cc
fuzz:
	@echo "make fuzz needs a build configured with --enable-fuzzing" >&2; exit 1
endif
.PHONY: fuzz
EXTRA_DIST += tests/fuzz/run-fuzzers.sh tests/fuzz/corpus tests/fuzz/settings.dict
FUZZ_LIBS = tests/fuzz/libfuzz_support.la $(TESTLIBS)
FUZZ_LINKFLAGS = $(TESTLINKFLAGS) $(FUZZ_LDFLAGS)

tests_fuzz_fuzz_module_args_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_module_args_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_config_text_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_config_text_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_typed_code_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_typed_code_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_base32_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_base32_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_otpauth_uri_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_otpauth_uri_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_store_file_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_store_file_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_migrate_ga_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_migrate_ga_LDFLAGS = $(FUZZ_LINKFLAGS)
tests_fuzz_fuzz_migrate_oath_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_migrate_oath_LDFLAGS = $(FUZZ_LINKFLAGS)
