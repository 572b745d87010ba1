# SPDX-License-Identifier: BSD-3-Clause
# harness/: the throwaway sshd of the e2e tests, demo.sh and bench/e2e.sh. Shell only: nothing
# to build, only to ship in the tarball.
EXTRA_DIST += harness/harness_lib.sh harness/base_lib.sh harness/private_system_lib.sh \
	harness/sanitizer_lib.sh harness/sshd_lib.sh harness/accounts_lib.sh harness/totp_lib.sh \
	harness/client_lib.sh
