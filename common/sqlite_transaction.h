// SPDX-License-Identifier: BSD-3-Clause
// StoreTransaction over one SQLite connection. The connection's owner (SqliteStore) has already
// issued BEGIN IMMEDIATE or BEGIN; this object runs the statements and COMMITs, or rolls back
// when destroyed uncommitted. The connection runs with synchronous=NORMAL, so COMMIT itself does
// not wait for the disk; commit() then syncs the WAL itself (see sqlite_store.cc for why).
#pragma once

#include <sqlite3.h>

#include <string>

#include "common/sqlite_support.h"
#include "common/store.h"

namespace sshotp::sqlite {

class SqliteTransaction final : public StoreTransaction {
 public:
  SqliteTransaction(sqlite3* db, const std::string& path, StatementCache& statements)
      : db_(db), path_(path), statements_(statements) {}
  ~SqliteTransaction() override;
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  Result<std::optional<Enrollment>> find(std::string_view user) override;
  Status for_each_listing(const std::function<Status(const EnrollmentListing&)>& visit) override;
  Status put(const Enrollment& enrollment) override;
  Result<std::optional<std::size_t>> insert_many(std::span<const Enrollment> enrollments) override;
  Result<bool> remove(std::string_view user) override;
  Result<bool> set_state(std::string_view user, EnrollmentState state) override;
  Status put_pending(const Enrollment& enrollment) override;
  Result<std::optional<Enrollment>> find_pending(std::string_view user) override;
  Result<bool> remove_pending(std::string_view user) override;
  Result<bool> consume_step(std::string_view user, std::int64_t step, std::int64_t now) override;
  Status set_lockout(std::string_view user, const LockoutState& state) override;
  Result<LockoutState> record_failure(std::string_view user, const LockoutPolicy& policy,
                                      std::int64_t now) override;
  Result<std::vector<RecoveryCodeRow>> unused_recovery_codes(std::string_view user) override;
  Result<bool> consume_recovery_code(std::string_view user, std::int64_t id,
                                     std::int64_t now) override;
  Result<std::vector<RecoveryCodeRow>> all_recovery_codes(std::string_view user) override;
  Status put_recovery_codes(std::string_view user,
                            const std::vector<RecoveryCodeRow>& rows) override;
  Status record_unenrolled_attempt() override;
  // In sqlite_key_check.cc.
  Result<std::optional<KeyCheckValue>> recorded_key_check() override;
  Result<KeyCheckFacts> key_check_facts() override;
  Status set_key_check(const KeyCheckValue& value) override;
  Status commit() override;
  Status commit_unsynced() override;

 private:
  // Reads the id, salt, mac, used_at rows that `sql` selects for ?1 = user, checked.
  Result<std::vector<RecoveryCodeRow>> recovery_codes(const char* sql, std::string_view user);
  // Binds ?1 = user, then `ints`, then `text` (if any) after them.
  Result<bool> change(const char* sql, std::string_view user,
                      std::initializer_list<std::int64_t> ints,
                      std::optional<std::string_view> text = std::nullopt);

  sqlite3* db_;
  const std::string& path_;
  StatementCache& statements_;  // the connection's, which outlives every transaction
  bool done_ = false;
};

}  // namespace sshotp::sqlite
