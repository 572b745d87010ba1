// SPDX-License-Identifier: BSD-3-Clause
// The commands that act on an existing enrollment without any secret: remove, unlock, disable
// and enable (root only, audited) and status (anyone for themselves). None of them creates a
// store; without one, nobody is enrolled.
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/lockout.h"
#include "enroll/admin/admin_commands.h"
#include "enroll/admin/user_report.h"
#include "enroll/cli/command_start.h"
#include "enroll/cli/reporting.h"

namespace sshotp::cli {
namespace {

const Action kRemove{"remove", true, true, true};
const Action kUnlock{"unlock", true, true, true};
const Action kDisable{"disable", true, true, true};
const Action kEnable{"enable", true, true, true};
const Action kStatus{"status", false, false, false};

// The change an admin command makes in the store: false if the user is not enrolled.
using Change = std::function<Result<bool>(StoreTransaction& txn, const std::string& user)>;

// remove, unlock, disable, enable: one change to one enrolled user in one write transaction,
// then `outcome` after the user's name on stdout.
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

// A suspended user keeps their secret, recovery codes and replay state; only logins stop.
Change set_state_to(EnrollmentState state) {
  return [state](StoreTransaction& txn, const std::string& user) {
    return txn.set_state(user, state);
  };
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

Exit run_disable(const ConfigLocation& where, int argc, char** argv) {
  return change_enrolled(kDisable, {where, argc, argv}, set_state_to(EnrollmentState::disabled),
                         ": disabled; every login is refused until `sshotp-enroll enable`.");
}

Exit run_enable(const ConfigLocation& where, int argc, char** argv) {
  return change_enrolled(kEnable, {where, argc, argv}, set_state_to(EnrollmentState::active),
                         ": enabled; logins are checked again.");
}

Exit run_status(const ConfigLocation& where, int argc, char** argv) {
  Exit early = Exit::error;
  auto ready = prepare(kStatus, {where, argc, argv}, early);
  if (!ready) return early;
  Session& session = ready->session;
  std::optional<UserReport> report;
  std::optional<std::int64_t> pending_since;  // a new key waiting for its first code
  if (ready->store) {
    auto txn = ready->store->begin_read();  // one snapshot: the fields agree with each other
    if (!txn) return session.failed(txn.error());
    auto found = read_user_report(**txn, session.user(), now_unix());
    if (!found) return session.failed(found.error());
    report = std::move(found).value();
    auto pending = (*txn)->find_pending(session.user());
    if (!pending) return session.failed(pending.error());
    if (*pending) pending_since = (*pending)->created_at;
  }
  if (!report) {
    std::printf("%s: not enrolled\n", session.user().c_str());
    return session.done(Exit::not_enrolled, "not-enrolled");
  }
  print_status(stdout, *report);
  if (pending_since) std::printf("pending since: %s\n", iso8601_utc(*pending_since).c_str());
  // Only an active (or disabled) enrollment counts as enrolled; a pending one is shown too.
  if (report->state == "pending") return session.done(Exit::not_enrolled, "not-enrolled");
  return session.done(Exit::ok, "ok");
}

}  // namespace sshotp::cli
