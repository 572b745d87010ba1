// SPDX-License-Identifier: BSD-3-Clause
#include "common/sqlite_transaction.h"

#include <optional>
#include <span>

#include "common/enrollment_row.h"
#include "common/host_name.h"
#include "common/sqlite_support.h"

namespace sshotp::sqlite {
namespace {

// Both tables start with the same five columns (the secret and its parameters).
constexpr const char* kFindEnrollment =
    "SELECT user, algorithm, digits, period, sealed_secret, last_step, created_at, last_used_at,"
    " failures, locked_until, lockouts, state, last_host FROM enrollments WHERE user = ?1";
constexpr const char* kFindPending =
    "SELECT user, algorithm, digits, period, sealed_secret, created_at FROM pending_enrollments"
    " WHERE user = ?1";

// SQL NULL is absent.
std::optional<std::string_view> column_text(sqlite3_stmt* s, int column) {
  const unsigned char* text = sqlite3_column_text(s, column);
  if (text == nullptr) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(text),
                          static_cast<std::size_t>(sqlite3_column_bytes(s, column)));
}

// Reads the five columns both tables share; enrollment_row.h checks them.
Result<Enrollment> row_to_secret(sqlite3_stmt* s, const std::string& path) {
  std::optional<std::span<const std::uint8_t>> blob;
  if (const void* data = sqlite3_column_blob(s, 4); data != nullptr) {
    blob.emplace(static_cast<const std::uint8_t*>(data),
                 static_cast<std::size_t>(sqlite3_column_bytes(s, 4)));
  }
  return secret_from_columns({column_text(s, 0), column_text(s, 1), sqlite3_column_int64(s, 2),
                              sqlite3_column_int64(s, 3), blob},
                             path);
}

Result<Enrollment> row_to_enrollment(sqlite3_stmt* s, const std::string& path) {
  auto parsed = row_to_secret(s, path);
  if (!parsed) return parsed;
  ActiveColumns active;
  active.last_step = sqlite3_column_int64(s, 5);
  active.created_at = sqlite3_column_int64(s, 6);
  if (sqlite3_column_type(s, 7) != SQLITE_NULL) active.last_used_at = sqlite3_column_int64(s, 7);
  active.lockout = {sqlite3_column_int64(s, 8), sqlite3_column_int64(s, 9),
                    sqlite3_column_int64(s, 10)};
  active.state = column_text(s, 11);
  active.last_host = column_text(s, 12);
  if (auto st = add_active_columns(*parsed, active, path); !st) return std::move(st).error();
  return parsed;
}

Result<Enrollment> row_to_pending(sqlite3_stmt* s, const std::string& path) {
  auto parsed = row_to_secret(s, path);
  if (parsed) parsed->created_at = sqlite3_column_int64(s, 5);
  return parsed;
}

using RowReader = Result<Enrollment> (*)(sqlite3_stmt*, const std::string&);

// Runs a SELECT keyed on the user (?1, the primary key, so at most one row) and reads the row
// with `read`.
Result<std::optional<Enrollment>> find_row(sqlite3* db, StatementCache& statements, const char* sql,
                                           std::string_view user, RowReader read,
                                           const std::string& path) {
  auto stmt = statements.get(sql);
  if (!stmt) return std::move(stmt).error();
  bind_text(stmt->get(), 1, user);
  const int rc = sqlite3_step(stmt->get());
  if (rc == SQLITE_DONE) return std::optional<Enrollment>{};
  if (rc != SQLITE_ROW) return db_error(db, rc, "reading enrollments");
  auto e = read(stmt->get(), path);
  if (!e) return std::move(e).error();
  return std::optional<Enrollment>(std::move(e).value());
}

// ?1..?5: the columns both tables share.
void bind_secret_columns(sqlite3_stmt* s, const Enrollment& e) {
  bind_text(s, 1, e.user);
  bind_text(s, 2, algorithm_name(e.otp.algorithm));
  sqlite3_bind_int64(s, 3, e.otp.digits);
  sqlite3_bind_int64(s, 4, e.otp.period);
  bind_bytes(s, 5, e.sealed_secret.data(), e.sealed_secret.size());
}

constexpr const char* kInsertEnrollment =
    "INSERT INTO enrollments (user, algorithm, digits, period, sealed_secret, last_step,"
    " created_at, last_used_at, failures, locked_until, lockouts, state, last_host)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

// ?1..?13 of kInsertEnrollment.
void bind_enrollment(sqlite3_stmt* s, const Enrollment& e) {
  bind_secret_columns(s, e);
  sqlite3_bind_int64(s, 6, e.last_step);
  sqlite3_bind_int64(s, 7, e.created_at);
  if (e.last_used_at) {
    sqlite3_bind_int64(s, 8, *e.last_used_at);
  } else {
    sqlite3_bind_null(s, 8);
  }
  sqlite3_bind_int64(s, 9, e.lockout.failures);
  sqlite3_bind_int64(s, 10, e.lockout.locked_until);
  sqlite3_bind_int64(s, 11, e.lockout.lockouts);
  bind_text(s, 12, state_name(e.state));
  if (e.last_host) {
    bind_text(s, 13, *e.last_host);
  } else {
    sqlite3_bind_null(s, 13);
  }
}

std::vector<std::uint8_t> column_bytes(sqlite3_stmt* s, int column) {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, column));
  const int size = sqlite3_column_bytes(s, column);
  if (data == nullptr || size <= 0) return {};
  return {data, data + size};
}

}  // namespace

SqliteTransaction::~SqliteTransaction() {
  if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Result<std::optional<Enrollment>> SqliteTransaction::find(std::string_view user) {
  return find_row(db_, statements_, kFindEnrollment, user, row_to_enrollment, path_);
}

Result<std::optional<Enrollment>> SqliteTransaction::find_pending(std::string_view user) {
  return find_row(db_, statements_, kFindPending, user, row_to_pending, path_);
}

Status SqliteTransaction::put_pending(const Enrollment& e) {
  auto stmt = prepare(db_,
                      "INSERT INTO pending_enrollments (user, algorithm, digits, period,"
                      " sealed_secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                      " ON CONFLICT (user) DO UPDATE SET algorithm = ?2, digits = ?3,"
                      " period = ?4, sealed_secret = ?5, created_at = ?6");
  if (!stmt) return std::move(stmt).error();
  sqlite3_stmt* s = stmt->get();
  bind_secret_columns(s, e);
  sqlite3_bind_int64(s, 6, e.created_at);
  return step_done(db_, s, "saving pending enrollment");
}

Result<bool> SqliteTransaction::remove_pending(std::string_view user) {
  return change("DELETE FROM pending_enrollments WHERE user = ?1", user, {});
}

Result<bool> SqliteTransaction::set_state(std::string_view user, EnrollmentState state) {
  auto stmt = prepare(db_, "UPDATE enrollments SET state = ?2 WHERE user = ?1");
  if (!stmt) return std::move(stmt).error();
  bind_text(stmt->get(), 1, user);
  bind_text(stmt->get(), 2, state_name(state));
  if (auto st = step_done(db_, stmt->get(), "updating state"); !st) return std::move(st).error();
  return sqlite3_changes(db_) > 0;
}

Status SqliteTransaction::put(const Enrollment& e) {
  // An upsert, not INSERT OR REPLACE: REPLACE deletes the old row first, which would be a
  // surprising place for anything keyed on the user to disappear.
  auto stmt =
      prepare(db_, (std::string(kInsertEnrollment) +
                    " ON CONFLICT (user) DO UPDATE SET algorithm = ?2, digits = ?3, period = ?4,"
                    " sealed_secret = ?5, last_step = ?6, created_at = ?7, last_used_at = ?8,"
                    " failures = ?9, locked_until = ?10, lockouts = ?11, state = ?12,"
                    " last_host = ?13")
                       .c_str());
  if (!stmt) return std::move(stmt).error();
  bind_enrollment(stmt->get(), e);
  return step_done(db_, stmt->get(), "saving enrollment");
}

Result<std::optional<std::size_t>> SqliteTransaction::insert_many(
    std::span<const Enrollment> enrollments) {
  // One statement for every row: preparing (parsing) it per row would cost more than the
  // insert itself.
  auto stmt =
      prepare(db_, (std::string(kInsertEnrollment) + " ON CONFLICT (user) DO NOTHING").c_str());
  if (!stmt) return std::move(stmt).error();
  sqlite3_stmt* s = stmt->get();
  for (std::size_t i = 0; i < enrollments.size(); ++i) {
    sqlite3_reset(s);
    bind_enrollment(s, enrollments[i]);
    if (auto st = step_done(db_, s, "saving enrollments"); !st) return std::move(st).error();
    if (sqlite3_changes(db_) == 0) return std::optional<std::size_t>(i);  // already enrolled
  }
  return std::optional<std::size_t>();
}

Result<bool> SqliteTransaction::remove(std::string_view user) {
  auto codes = change("DELETE FROM recovery_codes WHERE user = ?1", user, {});
  if (!codes) return std::move(codes).error();
  auto pending = remove_pending(user);
  if (!pending) return std::move(pending).error();
  auto active = change("DELETE FROM enrollments WHERE user = ?1", user, {});
  if (!active) return std::move(active).error();
  return *active || *pending;
}

Result<bool> SqliteTransaction::consume_step(std::string_view user, std::int64_t step,
                                             std::int64_t now) {
  return change(
      "UPDATE enrollments SET last_step = ?2, last_used_at = ?3, last_host = ?4"
      " WHERE user = ?1 AND last_step < ?2",
      user, {step, now}, this_host_name());
}

Status SqliteTransaction::set_lockout(std::string_view user, const LockoutState& state) {
  auto changed = change(
      "UPDATE enrollments SET failures = ?2, locked_until = ?3, lockouts = ?4 WHERE user = ?1",
      user, {state.failures, state.locked_until, state.lockouts});
  if (!changed) return std::move(changed).error();
  if (!*changed) return make_error(Errc::not_found, "no enrollment for that user");
  return Ok{};
}

// after_failure() (lockout.h) in SQL: every SET expression sees the row as it was.
constexpr const char* kRecordFailure =
    "UPDATE enrollments SET"
    " failures = CASE WHEN max(failures, 0) + 1 >= ?2 THEN 0 ELSE max(failures, 0) + 1 END,"
    " locked_until = CASE WHEN max(failures, 0) + 1 >= ?2"
    "   THEN ?4 + min(?3 << min(max(lockouts, 0), 20), ?5) ELSE locked_until END,"
    " lockouts = CASE WHEN max(failures, 0) + 1 >= ?2 THEN max(lockouts, 0) + 1 ELSE lockouts END"
    " WHERE user = ?1 RETURNING failures, locked_until, lockouts";

Result<LockoutState> SqliteTransaction::record_failure(std::string_view user,
                                                       const LockoutPolicy& policy,
                                                       std::int64_t now) {
  auto stmt = statements_.get(kRecordFailure);
  if (!stmt) return std::move(stmt).error();
  sqlite3_stmt* s = stmt->get();
  bind_text(s, 1, user);
  sqlite3_bind_int64(s, 2, policy.max_failures);
  sqlite3_bind_int64(s, 3, policy.lockout_seconds);
  sqlite3_bind_int64(s, 4, now);
  sqlite3_bind_int64(s, 5, policy.max_lockout_seconds);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return make_error(Errc::not_found, "no enrollment for that user");
  if (rc != SQLITE_ROW) return db_error(db_, rc, "counting a failure");
  LockoutState state{sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                     sqlite3_column_int64(s, 2)};
  // RETURNING rows are all computed before the first is handed out; stepping to the end
  // finishes the statement, so the write is not left half done in a cached statement.
  if (const int end = sqlite3_step(s); end != SQLITE_DONE) {
    return db_error(db_, end, "counting a failure");
  }
  return state;
}

Result<std::vector<RecoveryCodeRow>> SqliteTransaction::unused_recovery_codes(
    std::string_view user) {
  return recovery_codes(
      "SELECT id, salt, mac, used_at FROM recovery_codes"
      " WHERE user = ?1 AND used_at IS NULL ORDER BY id",
      user);
}

Result<std::vector<RecoveryCodeRow>> SqliteTransaction::all_recovery_codes(std::string_view user) {
  return recovery_codes(
      "SELECT id, salt, mac, used_at FROM recovery_codes WHERE user = ?1 ORDER BY id", user);
}

// Reads id, salt, mac, used_at rows of `user`, checked.
Result<std::vector<RecoveryCodeRow>> SqliteTransaction::recovery_codes(const char* sql,
                                                                       std::string_view user) {
  auto stmt = prepare(db_, sql);
  if (!stmt) return std::move(stmt).error();
  bind_text(stmt->get(), 1, user);
  std::vector<RecoveryCodeRow> rows;
  int rc;
  while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) {
    RecoveryCodeRow row;
    row.id = sqlite3_column_int64(stmt->get(), 0);
    row.hash.salt = column_bytes(stmt->get(), 1);
    row.hash.mac = column_bytes(stmt->get(), 2);
    if (sqlite3_column_type(stmt->get(), 3) != SQLITE_NULL) {
      row.used_at = sqlite3_column_int64(stmt->get(), 3);
    }
    if (row.hash.salt.empty() || row.hash.mac.size() != 32) {
      return make_error(Errc::unavailable,
                        path_ + ": corrupt recovery code row for user '" + std::string(user) + "'");
    }
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return db_error(db_, rc, "reading recovery codes");
  return rows;
}

Result<bool> SqliteTransaction::consume_recovery_code(std::string_view user, std::int64_t id,
                                                      std::int64_t now) {
  auto used = change(
      "UPDATE recovery_codes SET used_at = ?3 WHERE user = ?1 AND id = ?2 AND used_at IS NULL",
      user, {id, now});
  if (!used || !*used) return used;
  // A login, as a TOTP one is: its time and host are the user's last use (store.h).
  auto noted = change("UPDATE enrollments SET last_used_at = ?2, last_host = ?3 WHERE user = ?1",
                      user, {now}, this_host_name());
  if (!noted) return std::move(noted).error();
  return true;
}

Status SqliteTransaction::put_recovery_codes(std::string_view user,
                                             const std::vector<RecoveryCodeRow>& rows) {
  auto cleared = change("DELETE FROM recovery_codes WHERE user = ?1", user, {});
  if (!cleared) return std::move(cleared).error();
  auto stmt = prepare(
      db_, "INSERT INTO recovery_codes (user, id, salt, mac, used_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt) return std::move(stmt).error();
  for (const RecoveryCodeRow& row : rows) {
    sqlite3_stmt* s = stmt->get();
    sqlite3_reset(s);
    bind_text(s, 1, user);
    sqlite3_bind_int64(s, 2, row.id);
    bind_bytes(s, 3, row.hash.salt.data(), row.hash.salt.size());
    bind_bytes(s, 4, row.hash.mac.data(), row.hash.mac.size());
    if (row.used_at) {
      sqlite3_bind_int64(s, 5, *row.used_at);
    } else {
      sqlite3_bind_null(s, 5);
    }
    if (auto st = step_done(db_, s, "saving recovery codes"); !st) return st;
  }
  return Ok{};
}

Status SqliteTransaction::record_unenrolled_attempt() {
  return exec(db_, "UPDATE store_meta SET value = value + 1 WHERE key = 'refused_unenrolled'",
              "recording attempt");
}

Status SqliteTransaction::commit_unsynced() {
  int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return db_error(db_, rc, "commit");
  done_ = true;
  return Ok{};
}

Status SqliteTransaction::commit() {
  if (auto st = commit_unsynced(); !st) return st;
  // The write lock is already released: concurrent logins sync side by side instead of queueing
  // behind each other's disk wait. Until this returns, the caller has not reported success, and
  // other logins already see the change, so a replay is refused either way.
  return sync_wal(path_);
}

// Runs a write keyed by user, binding extra integers from ?2 on; returns whether a row changed.
Result<bool> SqliteTransaction::change(const char* sql, std::string_view user,
                                       std::initializer_list<std::int64_t> ints,
                                       std::optional<std::string_view> text) {
  auto stmt = statements_.get(sql);
  if (!stmt) return std::move(stmt).error();
  bind_text(stmt->get(), 1, user);
  int i = 2;
  for (std::int64_t v : ints) sqlite3_bind_int64(stmt->get(), i++, v);
  if (text) bind_text(stmt->get(), i, *text);
  if (auto st = step_done(db_, stmt->get(), "updating store"); !st) return std::move(st).error();
  return sqlite3_changes(db_) > 0;
}

// ---------------------------------------------------------------------------------------------
// for_each_listing(): `list` in one statement. Active enrollments, then pending ones of users
// with no active one (as kFindEnrollment's columns, with neutral replay and lockout values),
// each with a flag saying which it is and a correlated count of unused recovery codes. SQLite
// merges the two halves in user order straight from their primary-key indexes (EXPLAIN QUERY
// PLAN: MERGE (UNION ALL), no temporary b-tree), so rows stream without being sorted in memory.
namespace {

constexpr const char* kSelectListing =
    "SELECT user, algorithm, digits, period, sealed_secret, last_step, created_at, last_used_at,"
    " failures, locked_until, lockouts, state, last_host, 0,"
    " (SELECT count(*) FROM recovery_codes r WHERE r.user = e.user AND r.used_at IS NULL)"
    " FROM enrollments e"
    " UNION ALL"
    " SELECT user, algorithm, digits, period, sealed_secret, -1, created_at, NULL, 0, 0, 0,"
    " 'active', NULL, 1,"
    " (SELECT count(*) FROM recovery_codes r WHERE r.user = p.user AND r.used_at IS NULL)"
    " FROM pending_enrollments p WHERE p.user NOT IN (SELECT user FROM enrollments)"
    " ORDER BY 1";

}  // namespace

Status SqliteTransaction::for_each_listing(
    const std::function<Status(const EnrollmentListing&)>& visit) {
  auto stmt = prepare(db_, kSelectListing);
  if (!stmt) return std::move(stmt).error();
  sqlite3_stmt* s = stmt->get();
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    auto e = row_to_enrollment(s, path_);
    if (!e) return std::move(e).error();
    const sqlite3_int64 unused = sqlite3_column_int64(s, 14);
    if (unused < 0) return corrupt_row(path_, e->user, "recovery codes");
    EnrollmentListing listing{std::move(e).value(), sqlite3_column_int64(s, 13) != 0,
                              static_cast<std::size_t>(unused)};
    if (auto st = visit(listing); !st) return st;
  }
  if (rc != SQLITE_DONE) return db_error(db_, rc, "reading enrollments");
  return Ok{};
}

}  // namespace sshotp::sqlite
