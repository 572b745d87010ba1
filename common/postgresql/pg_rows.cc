// SPDX-License-Identifier: BSD-3-Clause
// The PostgreSQL store's rows (see pg_rows.h).
#include "common/postgresql/pg_rows.h"

#include "common/enrollment_row.h"
#include "common/postgresql/pg_columns.h"

namespace sshotp::pg {

std::vector<Param> enrollment_params(const Enrollment& e) {
  std::vector<Param> params = {e.user,
                               Param(algorithm_name(e.otp.algorithm)),
                               std::int64_t{e.otp.digits},
                               std::int64_t{e.otp.period},
                               Param::of_bytes(e.sealed_secret),
                               e.last_step,
                               e.created_at,
                               Param::null(),
                               e.lockout.failures,
                               e.lockout.locked_until,
                               e.lockout.lockouts,
                               Param(state_name(e.state)),
                               Param::null()};
  if (e.last_used_at) params[7] = Param(*e.last_used_at);
  if (e.last_host) params[12] = Param(*e.last_host);
  return params;
}

Result<Enrollment> secret_at(const PGresult* r, int row, const std::string& where) {
  // An integer column of an unexpected width reads as -1, which the checks refuse.
  return secret_from_columns(
      {text_at(r, row, 0), text_at(r, row, 1), int_at(r, row, 2).value_or(-1),
       int_at(r, row, 3).value_or(-1), bytes_at(r, row, 4)},
      where);
}

Result<LockoutState> lockout_at(const PGresult* r, int row, int first_column,
                                const std::string& where) {
  auto failures = int_at(r, row, first_column);
  auto locked_until = int_at(r, row, first_column + 1);
  auto lockouts = int_at(r, row, first_column + 2);
  if (!failures || !locked_until || !lockouts) {
    return corrupt_row(where, text_at(r, row, 0).value_or(""), "lockout");
  }
  return LockoutState{*failures, *locked_until, *lockouts};
}

Result<Enrollment> enrollment_at(const PGresult* r, int row, const std::string& where) {
  auto e = secret_at(r, row, where);
  if (!e) return e;
  auto last_step = int_at(r, row, 5);
  auto created_at = int_at(r, row, 6);
  if (!last_step || !created_at) return corrupt_row(where, e->user, "times");
  ActiveColumns active;
  active.last_step = *last_step;
  active.created_at = *created_at;
  active.last_used_at = int_at(r, row, 7);
  auto lockout = lockout_at(r, row, 8, where);
  if (!lockout) return std::move(lockout).error();
  active.lockout = *lockout;
  active.state = text_at(r, row, 11);
  active.last_host = text_at(r, row, 12);
  if (auto st = add_active_columns(*e, active, where); !st) return std::move(st).error();
  return e;
}

Result<std::vector<RecoveryCodeRow>> recovery_rows(const PGresult* r, std::string_view user,
                                                   const std::string& where) {
  std::vector<RecoveryCodeRow> rows;
  for (int i = 0; i < PQntuples(r); ++i) {
    RecoveryCodeRow row;
    auto id = int_at(r, i, 0);
    auto salt = bytes_at(r, i, 1);
    auto mac = bytes_at(r, i, 2);
    if (!id || !salt || salt->empty() || !mac || mac->size() != 32) {
      return make_error(Errc::unavailable,
                        where + ": corrupt recovery code row for user '" + std::string(user) + "'");
    }
    row.id = *id;
    row.hash.salt.assign(salt->begin(), salt->end());
    row.hash.mac.assign(mac->begin(), mac->end());
    row.used_at = int_at(r, i, 3);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace sshotp::pg
