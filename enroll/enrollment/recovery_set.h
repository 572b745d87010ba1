// SPDX-License-Identifier: BSD-3-Clause
// A fresh set of recovery codes as sshotp-enroll hands it out: the codes to show once, and the
// salted MACs that are all the store ever keeps (common/recovery_codes.h). enroll, import and
// recovery all issue a set the same way and show it with the same words.
#pragma once

#include <string_view>
#include <vector>

#include "common/recovery_codes.h"
#include "common/result.h"
#include "common/secret.h"

namespace sshotp::cli {

// How many codes a set may have: the range of --count, as of the recovery_codes setting.
inline constexpr unsigned kMinRecoveryCodes = 1;
inline constexpr unsigned kMaxRecoveryCodes = 100;

struct RecoverySet {
  std::vector<SecretString> codes;       // "xxxx-xxxx-xxxx", shown once and then wiped
  std::vector<RecoveryCodeHash> hashes;  // for StoreTransaction::replace_recovery_codes
};

Result<RecoverySet> new_recovery_set(const SecureBytes& store_key, std::string_view user,
                                     unsigned count);

enum class CodesLayout {
  for_people,   // a header saying what the codes are, then the codes indented
  for_scripts,  // only the codes, one per line
};

// The text to print, built in wiping memory.
SecretString recovery_codes_text(std::string_view user, const std::vector<SecretString>& codes,
                                 CodesLayout layout);

}  // namespace sshotp::cli
