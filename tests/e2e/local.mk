# SPDX-License-Identifier: BSD-3-Clause
# End-to-end tests: a real sshd on loopback with the built module, and a real ssh client.
E2E_TESTS = \
	tests/e2e/test_sshd_login.sh \
	tests/e2e/test_sshd_recovery.sh \
	tests/e2e/test_sshd_lockout.sh \
	tests/e2e/test_sshd_nullok.sh
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS) tests/e2e/e2e_lib.sh tests/e2e/fail2ban_lib.sh
