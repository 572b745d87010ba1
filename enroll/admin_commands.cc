// SPDX-License-Identifier: BSD-3-Clause
// The commands that act on an existing enrollment without any secret: remove and unlock (root
// only, audited) and status (anyone for themselves). None of them creates a store; without one,
// nobody is enrolled.
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/lockout.h"
#include "enroll/command_support.h"
#include "enroll/commands.h"

namespace sshotp::cli {
namespace {

const Action kRemove{"remove", true, true, true};
const Action kUnlock{"unlock", true, true, true};
const Action kStatus{"status", false, false, false};

// What status prints beyond the TOTP parameters: the throttling state and the codes left.
void print_lockout_and_codes(const LockoutState& lockout, std::size_t codes_left) {
  const std::string locked_until =
      is_locked(lockout, now_unix()) ? iso8601_utc(lockout.locked_until) : "no";
  std::printf(
      "consecutive failures: %lld\nlocked until: %s\nlockouts: %lld\n"
      "recovery codes left: %zu\n",
      static_cast<long long>(lockout.failures), locked_until.c_str(),
      static_cast<long long>(lockout.lockouts), codes_left);
}

// The change remove or unlock makes in the store: false if the user is not enrolled.
using Change = std::function<Result<bool>(StoreTransaction& txn, const std::string& user)>;

// remove and unlock: one change to one enrolled user in one write transaction, then `outcome`
// after the user's name on stdout.
Exit change_enrolled(const Action& action, const Invocation& invocation, const Change& change,
                     std::string_view outcome) {
  Exit early = Exit::error;
  auto ready = prepare(action, invocation, early);
  if (!ready) return early;
  Session& session = ready->session;
  if (!ready->store) return refuse_not_enrolled(session);
  auto txn = ready->store->begin_write();
  if (!txn) return session.failed(txn.error());
  auto changed = change(**txn, session.user());
  if (!changed) return session.failed(changed.error());
  if (!*changed) return refuse_not_enrolled(session);
  if (auto st = (*txn)->commit(); !st) return session.failed(st.error());
  std::printf("%s%.*s\n", session.user().c_str(), static_cast<int>(outcome.size()), outcome.data());
  return session.done(Exit::ok, "ok");
}

Result<bool> clear_lockout(StoreTransaction& txn, const std::string& user) {
  auto found = txn.find(user);
  if (!found) return std::move(found).error();
  if (!found->has_value()) return false;
  // A clean slate, as after a successful login: no failures, no lock, no lockout history.
  if (auto st = txn.set_lockout(user, LockoutState{}); !st) return std::move(st).error();
  return true;
}

}  // namespace

Exit run_remove(const ConfigLocation& where, int argc, char** argv) {
  auto remove = [](StoreTransaction& txn, const std::string& user) { return txn.remove(user); };
  return change_enrolled(kRemove, {where, argc, argv}, remove, ": the enrollment is removed.");
}

Exit run_unlock(const ConfigLocation& where, int argc, char** argv) {
  return change_enrolled(kUnlock, {where, argc, argv}, clear_lockout,
                         ": failed attempts and lockouts are reset.");
}

Exit run_status(const ConfigLocation& where, int argc, char** argv) {
  Exit early = Exit::error;
  auto ready = prepare(kStatus, {where, argc, argv}, early);
  if (!ready) return early;
  Session& session = ready->session;
  std::optional<Enrollment> enrollment;
  std::size_t codes_left = 0;
  if (ready->store) {
    auto txn = ready->store->begin_read();  // one snapshot: the fields agree with each other
    if (!txn) return session.failed(txn.error());
    auto found = (*txn)->find(session.user());
    if (!found) return session.failed(found.error());
    enrollment = std::move(found).value();
    if (enrollment) {
      auto codes = (*txn)->unused_recovery_codes(session.user());
      if (!codes) return session.failed(codes.error());
      codes_left = codes->size();
    }
  }
  if (!enrollment) {
    std::printf("%s: not enrolled\n", session.user().c_str());
    return session.done(Exit::not_enrolled, "not-enrolled");
  }
  std::printf("user: %s\nalgorithm: %s\ndigits: %u\nperiod: %u\ncreated: %s\nlast used: %s\n",
              enrollment->user.c_str(), algorithm_name(enrollment->totp.algorithm),
              enrollment->totp.digits, enrollment->totp.period,
              iso8601_utc(enrollment->created_at).c_str(),
              enrollment->last_used_at ? iso8601_utc(*enrollment->last_used_at).c_str() : "never");
  print_lockout_and_codes(enrollment->lockout, codes_left);
  return session.done(Exit::ok, "ok");
}

}  // namespace sshotp::cli
