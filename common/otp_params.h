// SPDX-License-Identifier: BSD-3-Clause
// A TOTP enrollment's parameters (algorithm, digits, period): their names and the range this
// project supports. Pure, with no liboath: the store backends check rows with it, including the
// PostgreSQL plugin, which links this file and not the TOTP code (totp.h).
#pragma once

#include <optional>
#include <string_view>

#include "common/result.h"

namespace sshotp {

enum class Algorithm { sha1, sha256, sha512 };

struct OtpParams {
  Algorithm algorithm = Algorithm::sha1;
  unsigned digits = 6;   // 6 or 8 (what authenticator apps support)
  unsigned period = 30;  // seconds per step; NIST 800-63B wants at most 120
};

// "SHA1", "SHA256", "SHA512": the spelling of the otpauth URI and of oathtool --totp=.
const char* algorithm_name(Algorithm a) noexcept;
std::optional<Algorithm> parse_algorithm(std::string_view name) noexcept;  // case-insensitive

// Checks digits and period against what we support; the message names the bad field.
Status validate_params(const OtpParams& params);

}  // namespace sshotp
