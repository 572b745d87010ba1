-- SPDX-License-Identifier: BSD-3-Clause
-- The roles and the database of a pam_sshotp fleet store. Run once, as a PostgreSQL superuser,
-- before the schema (schema_*.sql, which grants to these roles):
--   psql -v ON_ERROR_STOP=1 -d postgres -f roles.sql
--   sshotp_owner  owns the database and the schema: migrations (`sshotp-enroll db init/upgrade`)
--                 and administration. Keep its credential off the SSH hosts.
--   sshotp_host   what every SSH host logs in as (or a per-host role that is a member:
--                 CREATE ROLE web1 LOGIN IN ROLE sshotp_host): reads and writes rows, nothing
--                 more. No DDL, no TRUNCATE, no DROP, no temporary tables (schema_001 grants).
-- Both authenticate with a client certificate whose CN is the role name (pg_hba.conf:
-- `hostssl sshotp sshotp_host 0.0.0.0/0 cert`); no password is set here.
CREATE ROLE sshotp_owner LOGIN;
CREATE ROLE sshotp_host LOGIN;
CREATE DATABASE sshotp OWNER sshotp_owner;
-- PUBLIC may connect to, and make temporary tables in, a new database by default.
REVOKE ALL ON DATABASE sshotp FROM PUBLIC;
GRANT CONNECT ON DATABASE sshotp TO sshotp_host;
