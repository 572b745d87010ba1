# SPDX-License-Identifier: BSD-3-Clause
# The store as the session scripts read it, independently of sshotp-enroll: a SQLite file through
# Python's own sqlite3 module, or, when DB is "postgresql", the sshotp schema through psql as the
# harness's superuser (SSHOTP_TEST_PG_SUPER, a libpq conninfo that tests/postgresql/test_pg_cli.sh
# sets). Either way a user's row comes back as (algorithm, digits, period, sealed secret,
# last_step, created_at) and a recovery code as (id, salt, mac, used_at), used_at None if unused.
# The two schemas call the user column "user" and "username"; byte columns are compared only
# with themselves, so SQLite's bytes and PostgreSQL's hex text are both fine.
import os
import sqlite3
import subprocess

POSTGRESQL = "postgresql"


def _psql(sql, user):
    """Rows of SQL, which names the user as :'user' (psql quotes it)."""
    done = subprocess.run(["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1", "-F", "|",
                           "-v", f"user={user}", "-d", os.environ["SSHOTP_TEST_PG_SUPER"]],
                          input=sql, capture_output=True, text=True, check=True)
    return [line.split("|") for line in done.stdout.splitlines()]


def _sqlite(db, sql, user):
    if not os.path.exists(db):
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql, (user,)).fetchall()
    finally:
        con.close()


def row_of(db, user):
    """The user's enrollment row, or None."""
    if db == POSTGRESQL:
        rows = _psql("SELECT algorithm, digits, period, encode(sealed_secret, 'hex'), last_step, "
                     "created_at FROM sshotp.enrollments WHERE username = :'user'", user)
        return tuple(int(v) if i in (1, 2, 4, 5) else v for i, v in enumerate(rows[0])) \
            if rows else None
    rows = _sqlite(db, "SELECT algorithm, digits, period, sealed_secret, last_step, created_at "
                   "FROM enrollments WHERE user = ?", user)
    return rows[0] if rows else None


def other_client_sessions():
    """How many client connections the PostgreSQL server has besides this query's own."""
    rows = _psql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                 "AND pid <> pg_backend_pid()", "")
    return int(rows[0][0])


def codes_of(db, user):
    """The user's recovery code rows, in order."""
    if db == POSTGRESQL:
        rows = _psql("SELECT id, encode(salt, 'hex'), encode(mac, 'hex'), used_at "
                     "FROM sshotp.recovery_codes WHERE username = :'user' ORDER BY id", user)
        return [(int(i), salt, mac, int(used) if used else None) for i, salt, mac, used in rows]
    return _sqlite(db, "SELECT id, salt, mac, used_at FROM recovery_codes WHERE user = ? "
                   "ORDER BY id", user)
