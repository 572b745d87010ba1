// SPDX-License-Identifier: BSD-3-Clause
// RFC 6238 TOTP: generating a code (HOTP at the time step, hotp.h), and finding which time step (if
// any) a typed code belongs to. Replay decisions are the caller's: this file knows nothing of the
// store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/otp_params.h"
#include "common/result.h"
#include "common/secret.h"

namespace sshotp {

// The time-step counter T = floor(unix_time / period), RFC 6238 §4.2 with T0 = 0.
std::int64_t time_step(std::int64_t unix_time, unsigned period) noexcept;

// The code for one time step. Wipe-on-destroy because a code is a credential until it is used.
Result<SecretString> totp_code(const SecureBytes& key, const OtpParams& params, std::int64_t step);

// Returns the step within [current-window, current+window] whose code equals `code`, or nothing.
// Every candidate is computed and compared in constant time, so the time taken does not depend
// on which step matched. `code` must already be exactly params.digits ASCII digits.
Result<std::optional<std::int64_t>> totp_match(const SecureBytes& key, const OtpParams& params,
                                               std::int64_t unix_time, unsigned window,
                                               std::string_view code);

}  // namespace sshotp
