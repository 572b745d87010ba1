// SPDX-License-Identifier: BSD-3-Clause
// Storing, confirming and withdrawing a pending enrollment (see pending_enrollment.h).
#include "enroll/enrollment/pending_enrollment.h"

#include "common/clock.h"
#include "enroll/cli/command_start.h"
#include "enroll/enrollment/save_enrollment.h"

namespace sshotp::cli {
namespace {

Error changed_meanwhile(const std::string& what) {
  return make_error(Errc::not_found, what + " meanwhile; nothing was saved");
}

// For a caller other than root: the active enrollment is still the one they proved, or still
// absent, and not disabled.
Status active_unchanged(StoreTransaction& txn, const std::string& user, const ConfirmRules& rules) {
  if (rules.by_root) return Ok{};
  auto active = txn.find(user);
  if (!active) return std::move(active).error();
  const bool same = active->has_value() == rules.active_secret.has_value() &&
                    (!rules.active_secret || (*active)->sealed_secret == *rules.active_secret);
  if (!same) return changed_meanwhile("the enrollment was changed elsewhere");
  if (active->has_value() && (*active)->state == EnrollmentState::disabled) {
    return changed_meanwhile("the enrollment was disabled");
  }
  return Ok{};
}

}  // namespace

PendingEnrollment::~PendingEnrollment() {
  if (!stored_) return;
  try {
    withdraw();
  } catch (...) {
    // Out of memory on the way out: the row stays behind, which is harmless (see the header).
  }
}

Status PendingEnrollment::begin(const SecureBytes& secret) {
  auto sealed = seal(target_.key, secret, secret_aad(user_));
  if (!sealed) return std::move(sealed).error();
  Enrollment pending;
  pending.user = user_;
  pending.otp = params_;
  pending.sealed_secret = *sealed;
  pending.created_at = now_unix();
  auto txn = target_.store->begin_write();
  if (!txn) return std::move(txn).error();
  if (auto st = (*txn)->put_pending(pending); !st) return st;
  if (auto st = (*txn)->commit(); !st) return st;
  sealed_ = std::move(sealed).value();
  stored_ = true;
  return Ok{};
}

Status PendingEnrollment::still_ours(StoreTransaction& txn) const {
  auto pending = txn.find_pending(user_);
  if (!pending) return std::move(pending).error();
  if (!pending->has_value() || (*pending)->sealed_secret != sealed_) {
    return changed_meanwhile("the new key was cancelled or replaced by another enrollment");
  }
  return Ok{};
}

Result<std::vector<SecretString>> PendingEnrollment::confirm(const SecureBytes& secret,
                                                             std::int64_t step,
                                                             unsigned recovery_codes,
                                                             const ConfirmRules& rules) {
  auto settle = [&](StoreTransaction& txn) -> Status {
    if (auto st = still_ours(txn); !st) return st;
    if (auto st = active_unchanged(txn, user_, rules); !st) return st;
    auto removed = txn.remove_pending(user_);
    if (!removed) return std::move(removed).error();
    return Ok{};
  };
  auto codes = save_enrollment(target_, user_, params_, secret, step, recovery_codes, settle);
  if (codes) stored_ = false;  // it is the active enrollment now
  return codes;
}

// Best effort: a pending row left behind is harmless, so a failure here is not reported.
void PendingEnrollment::withdraw() {
  stored_ = false;
  auto txn = target_.store->begin_write();
  if (!txn) return;
  if (!still_ours(**txn)) return;  // another enrollment's row now: not ours to remove
  if (auto removed = (*txn)->remove_pending(user_); !removed) return;
  (void)(*txn)->commit();
}

}  // namespace sshotp::cli
