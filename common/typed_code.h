// SPDX-License-Identifier: BSD-3-Clause
// What a person typed where a TOTP code is expected, read the same way at login (the module,
// through the verifier) and at the command line (sshotp-enroll's confirmation and proof of
// possession). One rule in one place: a code the CLI accepts must be a code a login accepts,
// or a user confirms an enrollment with input that will never log them in (and vice versa).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "common/secret.h"

namespace sshotp {

// Longest input looked at, everywhere a code is typed (a PAM reply, a line the CLI reads).
// PAM replies are capped at 512 bytes; codes, even recovery codes with separators, are far
// shorter, so anything longer is refused before it is parsed.
inline constexpr std::size_t kMaxTypedCode = 64;

// The code as exactly `digits` ASCII digits, if `typed` is that with spaces anywhere ("123 456"
// is how many apps display it); nothing otherwise. Only the space is a separator: a tab or any
// other character is refused, so nothing but what an app shows is accepted (see typed_code.cc).
std::optional<SecretString> normalise_totp_code(std::string_view typed, unsigned digits);

// A YubiKey in OATH-HOTP mode can type a token identifier before the code: the slot's fixed
// part, 12 characters (OATH token identifier: manufacturer and type prefix, then the unit's
// number), in ModHex ("cbdefghijklnrtuv") or decimal digits depending on how the slot was
// configured. It names the token and is printed on it, so it proves nothing and is not checked;
// it is only taken off.
inline constexpr std::size_t kTokenIdLength = 12;

// The code of a counter-based (HOTP) enrollment: what normalise_totp_code() accepts, or the
// same preceded by a token identifier (above). The identifier's characters are not part of the
// code, so no digit of a code is ever taken for part of an identifier.
std::optional<SecretString> normalise_hotp_code(std::string_view typed, unsigned digits);

}  // namespace sshotp
