-- SPDX-License-Identifier: BSD-3-Clause
-- PostgreSQL store schema version 1: the SQLite store's schema 4 (common/sqlite_schema.cc) in one
-- step, in a schema of its own, named in full by every statement (no search_path: PgBouncer's
-- transaction pooling allows no session state). Run as sshotp_owner, in one transaction, by
-- `sshotp-enroll db init` (and the test harness); roles.sql must have run first. Migrations are
-- schema_NNN.sql, applied in order; each ends by recording its version. Never edit a shipped one.
--
-- The columns keep the SQLite names and meanings, but `user` is `username` (USER is reserved in
-- PostgreSQL). Like SQLite's, the tables carry no CHECKs on the enrollment's parameters: the
-- store validates every row it reads and names the user whose row is corrupt, one rule for both
-- backends. Times are unix seconds (bigint), as in SQLite.
CREATE SCHEMA sshotp;

-- The migrations applied: the store refuses a version newer than it knows (fail closed).
CREATE TABLE sshotp.schema_version (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- Enrollments, their sealed secrets, the replay high-water mark (last_step) and the lockout.
CREATE TABLE sshotp.enrollments (
  username text PRIMARY KEY,
  algorithm text NOT NULL,
  digits integer NOT NULL,
  period integer NOT NULL,
  sealed_secret bytea NOT NULL,
  last_step bigint NOT NULL DEFAULT -1,
  created_at bigint NOT NULL,
  last_used_at bigint,
  failures bigint NOT NULL DEFAULT 0,
  locked_until bigint NOT NULL DEFAULT 0,
  lockouts bigint NOT NULL DEFAULT 0,
  state text NOT NULL DEFAULT 'active',
  -- The host of the last login that consumed a code (the fleet's audit trail, `list`).
  last_host text
);

-- Hashed one-time recovery codes; used_at IS NULL while unused.
CREATE TABLE sshotp.recovery_codes (
  username text NOT NULL,
  id bigint NOT NULL,
  salt bytea NOT NULL,
  mac bytea NOT NULL,
  used_at bigint,
  PRIMARY KEY (username, id)
);

-- Counters about the store itself (refused_unenrolled: see StoreTransaction), each the sum of
-- its shards. Every refusal of an unenrolled or disabled name on every host adds one, holding
-- the row it adds to until its COMMIT (a wait for a standby, perhaps): on one row that would
-- queue every such refusal fleet-wide, so they would cost more than a wrong code, which waits
-- for its own user's row only. A refusal adds to the shard of its backend (pg_backend_pid()
-- % 64): two only wait for each other when their backends' numbers agree modulo 64.
CREATE TABLE sshotp.store_meta (
  key text NOT NULL,
  shard integer NOT NULL CHECK (shard >= 0 AND shard < 64),
  value bigint NOT NULL,
  PRIMARY KEY (key, shard)
);
INSERT INTO sshotp.store_meta (key, shard, value)
  SELECT 'refused_unenrolled', shard, 0 FROM generate_series(0, 63) AS shard;

-- New secrets waiting for their confirming code, beside the active enrollment.
CREATE TABLE sshotp.pending_enrollments (
  username text PRIMARY KEY,
  algorithm text NOT NULL,
  digits integer NOT NULL,
  period integer NOT NULL,
  sealed_secret bytea NOT NULL,
  created_at bigint NOT NULL
);

-- The key check value (common/key_check.h): one row, recorded by the first CLI write.
CREATE TABLE sshotp.key_check (
  id integer PRIMARY KEY CHECK (id = 1),
  value bytea NOT NULL
);

-- The host role: what logins (find, consume, count failures, unenrolled refusals) and the CLI on
-- a host (enroll, recovery, import, unlock, disable, remove) do, row by row. DELETE on
-- enrollments is granted for `remove`: UPDATE already lets a host rewrite any user's row (table
-- privileges cannot scope rows to users), so withholding DELETE would protect nothing. What a
-- host cannot do: DDL, TRUNCATE, REFERENCES, TRIGGER, writing schema_version, deleting the
-- key check value or the counters.
GRANT USAGE ON SCHEMA sshotp TO sshotp_host;
GRANT SELECT ON sshotp.schema_version TO sshotp_host;
GRANT SELECT, INSERT, UPDATE, DELETE
  ON sshotp.enrollments, sshotp.recovery_codes, sshotp.pending_enrollments TO sshotp_host;
GRANT SELECT, UPDATE ON sshotp.store_meta TO sshotp_host;
GRANT SELECT, INSERT, UPDATE ON sshotp.key_check TO sshotp_host;

INSERT INTO sshotp.schema_version (version) VALUES (1);
