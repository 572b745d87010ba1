// SPDX-License-Identifier: BSD-3-Clause
// RFC 4226 HOTP on top of liboath: the code at a counter, finding which counter (if any) a typed
// code belongs to, and the two-code search that resynchronises a token that has run ahead.
// Replay decisions are the caller's: this file knows nothing of the store. TOTP (totp.h) is this
// code at the time step's counter.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/otp_params.h"
#include "common/result.h"
#include "common/secret.h"

namespace sshotp {

// How many counters beyond the expected one a login accepts by default (`hotp_window`): presses
// that made a code nobody typed. RFC 4226 §7.4 wants it "as low as possible"; pam_oath's
// default is 5, google-authenticator's 3. 10 forgives a few more presses in a pocket, and a
// wrong guess still has 11 chances in a million at 6 digits.
inline constexpr unsigned kDefaultHotpWindow = 10;
inline constexpr unsigned kMaxHotpWindow = 100;

// How far `sshotp-enroll resync` searches ahead of the expected counter (RFC 4226 §7.4 asks
// for a bound: it limits both the work and an attacker's search space).
inline constexpr unsigned kResyncRange = 1000;

// The code at `counter` in [0, kMaxHotpCounter] (otp_params.h), with the enrollment's algorithm and
// digits (RFC 4226 uses HMAC-SHA-1; SHA-256 and SHA-512 are RFC 6238's, which tokens and apps also
// offer). The period of `params` is not used.
Result<SecretString> hotp_code(const SecureBytes& key, const OtpParams& params,
                               std::int64_t counter);

// The counter whose code equals `code`, searched from `last_used + 1` (the expected counter)
// to `window` counters beyond it, where a code the token made but nobody typed is still
// accepted, and also `window` counters behind it, so that a used code is told apart from a
// wrong one (the caller calls a match <= last_used a replay). Every candidate is computed and
// compared in constant time; the earliest match wins, so a code that is both used and ahead
// counts as used. `code` must already be exactly params.digits ASCII digits.
Result<std::optional<std::int64_t>> hotp_match(const SecureBytes& key, const OtpParams& params,
                                               std::int64_t last_used, unsigned window,
                                               std::string_view code);

// The counter c in [last_used + 1, last_used + kResyncRange] with code(c) == first and
// code(c + 1) == second (RFC 4226 §7.4: two consecutive codes resynchronise), or nothing.
Result<std::optional<std::int64_t>> hotp_find_pair(const SecureBytes& key, const OtpParams& params,
                                                   std::int64_t last_used, std::string_view first,
                                                   std::string_view second);

}  // namespace sshotp
