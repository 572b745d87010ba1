# SPDX-License-Identifier: BSD-3-Clause
# tests/package/: the Debian package. make check runs the test of the PAM-service check its
# maintainer scripts share (no root, no package needed); test_deb.sh builds, installs, logs in
# through, removes, reinstalls and purges the real package, a stage of run-tests.sh of its own,
# and debian/tests/installed-login is the same login test as a Debian autopkgtest, which
# run_autopkgtest.sh runs on this machine. test_dist_packages.sh builds the Arch and RPM packages
# and compares them with the .deb, a run-tests.sh stage too.
TESTS += tests/package/test_pam_stacks.sh
EXTRA_DIST += tests/package/test_pam_stacks.sh tests/package/test_deb.sh \
	tests/package/package_lib.sh tests/package/run_autopkgtest.sh \
	tests/package/test_dist_packages.sh tests/package/dist_file_lists.sh
