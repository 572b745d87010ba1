// SPDX-License-Identifier: BSD-3-Clause
// One user's copy, decided (see copy_merge.h).
#include "enroll/database/copy_merge.h"

#include <algorithm>

namespace sshotp::cli {
namespace {

bool same_params(const OtpParams& a, const OtpParams& b) {
  return a.algorithm == b.algorithm && a.digits == b.digits && a.period == b.period;
}

// Why two enrollments are not one, or nothing when they are.
std::optional<std::string> difference(const Enrollment& a, const Enrollment& b) {
  if (a.sealed_secret != b.sealed_secret) return "a different secret";
  if (!same_params(a.otp, b.otp)) return "different code parameters (kind, algorithm, digits or period)";
  if (a.state != b.state) return "a different state";
  return std::nullopt;
}

bool same_enrollment(const Enrollment& a, const Enrollment& b) {
  return !difference(a, b) && a.user == b.user && a.last_step == b.last_step &&
         a.created_at == b.created_at && a.last_used_at == b.last_used_at &&
         a.last_host == b.last_host && a.lockout == b.lockout;
}

// One enrollment held on both sides: nothing consumed or counted on either is lost.
Enrollment merged(const Enrollment& from, const Enrollment& into) {
  Enrollment e = into;
  e.last_step = std::max(from.last_step, into.last_step);
  e.created_at = std::min(from.created_at, into.created_at);
  if (from.last_used_at && (!into.last_used_at || *from.last_used_at > *into.last_used_at)) {
    e.last_used_at = from.last_used_at;
    e.last_host = from.last_host;
  }
  e.lockout.failures = std::max(from.lockout.failures, into.lockout.failures);
  e.lockout.locked_until = std::max(from.lockout.locked_until, into.lockout.locked_until);
  e.lockout.lockouts = std::max(from.lockout.lockouts, into.lockout.lockouts);
  return e;
}

bool same_code(const RecoveryCodeRow& a, const RecoveryCodeRow& b) {
  return a.id == b.id && a.hash.salt == b.hash.salt && a.hash.mac == b.hash.mac;
}

bool same_set(const std::vector<RecoveryCodeRow>& a, const std::vector<RecoveryCodeRow>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_code);
}

// One set held on both sides (same_set): used on either, used since the first use.
std::vector<RecoveryCodeRow> merged_codes(const std::vector<RecoveryCodeRow>& from,
                                          const std::vector<RecoveryCodeRow>& into) {
  std::vector<RecoveryCodeRow> rows = into;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& other = from[i].used_at;
    if (other && (!rows[i].used_at || *other < *rows[i].used_at)) rows[i].used_at = other;
  }
  return rows;
}

bool same_uses(const std::vector<RecoveryCodeRow>& a, const std::vector<RecoveryCodeRow>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const RecoveryCodeRow& x, const RecoveryCodeRow& y) {
                      return same_code(x, y) && x.used_at == y.used_at;
                    });
}

void plan_active(const StoredUser& from, const StoredUser& into, bool replace, UserCopy& copy) {
  if (!from.active) return;
  if (!into.active) {
    copy.result.active = from.active;
    copy.active_changed = true;
    return;
  }
  if (auto why = difference(*from.active, *into.active)) {
    copy.conflicts.push_back(*why);
    if (!replace) return;
    copy.result.active = from.active;
    copy.active_changed = !same_enrollment(*from.active, *into.active);
    return;
  }
  copy.result.active = merged(*from.active, *into.active);
  copy.active_changed = !same_enrollment(*copy.result.active, *into.active);
}

void plan_codes(const StoredUser& from, const StoredUser& into, bool replace, bool active_replaced,
                UserCopy& copy) {
  // A replaced secret takes its own codes along, whatever the store had.
  const bool take_from = active_replaced || into.codes.empty();
  if (take_from || (!from.codes.empty() && !same_set(from.codes, into.codes))) {
    if (!take_from) {
      copy.conflicts.push_back("a different set of recovery codes");
      if (!replace) return;
    }
    copy.result.codes = from.codes;
  } else if (!from.codes.empty()) {
    copy.result.codes = merged_codes(from.codes, into.codes);
  }
  copy.codes_changed = !same_uses(copy.result.codes, into.codes);
}

void plan_pending(const StoredUser& from, const StoredUser& into, bool replace, UserCopy& copy) {
  if (!from.pending) return;
  if (into.pending) {
    const bool same = from.pending->sealed_secret == into.pending->sealed_secret &&
                      same_params(from.pending->otp, into.pending->otp);
    if (same) return;
    copy.conflicts.push_back("a different pending enrollment");
    if (!replace) return;
  }
  copy.result.pending = from.pending;
  copy.pending_changed = true;
}

}  // namespace

UserCopy plan_user_copy(const StoredUser& from, const StoredUser& into, bool replace) {
  UserCopy copy;
  copy.result = into;
  plan_active(from, into, replace, copy);
  const bool active_replaced = replace && !copy.conflicts.empty();
  plan_codes(from, into, replace, active_replaced, copy);
  plan_pending(from, into, replace, copy);
  return copy;
}

}  // namespace sshotp::cli
