// SPDX-License-Identifier: BSD-3-Clause
// The statements a login sends (pg_store.cc begins the transaction, pg_transaction.cc runs the
// rest), in one place so that bench/pg-probe times exactly these. Internal to the PostgreSQL
// plugin and its probe.
#pragma once

#include <string>

#include "common/postgresql/pg_rows.h"

namespace sshotp::pg {

// READ COMMITTED, as the consume statements need: a concurrent update of the same row is
// waited for and the WHERE clause re-evaluated against its result (PostgreSQL docs, 13.2.1),
// so exactly one of two racing consumes changes the row. REPEATABLE READ would turn the wait
// into serialization errors instead.
inline constexpr const char* kBeginWrite = "BEGIN ISOLATION LEVEL READ COMMITTED";
// One snapshot for a listing and the look before the prompt; it never blocks writers.
inline constexpr const char* kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
// Sent with the BEGIN, in the same round trip: every connection checks the schema, since a
// reconnection may reach another server of the fleet.
// It also reads the session's durability settings (check_durability).
inline constexpr const char* kSchemaCheck =
    "SELECT max(version), current_setting('synchronous_commit'),"
    " current_setting('synchronous_standby_names') FROM sshotp.schema_version";

inline const std::string kFindEnrollment =
    std::string("SELECT ") + kEnrollmentColumns + " FROM sshotp.enrollments WHERE username = $1";
// In a write transaction: the row lock that serialises one user's logins across hosts.
inline const std::string kFindEnrollmentForUpdate = kFindEnrollment + " FOR UPDATE";

// The replay guard: of two hosts consuming one step, the second waits for the first's row
// lock, re-reads the row and finds the step taken (READ COMMITTED, see kBeginWrite).
inline constexpr const char* kConsumeStep =
    "UPDATE sshotp.enrollments SET last_step = $2, last_used_at = $3, last_host = $4"
    " WHERE username = $1 AND last_step < $2 RETURNING last_step";

// after_failure() (lockout.h) in SQL: every SET expression sees the row as it was, and the
// row's lock makes a concurrent count wait and then count on top of this one.
inline constexpr const char* kRecordFailure =
    "UPDATE sshotp.enrollments SET"
    " failures = CASE WHEN greatest(failures, 0) + 1 >= $2 THEN 0"
    "   ELSE greatest(failures, 0) + 1 END,"
    " locked_until = CASE WHEN greatest(failures, 0) + 1 >= $2"
    "   THEN $4 + least($3::bigint << least(greatest(lockouts, 0), 20)::integer, $5)"
    "   ELSE locked_until END,"
    " lockouts = CASE WHEN greatest(failures, 0) + 1 >= $2 THEN greatest(lockouts, 0) + 1"
    "   ELSE lockouts END"
    " WHERE username = $1 RETURNING failures, locked_until, lockouts";

}  // namespace sshotp::pg
