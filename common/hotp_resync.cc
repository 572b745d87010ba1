// SPDX-License-Identifier: BSD-3-Clause
#include "common/hotp_resync.h"

#include "common/crypto.h"
#include "common/hotp.h"
#include "common/typed_code.h"

namespace sshotp {
namespace {

// The search and the counter's move, on an enrollment that is a token's and may be tried.
Result<ResyncResult> search_and_move(StoreTransaction& txn, const SecureBytes& key,
                                     const Enrollment& e, const ResyncRequest& request) {
  auto first = normalise_hotp_code(request.first, e.otp.digits);
  auto second = normalise_hotp_code(request.second, e.otp.digits);
  if (!first || !second) return ResyncResult{ResyncOutcome::bad_input};
  auto secret = unseal(key, e.sealed_secret, secret_aad(e.user));
  if (!secret) return std::move(secret).error();
  auto found = hotp_find_pair(*secret, e.otp, e.last_step, first->view(), second->view());
  if (!found) return std::move(found).error();
  if (!found->has_value()) return ResyncResult{ResyncOutcome::not_found};
  // Both codes are used up: the counter moves past the second, by the same conditional update
  // a login makes (the search began after the last used counter, so only a concurrent writer
  // can make it refuse).
  const std::int64_t second_counter = **found + 1;
  auto moved = txn.consume_step(e.user, second_counter, request.now);
  if (!moved) return std::move(moved).error();
  if (!*moved) return ResyncResult{ResyncOutcome::not_found};
  return ResyncResult{ResyncOutcome::resynced, second_counter + 1};
}

}  // namespace

Result<ResyncResult> resync_hotp(Store& store, const SecureBytes& key,
                                 const ResyncRequest& request) {
  auto txn = store.begin_write();
  if (!txn) return std::move(txn).error();
  auto found = (*txn)->find(request.user);
  if (!found) return std::move(found).error();
  if (!found->has_value()) return ResyncResult{ResyncOutcome::not_enrolled};
  const Enrollment& e = **found;
  if (e.otp.kind() != OtpKind::hotp) return ResyncResult{ResyncOutcome::not_counter};
  if (e.state == EnrollmentState::disabled) return ResyncResult{ResyncOutcome::disabled};
  if (request.by_user && is_locked(e.lockout, request.now)) {
    return ResyncResult{ResyncOutcome::locked};
  }
  auto result = search_and_move(**txn, key, e, request);
  if (!result) return result;
  if (request.by_user && result->outcome != ResyncOutcome::resynced) {
    if (auto counted = (*txn)->record_failure(e.user, request.lockout, request.now); !counted) {
      return std::move(counted).error();
    }
  } else if (request.by_user && e.lockout != LockoutState{}) {
    if (auto st = (*txn)->set_lockout(e.user, LockoutState{}); !st) return std::move(st).error();
  }
  if (auto st = (*txn)->commit(); !st) return std::move(st).error();
  return result;
}

}  // namespace sshotp
