// SPDX-License-Identifier: BSD-3-Clause
// Reading a google-authenticator-libpam state file (~/.google_authenticator) and deciding what
// of it pam_sshotp can carry over. Pure functions over the file's bytes, so they can be unit
// tested and fuzzed: the file belongs to the user, and every byte of it is treated as hostile.
//
// The format (google-authenticator-libpam FILEFORMAT and src/pam_google_authenticator.c):
//   line 1        the base32 secret
//   `" NAME ...`  options: TOTP_AUTH, HOTP_COUNTER n (counter-based mode: the next counter
//                 to accept; a match at n + i writes n + i + 1), STEP_SIZE n (1..60),
//                 WINDOW_SIZE n (1..100, the total number of codes accepted; 3 = one step
//                 either side, or the expected counter and the next two),
//                 DISALLOW_REUSE [step ...], RATE_LIMIT n m [time ...], TIME_SKEW n,
//                 RESETTING_TIME_SKEW ...; the first occurrence of a name counts
//   other lines   one-time scratch codes, 8 digits (10000000..99999999), one per line
// Codes are always 6 digits of HMAC-SHA1, counter-based ones too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/secret.h"
#include "common/totp.h"

namespace sshotp::cli {

// google-authenticator refuses state files larger than this; so do we.
inline constexpr std::size_t kMaxGaFileBytes = 64 * 1024;
// More scratch codes than a recovery set may hold (recovery --count) are refused.
inline constexpr std::size_t kMaxGaScratchCodes = 100;

// An option that is not carried over, for the warning that says so.
struct GaIgnoredOption {
  std::size_t line;
  std::string name;  // upper case and '_' only; empty when the line had no such name
};

struct GaFile {
  SecureBytes secret;
  bool totp_auth = false;  // TOTP_AUTH
  // HOTP_COUNTER: counter-based mode, and the next counter the module accepts (1 or more).
  std::optional<std::int64_t> hotp_counter;
  unsigned step_size = 30;
  unsigned window_size = 3;
  std::optional<std::size_t> rate_limit_line;      // RATE_LIMIT, enforced by our lockout instead
  std::optional<std::size_t> disallow_reuse_line;  // DISALLOW_REUSE, which we always do
  std::optional<std::int64_t> newest_used_step;    // the newest step DISALLOW_REUSE recorded
  long time_skew = 0;                              // TIME_SKEW, in steps
  std::optional<std::size_t> time_skew_line;       // where a non-zero TIME_SKEW was set
  std::vector<SecretString> scratch_codes;         // distinct, in file order
  std::size_t repeated_scratch_codes = 0;          // lines that repeated an earlier code
  std::vector<GaIgnoredOption> ignored;            // unknown options
};

// Parses the whole file. Errors (Errc::invalid_argument) name the line and never quote it.
Result<GaFile> parse_google_authenticator(std::string_view text);

// What a migration stores, and what it tells the administrator about the rest.
struct GaMigration {
  OtpParams params;  // SHA1, 6 digits, the file's step size or kCounterBased (HOTP_COUNTER)
  std::vector<std::string> warnings;  // one sentence each, no secret
};

// The config's windows, which hold for every user (google-authenticator had one per file).
struct GaWindows {
  unsigned totp;  // `window`: steps accepted either side
  unsigned hotp;  // `hotp_window`: counters accepted beyond the expected one
};

// Checks that pam_sshotp can take the setup over (time-based with a step size it supports, or
// counter-based) and words a warning for each setting that does not carry over.
Result<GaMigration> plan_google_authenticator(const GaFile& file, const GaWindows& windows);

}  // namespace sshotp::cli
