#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `sshotp-enroll db init | upgrade | check` on a real server: init makes the schema as the owner
# role (and only once), upgrade is a no-op at the newest version, and check passes for a host
# set up as documented, and fails, naming the problem, for each thing that is wrong: no schema,
# a host role with a privilege too many, the wrong key, the owner role used as a host. A
# password in --conninfo is refused without being echoed; the commands are root's.
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/pg_test_lib.sh"
pg_test_preamble sshotp-pg-db

CONF="$E2E_TMP/sshotp.conf"
{ pg_store_settings; printf 'key_file = %s\n' "$E2E_TMP/sshotp.key"; } >"$CONF"
# db ARGS...: the CLI with that config; output in $E2E_TMP/out (stdout and stderr), status $rc.
db() {
  rc=0
  "${SSHOTP_ENROLL:?}" --config "$CONF" db "$@" >"$E2E_TMP/out" 2>&1 || rc=$?
}
# shows TEXT: the last output has TEXT (fixed string), or it is shown.
shows() { grep -qF -- "$1" "$E2E_TMP/out" || { sed 's/^/    /' "$E2E_TMP/out"; false; }; }

db check
[[ $rc == 1 ]] && shows "schema: problem: not initialised"
verdict "check before init: not initialised, exit 1" $?

db init --conninfo "$PG_HOST_CONNINFO"
[[ $rc == 1 ]] && shows "permission denied"
verdict "init as the host role fails: it may not create the schema" $?

db init --conninfo "$PG_OWNER_CONNINFO"
[[ $rc == 0 ]] && shows "schema version 0 -> 1" &&
  [[ $(pg_super_sql 'SELECT max(version) FROM sshotp.schema_version') == 1 ]] &&
  [[ $(pg_super_sql "SELECT tableowner FROM pg_tables WHERE tablename = 'enrollments'") == \
    "$PG_OWNER_ROLE" ]]
verdict "init as the owner role makes schema 1, owned by the owner" $?

db init --conninfo "$PG_OWNER_CONNINFO"
[[ $rc == 1 ]] && shows "already initialised"
verdict "a second init refuses" $?

db upgrade --conninfo "$PG_OWNER_CONNINFO"
[[ $rc == 0 ]] && shows "schema version 1: up to date"
verdict "upgrade at the newest version changes nothing" $?

# The key is made by the first write; until then check says so.
"$SSHOTP_ENROLL" --config "$CONF" import alice <<<"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" >/dev/null 2>&1 || echo import failed
db check
[[ $rc == 0 ]] && shows "tls: TLSv1." && shows "server verified (sslmode=verify-full)" &&
  shows "schema: version 1" && shows "matches the store's key check value" &&
  shows "privileges: exactly what a host needs" && shows "as role $PG_HOST_ROLE"
verdict "check passes for the host role: TLS verified, schema, key, privileges" $?

pg_super_sql 'GRANT TRUNCATE ON sshotp.recovery_codes TO sshotp_host'
db check
[[ $rc == 1 ]] && shows "privileges: problem: TRUNCATE on sshotp.recovery_codes: granted"
verdict "check fails for a host role that may TRUNCATE" $?
pg_super_sql 'REVOKE TRUNCATE ON sshotp.recovery_codes FROM sshotp_host' \
  'REVOKE DELETE ON sshotp.enrollments FROM sshotp_host'
db check
[[ $rc == 1 ]] && shows "privileges: problem: DELETE on sshotp.enrollments: missing"
verdict "check fails for a host role that lacks a privilege it needs" $?
pg_super_sql 'GRANT DELETE ON sshotp.enrollments TO sshotp_host'

db check --conninfo "$PG_OWNER_CONNINFO"
[[ $rc == 1 ]] && shows "privileges: problem: owns sshotp.enrollments"
verdict "check fails for the owner role used as a host" $?

cp "$E2E_TMP/sshotp.key" "$E2E_TMP/right.key"
head -c 32 /dev/urandom >"$E2E_TMP/sshotp.key"
db check
[[ $rc == 1 ]] && shows "key: problem:"
verdict "check fails with another key file" $?
cp "$E2E_TMP/right.key" "$E2E_TMP/sshotp.key"

db init --conninfo "$PG_OWNER_CONNINFO password=correct-horse"
[[ $rc == 1 ]] && shows "must not hold a password" && ! grep -q horse "$E2E_TMP/out"
verdict "a password in --conninfo is refused, and not echoed" $?

rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$SSHOTP_ENROLL" --config "$CONF" \
  db check >"$E2E_TMP/out" 2>&1 || rc=$?
[[ $rc == 4 ]]
verdict "db check is root's (exit 4 for another user)" $?

db frobnicate
[[ $rc == 2 ]] && shows "unknown subcommand"
verdict "an unknown subcommand is a usage error" $?

pg_test_finish
