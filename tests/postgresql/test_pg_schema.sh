#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The shipped roles and schema (common/postgresql/sql/) on a real server: the migrations apply in
# order and record their version, and the host role has exactly the row privileges of
# schema_001.sql's GRANTs: no DDL anywhere, no TRUNCATE, no DROP, no temporary tables, no writes
# to the schema version, while the statements of a login and of enrollment go through.
set -uo pipefail
# shellcheck source=tests/postgresql/pg_test_lib.sh
. "${BASH_SOURCE[0]%/*}/pg_test_lib.sh"

# as_host SQL: runs SQL as the host role; its status is psql's (errors on stderr).
as_host() { psql -X "$PG_HOST_CONNINFO" -v ON_ERROR_STOP=1 -Atqc "$1"; }

# refused_as_host SQL: SQL fails for the host role for want of a privilege (SQLSTATE 42501,
# insufficient_privilege), not for any other reason (a typo, a missing table, no connection).
refused_as_host() {
  local said
  said=$(psql -X "$PG_HOST_CONNINFO" -v ON_ERROR_STOP=1 -v VERBOSITY=sqlstate -Atqc "$1" 2>&1) &&
    return 1
  [[ $said == *"ERROR:  42501"* ]] || { echo "not refused for a privilege: $said"; return 1; }
}

# super_in DATABASE PSQL-ARGS...: psql as the bootstrap superuser in DATABASE.
super_in() {
  psql -X -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U "$PG_SUPERUSER" -d "$1" -v ON_ERROR_STOP=1 -Atq \
    "${@:2}"
}

pg_test_preamble sshotp-pg-schema
# roles.sql again, on a server that lets PUBLIC create in every new database's public schema, as
# servers before PostgreSQL 15 do (template1's grant is copied): its REVOKE must close that.
super_in template1 -c 'GRANT CREATE ON SCHEMA public TO PUBLIC' &&
  super_in postgres -c 'DROP DATABASE sshotp' -c 'DROP ROLE sshotp_host' \
    -c 'DROP ROLE sshotp_owner' &&
  super_in postgres -q -f "$PG_SQL_DIR/roles.sql" ||
  e2e_die "cannot run roles.sql on a server with a pre-15 public schema"
pg_apply_schema

migrations=("$PG_SQL_DIR"/schema_[0-9][0-9][0-9].sql)
[[ $(as_host 'SELECT max(version) FROM sshotp.schema_version') == "${#migrations[@]}" ]]
verdict "the migrations record their version (${#migrations[@]})" $?

expected="enrollments:DELETE,INSERT,SELECT,UPDATE
key_check:INSERT,SELECT,UPDATE
pending_enrollments:DELETE,INSERT,SELECT,UPDATE
recovery_codes:DELETE,INSERT,SELECT,UPDATE
schema_version:SELECT
store_meta:SELECT,UPDATE"
granted=$(pg_super_sql "SELECT table_name || ':' || string_agg(privilege_type, ',' ORDER BY privilege_type)
  FROM information_schema.role_table_grants WHERE grantee = 'sshotp_host'
  GROUP BY table_schema, table_name ORDER BY table_name")
[[ $granted == "$expected" ]] || printf 'granted:\n%s\n' "$granted"
[[ $granted == "$expected" ]]
verdict "the host role has exactly the row privileges it needs, on sshotp's tables only" $?

for sql in 'CREATE TABLE sshotp.extra (x int)' 'CREATE TABLE public.extra (x int)' \
  'CREATE TEMP TABLE extra (x int)' 'CREATE SCHEMA extra' 'TRUNCATE sshotp.enrollments' \
  'DROP TABLE sshotp.recovery_codes' 'ALTER TABLE sshotp.enrollments ADD COLUMN x int' \
  'CREATE INDEX ON sshotp.enrollments (state)' 'INSERT INTO sshotp.schema_version VALUES (99)' \
  'DELETE FROM sshotp.schema_version' 'DELETE FROM sshotp.key_check' \
  'DELETE FROM sshotp.store_meta' 'CREATE FUNCTION sshotp.f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql'; do
  refused_as_host "$sql"
  verdict "the host role may not: $sql" $?
done

as_host "INSERT INTO sshotp.enrollments (username, algorithm, digits, period, sealed_secret, created_at)
    VALUES ('alice', 'SHA1', 6, 30, '\\x01', 1)" &&
  [[ $(as_host "UPDATE sshotp.enrollments SET last_step = 7 WHERE username = 'alice' AND last_step < 7
      RETURNING last_step") == 7 ]] &&
  as_host "UPDATE sshotp.store_meta SET value = value + 1
      WHERE key = 'refused_unenrolled' AND shard = pg_backend_pid() % 64" &&
  as_host "INSERT INTO sshotp.key_check (id, value) VALUES (1, '\\x02')
      ON CONFLICT (id) DO UPDATE SET value = excluded.value" &&
  as_host "DELETE FROM sshotp.enrollments WHERE username = 'alice'"
verdict "the host role may run a login's and enrollment's statements" $?

# A frozen host's row lock must not outlive a short idle; a host that gave up must not keep
# waiting on the server; the fleet must not take every connection (roles.sql says why).
settings=$(as_host "SELECT current_setting('idle_in_transaction_session_timeout') <> '0'
  AND current_setting('client_connection_check_interval') <> '0'
  AND rolconnlimit > 0
  FROM pg_roles WHERE rolname = current_user")
[[ $settings == t ]]
verdict "the host role's sessions end an idle transaction and have a connection limit" $?

pg_test_finish
