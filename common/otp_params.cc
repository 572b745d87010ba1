// SPDX-License-Identifier: BSD-3-Clause
// One-time-password parameters (see otp_params.h).
#include "common/otp_params.h"

#include <strings.h>

namespace sshotp {

const char* algorithm_name(Algorithm a) noexcept {
  switch (a) {
    case Algorithm::sha256:
      return "SHA256";
    case Algorithm::sha512:
      return "SHA512";
    case Algorithm::sha1:
      break;
  }
  return "SHA1";
}

std::optional<Algorithm> parse_algorithm(std::string_view name) noexcept {
  for (Algorithm a : {Algorithm::sha1, Algorithm::sha256, Algorithm::sha512}) {
    std::string_view canonical = algorithm_name(a);
    if (name.size() == canonical.size() &&
        strncasecmp(name.data(), canonical.data(), name.size()) == 0) {
      return a;
    }
  }
  return std::nullopt;
}

const char* kind_name(OtpKind kind) noexcept { return kind == OtpKind::hotp ? "hotp" : "totp"; }

Status validate_params(const OtpParams& params) {
  if (params.digits != 6 && params.digits != 8) {
    return make_error(Errc::invalid_argument, "digits must be 6 or 8");
  }
  if (params.kind() == OtpKind::hotp) return Ok{};
  if (params.period < 15 || params.period > 120) {
    return make_error(Errc::invalid_argument, "period must be between 15 and 120 seconds");
  }
  return Ok{};
}

}  // namespace sshotp
