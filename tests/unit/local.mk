# SPDX-License-Identifier: BSD-3-Clause
# Unit tests: cmocka programs over the core and the CLI's library, each built from its own .cc
# with the default LDADD (tests/local.mk).
UNIT_TESTS = \
	tests/unit/test_totp tests/unit/test_hotp tests/unit/test_secret_codec tests/unit/test_text \
	tests/unit/test_config tests/unit/test_crypto tests/unit/test_store \
	tests/unit/test_store_open tests/unit/test_key_check tests/unit/test_verifier \
	tests/unit/test_login_policy tests/unit/test_recovery_lockout \
	tests/unit/test_store_states tests/unit/test_store_bulk tests/unit/test_migrate \
	tests/unit/test_migrate_ga tests/unit/test_migrate_oath tests/unit/test_cgroup_guard \
	tests/unit/test_account tests/unit/test_shipped_settings tests/unit/test_store_factory \
	tests/unit/test_copy_merge
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS) tests/unit/test_oracles.sh
noinst_HEADERS = tests/unit/store_test_support.h
EXTRA_DIST += tests/unit/test_oracles.sh

# Store plugins for test_store_factory: one with another build's stamp, one without entry points.
check_LTLIBRARIES += tests/support/foreign_plugin.la tests/support/partial_plugin.la
tests_support_foreign_plugin_la_SOURCES = tests/support/foreign_plugin.cc
tests_support_foreign_plugin_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-rpath '$(abs_builddir)/tests/support'
tests_support_partial_plugin_la_SOURCES = tests/support/foreign_plugin.cc
tests_support_partial_plugin_la_CPPFLAGS = $(AM_CPPFLAGS) -DSSHOTP_PARTIAL_PLUGIN
tests_support_partial_plugin_la_LDFLAGS = $(tests_support_foreign_plugin_la_LDFLAGS)
