// SPDX-License-Identifier: BSD-3-Clause
// StoreTransaction over one PostgreSQL connection. The store has already sent BEGIN; this object
// runs the statements (schema-qualified, unnamed, with parameters: nothing that PgBouncer's
// transaction pooling forbids) and COMMITs, or rolls back when destroyed uncommitted. In a write
// transaction find() locks the user's row (FOR UPDATE), which is how one user's writers are
// serialised across hosts (store.h). No exception leaves a method (the plugin boundary, see
// store_plugin.h): each body runs inside guarded(), which turns one into an error.
#pragma once

#include <set>
#include <string_view>

#include "common/postgresql/pg_connection.h"
#include "common/store.h"

namespace sshotp::pg {

class PgTransaction : public StoreTransaction {
 public:
  PgTransaction(Connection& conn, bool write) : conn_(conn), write_(write) {}
  ~PgTransaction() override;
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;

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
  // In pg_key_check.cc.
  Result<std::optional<KeyCheckValue>> recorded_key_check() override;
  Result<KeyCheckFacts> key_check_facts() override;
  Status set_key_check(const KeyCheckValue& value) override;
  Status commit() override;
  Status commit_unsynced() override;

 protected:
  // Ends a transaction that was not committed with a ROLLBACK (the destructor calls it).
  void roll_back_if_open() noexcept;

 private:
  // The id, salt, mac, used_at rows that `sql` selects for $1 = user, checked.
  Result<std::vector<RecoveryCodeRow>> recovery_codes(const char* sql, std::string_view user);
  // insert_many()'s undo after a conflict: the rows of `rest` that `written` says went in.
  Status remove_added_after(std::span<const Enrollment> rest,
                            const std::multiset<std::string_view>& written);
  // Runs a statement whose changed-row count is the answer.
  Result<bool> change(const char* sql, const std::vector<Param>& params, const char* what);

  Connection& conn_;  // the store's, which outlives every transaction
  bool write_;
  bool done_ = false;
};

// Runs `body`, turning an exception (std::bad_alloc, in practice) into an error: nothing may
// unwind out of the plugin into the core, whose C++ runtime is a different copy.
template <typename Body>
auto guarded(Body&& body) noexcept -> decltype(body()) {
  try {
    return std::forward<Body>(body)();
  } catch (...) {
    return make_error(Errc::unavailable, "out of memory");  // short: no allocation (SSO)
  }
}

}  // namespace sshotp::pg
