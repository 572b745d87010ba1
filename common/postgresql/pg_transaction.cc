// SPDX-License-Identifier: BSD-3-Clause
// The PostgreSQL transaction's statements (see pg_transaction.h). Each method is one round trip
// unless it says otherwise.
#include "common/postgresql/pg_transaction.h"

#include <algorithm>
#include <set>

#include "common/enrollment_row.h"
#include "common/host_name.h"
#include "common/postgresql/pg_columns.h"
#include "common/postgresql/pg_login_sql.h"
#include "common/postgresql/pg_rows.h"

namespace sshotp::pg {
namespace {

constexpr const char* kFindPending =
    "SELECT username, algorithm, digits, period, sealed_secret, created_at"
    " FROM sshotp.pending_enrollments WHERE username = $1";

constexpr const char* kInsertEnrollment =
    "INSERT INTO sshotp.enrollments (username, algorithm, digits, period, sealed_secret,"
    " last_step, created_at, last_used_at, failures, locked_until, lockouts, state, last_host)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

// An upsert, not DELETE + INSERT, so nothing keyed on the user vanishes on the way.
const std::string kPutEnrollment =
    std::string(kInsertEnrollment) +
    " ON CONFLICT (username) DO UPDATE SET algorithm = $2, digits = $3, period = $4,"
    " sealed_secret = $5, last_step = $6, created_at = $7, last_used_at = $8, failures = $9,"
    " locked_until = $10, lockouts = $11, state = $12, last_host = $13";

// insert_many()'s statement for `rows` rows: kInsertEnrollment's columns, ($1..$13), ($14..)...
// 13 parameters a row, 1000 rows a statement: well under the protocol's 65535 parameters.
constexpr std::size_t kEnrollmentParams = 13;
constexpr std::size_t kRowsPerInsert = 1000;
std::string insert_rows_sql(std::size_t rows) {
  std::string sql(kInsertEnrollment, std::string_view(kInsertEnrollment).find(" VALUES"));
  sql += " VALUES ";
  for (std::size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (std::size_t column = 1; column <= kEnrollmentParams; ++column) {
      sql += (column == 1 ? "$" : ", $") + std::to_string(row * kEnrollmentParams + column);
    }
    sql += ")";
  }
  return sql + " ON CONFLICT DO NOTHING RETURNING username";
}

// The user's row first, as every writer takes it (store.h): deleting the codes before it
// would take locks in the other order than a login, which holds the row and then consumes a
// code, and the two could deadlock. In a CTE the executor, not the text, would choose the order.
constexpr const char* kLockEnrollment =
    "SELECT 1 FROM sshotp.enrollments WHERE username = $1 FOR UPDATE";
// Then the enrollment, the pending one and the codes in one statement; the answer is whether
// there was an enrollment or a pending one.
constexpr const char* kRemove =
    "WITH codes AS (DELETE FROM sshotp.recovery_codes WHERE username = $1),"
    " pending AS (DELETE FROM sshotp.pending_enrollments WHERE username = $1 RETURNING 1),"
    " active AS (DELETE FROM sshotp.enrollments WHERE username = $1 RETURNING 1)"
    " SELECT (SELECT count(*) FROM pending) + (SELECT count(*) FROM active)";

}  // namespace

PgTransaction::~PgTransaction() { roll_back_if_open(); }

void PgTransaction::roll_back_if_open() noexcept {
  // A failed ROLLBACK leaves the connection unusable, and closing it rolls back on the server.
  if (done_) return;
  done_ = true;
  (void)guarded([&]() -> Status {
    auto rolled = conn_.exec("ROLLBACK", {}, "rollback");
    if (!rolled) return std::move(rolled).error();
    return Ok{};
  });
}

Result<std::optional<Enrollment>> PgTransaction::find(std::string_view user) {
  return guarded([&]() -> Result<std::optional<Enrollment>> {
    auto rows = conn_.exec((write_ ? kFindEnrollmentForUpdate : kFindEnrollment).c_str(), {user},
                           "reading enrollments");
    if (!rows) return std::move(rows).error();
    if (PQntuples(rows->get()) == 0) return std::optional<Enrollment>();
    auto e = enrollment_at(rows->get(), 0, conn_.where());
    if (!e) return std::move(e).error();
    return std::optional<Enrollment>(std::move(e).value());
  });
}

Result<std::optional<Enrollment>> PgTransaction::find_pending(std::string_view user) {
  return guarded([&]() -> Result<std::optional<Enrollment>> {
    auto rows = conn_.exec(kFindPending, {user}, "reading pending enrollments");
    if (!rows) return std::move(rows).error();
    if (PQntuples(rows->get()) == 0) return std::optional<Enrollment>();
    auto e = secret_at(rows->get(), 0, conn_.where());
    if (!e) return std::move(e).error();
    auto created = required_int(rows->get(), 0, 5, "created_at");
    if (!created) return std::move(created).error();
    e->created_at = *created;
    return std::optional<Enrollment>(std::move(e).value());
  });
}

Status PgTransaction::put_pending(const Enrollment& e) {
  return guarded([&]() -> Status {
    auto done = conn_.exec(
        "INSERT INTO sshotp.pending_enrollments (username, algorithm, digits, period,"
        " sealed_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (username) DO UPDATE SET algorithm = $2, digits = $3, period = $4,"
        " sealed_secret = $5, created_at = $6",
        {e.user, Param(algorithm_name(e.otp.algorithm)), std::int64_t{e.otp.digits},
         std::int64_t{e.otp.period}, Param::of_bytes(e.sealed_secret), e.created_at},
        "saving pending enrollment");
    if (!done) return std::move(done).error();
    return Ok{};
  });
}

Result<bool> PgTransaction::remove_pending(std::string_view user) {
  return guarded([&] {
    return change("DELETE FROM sshotp.pending_enrollments WHERE username = $1", {user},
                  "removing pending enrollment");
  });
}

Result<bool> PgTransaction::set_state(std::string_view user, EnrollmentState state) {
  return guarded([&] {
    return change("UPDATE sshotp.enrollments SET state = $2 WHERE username = $1",
                  {user, Param(state_name(state))}, "updating state");
  });
}

Status PgTransaction::put(const Enrollment& e) {
  return guarded([&]() -> Status {
    auto done = conn_.exec(kPutEnrollment.c_str(), enrollment_params(e), "saving enrollment");
    if (!done) return std::move(done).error();
    return Ok{};
  });
}

Result<std::optional<std::size_t>> PgTransaction::insert_many(
    std::span<const Enrollment> enrollments) {
  // Multi-row INSERTs of kRowsPerInsert rows, one round trip each: a million users in 1000
  // statements instead of a million. The rows a conflict skipped are the ones missing from
  // RETURNING; the first of them, in order, is the answer.
  return guarded([&]() -> Result<std::optional<std::size_t>> {
    for (std::size_t first = 0; first < enrollments.size(); first += kRowsPerInsert) {
      const auto batch =
          enrollments.subspan(first, std::min(kRowsPerInsert, enrollments.size() - first));
      std::vector<Param> params;
      params.reserve(batch.size() * kEnrollmentParams);
      for (const Enrollment& e : batch) {
        for (Param& p : enrollment_params(e)) params.push_back(std::move(p));
      }
      auto added = conn_.exec(insert_rows_sql(batch.size()).c_str(), params, "saving enrollments");
      if (!added) return std::move(added).error();
      const int inserted = PQntuples(added->get());
      if (static_cast<std::size_t>(inserted) == batch.size()) continue;
      // A name twice in one batch is returned once: count the names, claim them in order.
      std::multiset<std::string_view> written;
      for (int row = 0; row < inserted; ++row) {
        if (auto user = text_at(added->get(), row, 0)) written.insert(*user);
      }
      std::size_t conflict = 0;
      while (conflict < batch.size()) {
        auto claimed = written.find(batch[conflict].user);
        if (claimed == written.end()) break;
        written.erase(claimed);
        ++conflict;
      }
      // As the contract says: nothing after the conflict is left written (store.h).
      if (auto st = remove_added_after(batch.subspan(conflict + 1), written); !st) {
        return std::move(st).error();
      }
      return std::optional<std::size_t>(first + conflict);
    }
    return std::optional<std::size_t>();
  });
}

Status PgTransaction::remove_added_after(std::span<const Enrollment> rest,
                                         const std::multiset<std::string_view>& written) {
  for (const Enrollment& e : rest) {
    if (!written.contains(e.user)) continue;
    auto removed = change("DELETE FROM sshotp.enrollments WHERE username = $1", {e.user},
                          "saving enrollments");
    if (!removed) return std::move(removed).error();
  }
  return Ok{};
}

Result<bool> PgTransaction::remove(std::string_view user) {
  return guarded([&]() -> Result<bool> {
    auto locked = conn_.exec(kLockEnrollment, {user}, "removing enrollment");
    if (!locked) return std::move(locked).error();
    auto removed = conn_.exec(kRemove, {user}, "removing enrollment");
    if (!removed) return std::move(removed).error();
    auto count = required_int(removed->get(), 0, 0, "removed rows");
    if (!count) return std::move(count).error();
    return *count > 0;
  });
}

Result<bool> PgTransaction::consume_step(std::string_view user, std::int64_t step,
                                         std::int64_t now) {
  return guarded([&] {
    return change(kConsumeStep, {user, step, now, this_host_name()}, "consuming a code");
  });
}

Status PgTransaction::set_lockout(std::string_view user, const LockoutState& state) {
  return guarded([&]() -> Status {
    auto changed = change(
        "UPDATE sshotp.enrollments SET failures = $2, locked_until = $3, lockouts = $4"
        " WHERE username = $1",
        {user, state.failures, state.locked_until, state.lockouts}, "updating lockout");
    if (!changed) return std::move(changed).error();
    if (!*changed) return make_error(Errc::not_found, "no enrollment for that user");
    return Ok{};
  });
}

Result<LockoutState> PgTransaction::record_failure(std::string_view user,
                                                   const LockoutPolicy& policy, std::int64_t now) {
  return guarded([&]() -> Result<LockoutState> {
    auto counted =
        conn_.exec(kRecordFailure,
                   {user, std::int64_t{policy.max_failures}, std::int64_t{policy.lockout_seconds},
                    now, policy.max_lockout_seconds},
                   "counting a failure");
    if (!counted) return std::move(counted).error();
    if (PQntuples(counted->get()) == 0) {
      return make_error(Errc::not_found, "no enrollment for that user");
    }
    return lockout_at(counted->get(), 0, 0, conn_.where());
  });
}

Result<std::vector<RecoveryCodeRow>> PgTransaction::unused_recovery_codes(std::string_view user) {
  return recovery_codes(
      "SELECT id, salt, mac, used_at FROM sshotp.recovery_codes"
      " WHERE username = $1 AND used_at IS NULL ORDER BY id",
      user);
}

Result<std::vector<RecoveryCodeRow>> PgTransaction::all_recovery_codes(std::string_view user) {
  return recovery_codes(
      "SELECT id, salt, mac, used_at FROM sshotp.recovery_codes WHERE username = $1 ORDER BY id",
      user);
}

Result<std::vector<RecoveryCodeRow>> PgTransaction::recovery_codes(const char* sql,
                                                                   std::string_view user) {
  return guarded([&]() -> Result<std::vector<RecoveryCodeRow>> {
    auto rows = conn_.exec(sql, {user}, "reading recovery codes");
    if (!rows) return std::move(rows).error();
    return recovery_rows(rows->get(), user, conn_.where());
  });
}

Result<bool> PgTransaction::consume_recovery_code(std::string_view user, std::int64_t id,
                                                  std::int64_t now) {
  return guarded([&] {
    return change(
        // The code, and (a login, as a TOTP one is) the user's last use: one round trip.
        "WITH used AS (UPDATE sshotp.recovery_codes SET used_at = $3"
        "   WHERE username = $1 AND id = $2 AND used_at IS NULL RETURNING id),"
        " noted AS (UPDATE sshotp.enrollments SET last_used_at = $3, last_host = $4"
        "   WHERE username = $1 AND EXISTS (SELECT 1 FROM used))"
        " SELECT id FROM used",
        {user, id, now, this_host_name()}, "consuming a recovery code");
  });
}

Status PgTransaction::put_recovery_codes(std::string_view user,
                                         const std::vector<RecoveryCodeRow>& rows) {
  // Two round trips: the old set out, the new one in by one multi-row INSERT (a set is at most
  // 100 codes, 500 parameters).
  return guarded([&]() -> Status {
    auto cleared = change("DELETE FROM sshotp.recovery_codes WHERE username = $1", {user},
                          "saving recovery codes");
    if (!cleared) return std::move(cleared).error();
    if (rows.empty()) return Ok{};
    std::string sql =
        "INSERT INTO sshotp.recovery_codes (username, id, salt, mac, used_at) VALUES ";
    std::vector<Param> params{user};
    for (const RecoveryCodeRow& row : rows) {
      sql += params.size() == 1 ? "($1" : ", ($1";
      for (std::size_t column = 1; column <= 4; ++column) {
        sql += ", $" + std::to_string(params.size() + column);
      }
      sql += ")";
      params.push_back(row.id);
      params.push_back(Param::of_bytes(row.hash.salt));
      params.push_back(Param::of_bytes(row.hash.mac));
      params.push_back(row.used_at ? Param(*row.used_at) : Param::null());
    }
    auto added = change(sql.c_str(), params, "saving recovery codes");
    if (!added) return std::move(added).error();
    return Ok{};
  });
}

Status PgTransaction::record_unenrolled_attempt() {
  return guarded([&]() -> Status {
    // One shard of the counter, not one row for the fleet (schema_001.sql says why).
    auto counted = change(
        "UPDATE sshotp.store_meta SET value = value + 1"
        " WHERE key = 'refused_unenrolled' AND shard = pg_backend_pid() % 64",
        {}, "recording attempt");
    if (!counted) return std::move(counted).error();
    return Ok{};
  });
}

Status PgTransaction::commit() {
  return guarded([&]() -> Status {
    (void)conn_.take_warnings();
    auto committed = conn_.exec("COMMIT", {}, "commit");
    done_ = true;  // whatever happened, the transaction is over (or the connection is)
    if (!committed) return commit_failed(committed.error(), conn_.take_warnings());
    // COMMIT of a transaction that an earlier error aborted answers ROLLBACK, not an error.
    if (std::string_view(PQcmdStatus(committed->get())) != "COMMIT") {
      return make_error(Errc::unavailable,
                        conn_.where() + ": commit: the transaction was rolled back");
    }
    // The server's WARNING "canceling wait for synchronous replication": committed on the
    // primary but perhaps not on the standby that a failover would promote, where the consumed
    // code would be unused again. Not known to be durable, so not a success. Any warning
    // during COMMIT is treated so: the server has nothing else to warn about there.
    if (auto warnings = conn_.take_warnings(); !warnings.empty()) {
      return make_error(Errc::io, conn_.where() + ": commit not confirmed: " + warnings.front());
    }
    return Ok{};
  });
}

Error PgTransaction::commit_failed(const Error& error, const std::vector<std::string>& warnings) {
  // pg_terminate_backend during the wait for the standby: the server warns that it cancels the
  // wait, then closes the connection. "Server closed the connection" alone would send an
  // administrator after the network. (A timeout names the standby itself: pg_store.cc.)
  if (warnings.empty()) return error;
  return make_error(error.code, error.message + "; the server said first: " + warnings.front());
}

// The server decides durability (synchronous_commit); a failure count waits like a consume, so
// a refusal costs what an acceptance costs.
Status PgTransaction::commit_unsynced() { return commit(); }

Result<bool> PgTransaction::change(const char* sql, const std::vector<Param>& params,
                                   const char* what) {
  auto done = conn_.exec(sql, params, what);
  if (!done) return std::move(done).error();
  return changed_rows(done->get()) > 0;
}

}  // namespace sshotp::pg
