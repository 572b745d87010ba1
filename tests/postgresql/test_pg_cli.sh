#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The sshotp-enroll commands on a PostgreSQL store: the CLI's own tests (tests/cli/), run again
# with the store switch of cli_lib.sh's setup_work (SSHOTP_TEST_STORE_SETTINGS), against a fresh
# schema each (db init as the owner role). Each script's own PASS/FAIL lines are this test's
# output. Cases about the SQLite file itself skip there (cli_lib.sh's sqlite_case).
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/pg_test_lib.sh"
pg_test_preamble sshotp-pg-cli

settings="$E2E_TMP/store.conf"
pg_store_settings >"$settings"
status=0
# Not here: test_key_check.sh is about the SQLite file throughout (test_pg_db.sh and the
# contract suite cover the key check on PostgreSQL). The scripts read and change the store
# behind the CLI's back as the superuser (cli_lib.sh's store_sql, store_rows.py).
SSHOTP_TEST_PG_SUPER=$(pg_super_conninfo)
export SSHOTP_TEST_PG_SUPER
# SSHOTP_PG_CLI_SCRIPTS: fewer of them (the sanitizer stage, tests/local.mk, keeps the ones whose
# commands reach the store in ways of their own; the parsers and the 10,000-user batch are the
# same code on both stores, and run under the sanitizers on SQLite).
scripts=${SSHOTP_PG_CLI_SCRIPTS:-test_cli.sh test_admin.sh test_import_batch.sh test_migrate.sh \
test_audit_hosts.sh test_selfservice.sh test_resync.sh test_import_hotp.sh}
for script in $scripts; do
  [[ -f $SSHOTP_SRCDIR/tests/cli/$script ]] || e2e_die "no such CLI test: $script"
  echo "--- $script against PostgreSQL"
  pg_super_sql 'SET client_min_messages = warning; DROP SCHEMA IF EXISTS sshotp CASCADE'
  printf 'store = postgresql\npg_plugin = %s\n' "$SSHOTP_PG_PLUGIN" >"$E2E_TMP/owner.conf"
  "${SSHOTP_ENROLL:?}" --config "$E2E_TMP/owner.conf" db init --conninfo "$PG_OWNER_CONNINFO" ||
    e2e_die "db init failed"
  rc=0
  SSHOTP_TEST_STORE_SETTINGS=$settings sh "$SSHOTP_SRCDIR/tests/cli/$script" || rc=$?
  case $rc in
    0) ;;
    77) echo "SKIP: $script (as it skips on its own)" ;;
    *) status=1 ;;
  esac
done
exit "$status"
