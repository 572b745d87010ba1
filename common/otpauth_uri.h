// SPDX-License-Identifier: BSD-3-Clause
// The otpauth:// Key URI that authenticator apps scan:
//   otpauth://totp/ISSUER:USER?secret=BASE32&issuer=ISSUER[&algorithm=..&digits=..&period=..]
//   otpauth://hotp/ISSUER:USER?secret=BASE32&issuer=ISSUER[&algorithm=..&digits=..]&counter=N
// The issuer appears in both places (label prefix and parameter) for old and new apps alike;
// non-default parameters are added only when needed, to keep the QR code small.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/secret.h"
#include "common/totp.h"

namespace sshotp {

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string uri_percent_encode(std::string_view text);

// The URI holds the secret, so it is a SecretString. A counter-based enrollment (HOTP) gets an
// hotp URI with `next_counter`, the counter of the app's first code (the Key URI format
// requires the parameter for hotp); a time-based one ignores it.
SecretString otpauth_uri(std::string_view issuer, std::string_view user,
                         std::string_view base32_secret, const OtpParams& params,
                         std::int64_t next_counter = 0);

}  // namespace sshotp
