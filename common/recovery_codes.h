// SPDX-License-Identifier: BSD-3-Clause
// One-time recovery codes: what a user types when their phone is gone.
//
// Format: 12 characters from Crockford's base32 alphabet (no i, l, o, u), shown as
// "k7q2-9xhm-3bwe": 60 bits from the CSPRNG, easy to read aloud and to type. Input is forgiving
// the way Crockford intends: case, spaces and dashes are ignored, o reads as 0, i and l as 1.
//
// Codes migrated from google-authenticator ("scratch codes") are 8 decimal digits; they are
// accepted as they are (their canonical form is the 8 digits), so that migrated users keep
// their printed codes.
//
// Storage: never the code. Each code gets a fresh 128-bit salt and is stored as
// HMAC-SHA256(recovery_key, salt | user | code), where recovery_key is derived from the store's
// key file. A copy of the database without the key file allows no offline guessing at all, and
// with it, 60 bits per code and the login rate limit still stand (NIST 800-63B §5.1.2.2).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/secret.h"

namespace sshotp {

inline constexpr std::size_t kRecoveryCodeLength = 12;  // characters, 5 bits each
inline constexpr std::size_t kLegacyScratchCodeLength = 8;  // google-authenticator: 8 digits

struct RecoveryCodeHash {
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> mac;
};

// `count` fresh codes, formatted for display ("xxxx-xxxx-xxxx").
Result<std::vector<SecretString>> generate_recovery_codes(unsigned count);

// The canonical form of what the user typed, or nothing if it cannot be a recovery code.
std::optional<SecretString> normalise_recovery_code(std::string_view typed);

// Hashes a canonical code with a fresh salt, for storing.
Result<RecoveryCodeHash> hash_recovery_code(const SecureBytes& store_key, std::string_view user,
                                            std::string_view canonical_code);

// Recomputes the MAC with the stored salt and compares in constant time.
Result<bool> recovery_code_matches(const SecureBytes& store_key, std::string_view user,
                                   std::string_view canonical_code,
                                   const RecoveryCodeHash& stored);

}  // namespace sshotp
