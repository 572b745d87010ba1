#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs test_pg_connect (how the PostgreSQL store reaches its hosts: names looked up within
# pg_timeout_ms, a frozen host costing only its share, verify-full still checking the name)
# against a throwaway server, in a private mount namespace whose /etc/resolv.conf names a
# resolver that never answers (the program binds its port and never reads), whose /etc/hosts
# names the server's address twice, as localhost (in its certificate) and as another name (not
# in it), and whose nsswitch.conf looks in those two only. The machine's own files are not
# touched: the bind mounts vanish with the namespace.
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/pg_test_lib.sh"
pg_test_preamble sshotp-pg-connect
pg_apply_schema
e2e_require_tools unshare mount

# An address of the loopback net of our own for the silent resolver (port 53 is fixed by
# resolv.conf), so that no other test's choice collides with it.
export SSHOTP_TEST_SILENT_DNS="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))"
export SSHOTP_TEST_UNKNOWN_HOST=sshotp-db.invalid  # in no hosts file: only DNS could answer
export SSHOTP_TEST_OTHER_NAME=sshotp-other.invalid # the server's address, not its certificate's
files="$E2E_TMP/netfiles"
mkdir -m 0755 "$files"
printf 'nameserver %s\noptions timeout:30 attempts:3\n' "$SSHOTP_TEST_SILENT_DNS" >"$files/resolv.conf"
printf '127.0.0.1 localhost\n127.0.0.1 %s\n' "$SSHOTP_TEST_OTHER_NAME" >"$files/hosts"
printf 'hosts: files dns\n' >"$files/nsswitch.conf"
chmod 0644 "$files"/*
# shellcheck disable=SC2016 # expanded by the inner shell
pg_run_program unshare --mount --propagation private sh -c '
  for f in resolv.conf hosts nsswitch.conf; do mount --bind "$1/$f" "/etc/$f" || exit 99; done
  exec "$2"' sh "$files" "${SSHOTP_BUILDDIR:?}/tests/postgresql/test_pg_connect"
