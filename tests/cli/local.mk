# SPDX-License-Identifier: BSD-3-Clause
# CLI tests: shell and python drivers of the built sshotp-enroll (some of them through the module
# too), checked against oathtool and pyotp; and the include-layering check.
CLI_TESTS = \
	tests/cli/test_cli.sh tests/cli/test_migrate.sh tests/cli/test_admin.sh \
	tests/cli/test_import_batch.sh tests/cli/test_qr_images.sh tests/cli/test_key_check.sh \
	tests/cli/test_man_pages.sh tests/tools/check_layering.py tests/cli/test_module_args.sh \
	tests/cli/test_sshd_config.sh tests/cli/test_sshd_config_install.sh \
	tests/cli/test_sshd_config_rollback.sh tests/cli/test_selfservice.sh \
	tests/cli/test_cgroup_freeze.sh tests/cli/test_audit_hosts.sh tests/cli/test_resync.sh \
	tests/cli/test_import_hotp.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) tests/cli/cli_lib.sh \
	tests/cli/enroll_session.py tests/cli/syslog_capture.py tests/cli/pam_login.py \
	tests/cli/recovery_cases_lib.sh tests/cli/qr_image_session.py tests/cli/session_common.py \
	tests/cli/store_rows.py \
	tests/cli/migrate_lib.sh tests/cli/migrate_ga_cases_lib.sh tests/cli/migrate_oath_cases_lib.sh \
	tests/cli/selfservice_session.py tests/cli/admin_lib.sh tests/cli/sshd_config_lib.sh \
	tests/cli/hotp_enroll_session.py

# A tiny generator the shell tests use to print our own code for a stored key (never an oracle:
# the oracles are oathtool and pyotp).
check_PROGRAMS += tests/tools/sshotp-totp
tests_tools_sshotp_totp_SOURCES = tests/tools/sshotp_totp.cc
tests_tools_sshotp_totp_LDADD = common/libsshotp.la
tests_tools_sshotp_totp_LDFLAGS = $(TESTLINKFLAGS)
