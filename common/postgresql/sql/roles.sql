-- SPDX-License-Identifier: BSD-3-Clause
-- The roles and the database of a pam_sshotp fleet store. Run once, as a PostgreSQL superuser,
-- before the schema (schema_*.sql, which grants to these roles):
--   psql -v ON_ERROR_STOP=1 -d postgres -f roles.sql
-- (psql, not any SQL client: it uses psql's \if and \connect.)
--   sshotp_owner  owns the database and the schema: migrations (`sshotp-enroll db init/upgrade`)
--                 and administration. Keep its credential off the SSH hosts.
--   sshotp_host   what every SSH host logs in as (or a per-host role that is a member:
--                 CREATE ROLE web1 LOGIN IN ROLE sshotp_host): reads and writes rows, nothing
--                 more. No DDL, no TRUNCATE, no DROP, no temporary tables (schema_001 grants).
-- Both authenticate with a client certificate whose CN is the role name (pg_hba.conf:
-- `hostssl sshotp sshotp_host 0.0.0.0/0 cert`); no password is set here. The settings below are
-- sshotp_host's own: a per-host member role needs its own ALTER ROLE ... SET and CONNECTION
-- LIMIT (a member does not inherit them).
CREATE ROLE sshotp_owner LOGIN;
-- CONNECTION LIMIT: a fleet whose logins pile up (a flood of connections, hosts waiting for a
-- frozen one's row lock) then gets "too many connections" (a refused login, fail closed) rather
-- than taking every slot of max_connections (default 100), so the owner, replication and
-- monitoring still get in. Raise it, and max_connections, for a fleet that needs more.
CREATE ROLE sshotp_host LOGIN CONNECTION LIMIT 80;
-- A host that freezes or is cut off in the middle of a login holds the user's row lock (FOR
-- UPDATE), and with it that user's logins on every host, until its backend goes: TCP keepalive
-- alone would take hours. A login's transaction sends its statements back to back (its
-- longest pause is hashing up to 100 recovery codes, milliseconds), and no transaction spans a
-- prompt, so 15 s idle inside one means the host is gone: the server ends the session and the
-- lock with it. Short enough that a user retrying is not locked out for long, long enough for
-- a host under heavy load.
ALTER ROLE sshotp_host SET idle_in_transaction_session_timeout = '15s';
-- The same for a host that gave up (pg_timeout_ms) while its statement still waits for another
-- host's row lock: every 5 s the server looks whether the client has closed the connection
-- and, if so, ends the statement instead of queueing on and taking the lock for nobody. The
-- setting is new in PostgreSQL 14; older servers go without it.
SELECT current_setting('server_version_num')::integer >= 140000 AS sshotp_has_check_interval
\gset
\if :sshotp_has_check_interval
ALTER ROLE sshotp_host SET client_connection_check_interval = '5s';
\endif
-- No statement_timeout for the role, on purpose. A host's bound is pg_timeout_ms, its own.
-- The server's statement_timeout does not reach the one wait that outlives a host's give-up:
-- a COMMIT waiting for the synchronous standby (wait_event SyncRep). PostgreSQL disarms the
-- timeout before it commits, and client_connection_check_interval is not looked at there
-- either; such a backend waits, holding the user's row, until the standby answers or an
-- administrator ends it (examples/postgresql/README.md, "What to monitor"). The lock waits
-- behind it are ended by the settings above. Were the commit's wait cancellable, it would still
-- be no gain: a cancelled wait leaves the commit in place on the primary only, where a failover
-- can lose it (a failure count among them), while the login was refused all the same.
CREATE DATABASE sshotp OWNER sshotp_owner;
-- PUBLIC may connect to, and make temporary tables in, a new database by default.
REVOKE ALL ON DATABASE sshotp FROM PUBLIC;
GRANT CONNECT ON DATABASE sshotp TO sshotp_host;
-- Before PostgreSQL 15 PUBLIC may also create objects in the new database's public schema
-- (its own tables, functions that shadow built-ins). A no-op on 15 and later.
\connect sshotp
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
