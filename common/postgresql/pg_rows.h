// SPDX-License-Identifier: BSD-3-Clause
// Rows of the PostgreSQL store to and from the core's types: the enrollment columns in the order
// every SELECT of them uses, the parameters of an INSERT of one, and the readers, which check
// every field (enrollment_row.h) and name the user whose row is corrupt. Internal to the plugin.
#pragma once

#include <libpq-fe.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/postgresql/pg_connection.h"
#include "common/store.h"

namespace sshotp::pg {

// Columns 0-12 of every statement that reads an active enrollment.
inline constexpr const char* kEnrollmentColumns =
    "username, algorithm, digits, period, sealed_secret, last_step, created_at, last_used_at,"
    " failures, locked_until, lockouts, state, last_host";

// $1..$13 for the columns above, in that order.
std::vector<Param> enrollment_params(const Enrollment& e);

// Columns 0-4 (what active and pending enrollments share), checked.
Result<Enrollment> secret_at(const PGresult* r, int row, const std::string& where);
// Columns 0-12, checked.
Result<Enrollment> enrollment_at(const PGresult* r, int row, const std::string& where);
// failures, locked_until, lockouts from `first_column` on.
Result<LockoutState> lockout_at(const PGresult* r, int row, int first_column,
                                const std::string& where);
// id, salt, mac, used_at per row, checked.
Result<std::vector<RecoveryCodeRow>> recovery_rows(const PGresult* r, std::string_view user,
                                                   const std::string& where);

}  // namespace sshotp::pg
