// SPDX-License-Identifier: BSD-3-Clause
// An enrollment's one-time-password parameters: its kind (time-based, RFC 6238, or
// counter-based, RFC 4226), algorithm, digits and period; their names and the range this project
// supports. Pure, with no liboath: the store backends check rows with it, including the
// PostgreSQL plugin, which links this file and not the code generators (totp.h, hotp.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace sshotp {

enum class Algorithm { sha1, sha256, sha512 };

enum class OtpKind {
  totp,  // time-based: an app's code for the current 30-second step
  hotp,  // counter-based: a hardware token's code for its next button press
};

// What marks a counter-based enrollment: a period of 0, as the stores keep it. The kind lives in
// the period column rather than in a new one because a host still running a pam_sshotp from
// before HOTP then refuses an HOTP row as corrupt (its period is out of range), failing closed
// for that user, instead of checking a hardware token's codes against the clock; and because
// neither store needs a schema change, a fleet can upgrade its hosts one by one.
inline constexpr unsigned kCounterBased = 0;

// The largest HOTP counter: far beyond any token (a press a second for eight million years),
// small enough that no sum or product of counters overflows 64 bits, and a bound on what a
// corrupt row or a typo in `--counter` can ask for. An HOTP row's last used counter lies in
// [-1, kMaxHotpCounter] (-1: none used yet), or the row is corrupt.
inline constexpr std::int64_t kMaxHotpCounter = std::int64_t{1} << 48;

struct OtpParams {
  Algorithm algorithm = Algorithm::sha1;
  unsigned digits = 6;   // 6 or 8 (what authenticator apps and tokens support)
  unsigned period = 30;  // seconds per step (NIST 800-63B wants at most 120); kCounterBased: HOTP
  OtpKind kind() const noexcept { return period == kCounterBased ? OtpKind::hotp : OtpKind::totp; }
};

// "totp" / "hotp": what `list`, `status` and the audit line say.
const char* kind_name(OtpKind kind) noexcept;

// "SHA1", "SHA256", "SHA512": the spelling of the otpauth URI and of oathtool --totp=.
const char* algorithm_name(Algorithm a) noexcept;
std::optional<Algorithm> parse_algorithm(std::string_view name) noexcept;  // case-insensitive

// Checks digits and period against what we support (a period of kCounterBased is HOTP); the
// message names the bad field.
Status validate_params(const OtpParams& params);

}  // namespace sshotp
