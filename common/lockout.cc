// SPDX-License-Identifier: BSD-3-Clause
#include "common/lockout.h"

#include <algorithm>

namespace sshotp {

bool is_locked(const LockoutState& state, std::int64_t now) noexcept {
  return state.locked_until > now;
}

LockoutState after_failure(const LockoutState& state, const LockoutPolicy& policy,
                           std::int64_t now) noexcept {
  LockoutState next = state;
  next.failures = std::max<std::int64_t>(0, state.failures) + 1;
  if (next.failures < static_cast<std::int64_t>(policy.max_failures)) return next;
  // Double per repeat lockout; the shift is capped well before it could overflow.
  const std::int64_t doublings = std::clamp<std::int64_t>(state.lockouts, 0, 20);
  const std::int64_t duration = std::min<std::int64_t>(
      static_cast<std::int64_t>(policy.lockout_seconds) << doublings, policy.max_lockout_seconds);
  next.locked_until = now + duration;
  next.lockouts = std::max<std::int64_t>(0, state.lockouts) + 1;
  next.failures = 0;  // a fresh allowance once the lockout has passed
  return next;
}

}  // namespace sshotp
