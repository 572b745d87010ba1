// SPDX-License-Identifier: BSD-3-Clause
// RFC 4648 base32 for TOTP secrets, via liboath. Encoding drops the `=` padding, as the Key URI
// format asks; decoding accepts lower case, spaces and missing padding (what users paste).
#pragma once

#include <string_view>

#include "common/result.h"
#include "common/secret.h"

namespace sshotp {

Result<SecretString> base32_encode(const SecureBytes& bytes);
Result<SecureBytes> base32_decode(std::string_view text);

}  // namespace sshotp
