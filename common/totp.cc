// SPDX-License-Identifier: BSD-3-Clause
#include "common/totp.h"

#include <algorithm>

#include "common/hotp.h"

namespace sshotp {

std::int64_t time_step(std::int64_t unix_time, unsigned period) noexcept {
  return unix_time / static_cast<std::int64_t>(period);
}

Result<SecretString> totp_code(const SecureBytes& key, const OtpParams& params, std::int64_t step) {
  if (auto st = validate_params(params); !st) return std::move(st).error();
  if (params.kind() != OtpKind::totp) {
    return make_error(Errc::invalid_argument, "not a time-based enrollment");
  }
  return hotp_code(key, params, step);  // RFC 6238 §4: TOTP is HOTP at the time step
}

Result<std::optional<std::int64_t>> totp_match(const SecureBytes& key, const OtpParams& params,
                                               std::int64_t unix_time, unsigned window,
                                               std::string_view code) {
  // Before time_step(): a period of 0 (a counter-based enrollment) would divide by zero there.
  if (auto st = validate_params(params); !st) return std::move(st).error();
  if (params.kind() != OtpKind::totp) {
    return make_error(Errc::invalid_argument, "not a time-based enrollment");
  }
  const std::int64_t current = time_step(unix_time, params.period);
  const auto w = static_cast<std::int64_t>(window);
  std::optional<std::int64_t> matched;
  // Steps before the epoch have no code (hotp_code refuses negative counters): only a clock in
  // 1970 would ask for them.
  for (std::int64_t step = std::max<std::int64_t>(0, current - w); step <= current + w; ++step) {
    auto candidate = totp_code(key, params, step);
    if (!candidate) return std::move(candidate).error();
    // No early exit: each step costs the same whether or not an earlier one matched.
    // Ascending order means the earliest matching step wins if two ever collide, which
    // the caller's replay rule (step > last used) treats conservatively.
    if (ct_equal(candidate->view(), code) && !matched) matched = step;
  }
  return matched;
}

}  // namespace sshotp
