// SPDX-License-Identifier: BSD-3-Clause
// Brute-force throttling that survives across connections (RFC 4226 §7.3, NIST 800-63B §5.2.2):
// a per-user count of consecutive failed attempts, kept in the store. After `max_failures` the
// user is locked for `lockout_seconds`, doubling with each repeat lockout up to a day; a success
// (or `sshotp-enroll unlock`) resets everything. Pure functions: the store persists the state.
#pragma once

#include <cstdint>

namespace sshotp {

struct LockoutPolicy {
  unsigned max_failures = 10;
  unsigned lockout_seconds = 900;
  std::int64_t max_lockout_seconds = 24 * 60 * 60;
};

struct LockoutState {
  std::int64_t failures = 0;      // consecutive failed attempts since the last success/lockout
  std::int64_t locked_until = 0;  // unix time; 0 = not locked
  std::int64_t lockouts = 0;      // lockouts since the last success, for the growing duration

  bool operator==(const LockoutState&) const = default;
};

bool is_locked(const LockoutState& state, std::int64_t now) noexcept;

// The state after one more failed attempt at `now`.
LockoutState after_failure(const LockoutState& state, const LockoutPolicy& policy,
                           std::int64_t now) noexcept;

}  // namespace sshotp
