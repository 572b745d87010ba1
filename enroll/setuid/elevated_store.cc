// SPDX-License-Identifier: BSD-3-Clause
// Store and StoreTransaction decorators that run every call as root (see elevated_store.h).
#include "enroll/setuid/elevated_store.h"

#include <optional>
#include <span>
#include <utility>

#include "enroll/setuid/privilege.h"

namespace sshotp::cli {
namespace {

// Runs `call` inside an Elevated scope (nested in the transaction's own, if any).
template <typename Call>
auto elevated(Call&& call) {
  Elevated root;
  return std::forward<Call>(call)();
}

class ElevatedTransaction final : public StoreTransaction {
 public:
  explicit ElevatedTransaction(std::unique_ptr<StoreTransaction> inner) : inner_(std::move(inner)) {
    held_.emplace();
  }
  ~ElevatedTransaction() override {
    Elevated root;  // a rollback writes too
    inner_.reset();
  }

  Result<std::optional<Enrollment>> find(std::string_view user) override {
    return elevated([&] { return inner_->find(user); });
  }
  // `visit` runs as root too, between rows: keep it to formatting and printing.
  Status for_each_listing(const std::function<Status(const EnrollmentListing&)>& visit) override {
    return elevated([&] { return inner_->for_each_listing(visit); });
  }
  Status put(const Enrollment& enrollment) override {
    return elevated([&] { return inner_->put(enrollment); });
  }
  // Defaulted in Store, but the SQLite override must not be bypassed.
  Result<std::optional<std::size_t>> insert_many(std::span<const Enrollment> enrollments) override {
    return elevated([&] { return inner_->insert_many(enrollments); });
  }
  Result<bool> remove(std::string_view user) override {
    return elevated([&] { return inner_->remove(user); });
  }
  Result<bool> set_state(std::string_view user, EnrollmentState state) override {
    return elevated([&] { return inner_->set_state(user, state); });
  }
  Status put_pending(const Enrollment& enrollment) override {
    return elevated([&] { return inner_->put_pending(enrollment); });
  }
  Result<std::optional<Enrollment>> find_pending(std::string_view user) override {
    return elevated([&] { return inner_->find_pending(user); });
  }
  Result<bool> remove_pending(std::string_view user) override {
    return elevated([&] { return inner_->remove_pending(user); });
  }
  Result<bool> consume_step(std::string_view user, std::int64_t step, std::int64_t now) override {
    return elevated([&] { return inner_->consume_step(user, step, now); });
  }
  Status set_lockout(std::string_view user, const LockoutState& state) override {
    return elevated([&] { return inner_->set_lockout(user, state); });
  }
  Result<LockoutState> record_failure(std::string_view user, const LockoutPolicy& policy,
                                      std::int64_t now) override {
    return elevated([&] { return inner_->record_failure(user, policy, now); });
  }
  Result<std::vector<RecoveryCodeRow>> unused_recovery_codes(std::string_view user) override {
    return elevated([&] { return inner_->unused_recovery_codes(user); });
  }
  Result<bool> consume_recovery_code(std::string_view user, std::int64_t id,
                                     std::int64_t now) override {
    return elevated([&] { return inner_->consume_recovery_code(user, id, now); });
  }
  Result<std::vector<RecoveryCodeRow>> all_recovery_codes(std::string_view user) override {
    return elevated([&] { return inner_->all_recovery_codes(user); });
  }
  Status put_recovery_codes(std::string_view user,
                            const std::vector<RecoveryCodeRow>& rows) override {
    return elevated([&] { return inner_->put_recovery_codes(user, rows); });
  }
  Result<std::optional<KeyCheckValue>> recorded_key_check() override {
    return elevated([&] { return inner_->recorded_key_check(); });
  }
  Result<KeyCheckFacts> key_check_facts() override {
    return elevated([&] { return inner_->key_check_facts(); });
  }
  Status set_key_check(const KeyCheckValue& value) override {
    return elevated([&] { return inner_->set_key_check(value); });
  }
  Status record_unenrolled_attempt() override {
    return elevated([&] { return inner_->record_unenrolled_attempt(); });
  }
  Status commit() override {
    return finish([&] { return inner_->commit(); });
  }
  Status commit_unsynced() override {
    return finish([&] { return inner_->commit_unsynced(); });
  }

 private:
  template <typename Commit>
  Status finish(Commit commit) {
    Status committed = elevated(commit);
    // The lock is released: whatever the command does next (printing, waiting on a pipe), it
    // does as the user.
    if (committed) held_.reset();
    return committed;
  }

  std::optional<Elevated> held_;  // root from begin to commit or rollback
  std::unique_ptr<StoreTransaction> inner_;
};

class ElevatedStore final : public Store {
 public:
  explicit ElevatedStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}
  ~ElevatedStore() override {
    Elevated root;  // closing checkpoints the WAL and deletes it
    inner_.reset();
  }

  Result<std::unique_ptr<StoreTransaction>> begin_write() override {
    return wrap([&] { return inner_->begin_write(); });
  }
  Result<std::unique_ptr<StoreTransaction>> begin_read() override {
    return wrap([&] { return inner_->begin_read(); });
  }

 private:
  template <typename Begin>
  Result<std::unique_ptr<StoreTransaction>> wrap(Begin&& begin) {
    Elevated root;
    auto txn = std::forward<Begin>(begin)();
    if (!txn) return std::move(txn).error();
    return std::unique_ptr<StoreTransaction>(
        std::make_unique<ElevatedTransaction>(std::move(txn).value()));
  }

  std::unique_ptr<Store> inner_;
};

}  // namespace

std::unique_ptr<Store> elevate_store(std::unique_ptr<Store> store) {
  if (!running_setuid() || !store) return store;
  return std::make_unique<ElevatedStore>(std::move(store));
}

}  // namespace sshotp::cli
