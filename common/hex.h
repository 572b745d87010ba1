// SPDX-License-Identifier: BSD-3-Clause
// Hexadecimal keys, via liboath: how hardware tokens' seed files, `ykman` and pam_oath's users
// file write a secret. Decoding accepts either case and spaces anywhere ("3132 3334" or
// "31 32 33 34", as some token vendors print it), nothing else.
#pragma once

#include <string_view>

#include "common/result.h"
#include "common/secret.h"

namespace sshotp {

// The bytes, or Errc::invalid_argument with a message that never quotes the input.
Result<SecureBytes> hex_decode(std::string_view text);

}  // namespace sshotp
