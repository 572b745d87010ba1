// SPDX-License-Identifier: BSD-3-Clause
// Reading a pam_oath users file (oath-toolkit's liboath/usersfile.c, the mod_authn_otp
// "UsersFile" format) and sorting its lines into the entries pam_sshotp can take over (time- and
// counter-based) and the ones it cannot, each with its line number and why. A pure function
// over the file's bytes, so it can be unit tested and fuzzed; it never fails as a whole,
// because one bad line must not hide the report on the others.
//
// The format: whitespace-separated fields, lines whose first field starts with '#' are comments.
//   TYPE USER PIN HEXKEY [COUNTER [LAST-OTP [LAST-TIME]]]
//   TYPE       HOTP, HOTP/E, HOTP/E/{6,7,8} (counter-based); HOTP/T30, HOTP/T60, optionally
//              followed by /6, /7 or /8 (time-based, 30 or 60 s steps); 6 digits by default,
//              always HMAC-SHA-1 (liboath's usersfile knows no other)
//   PIN        "-" for none; "+" when another module checks the password; anything else is a
//              PIN the user types before the code
//   COUNTER    counter-based: the lowest counter still accepted (0 when absent); pam_oath
//              writes the counter of the code it accepted here, along with that code as
//              LAST-OTP, and refuses that code next time. Time-based entries do not use it.
//   LAST-OTP   the last code accepted; LAST-TIME when, as local time 2009-12-07T23:23:49L
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/hotp.h"
#include "common/secret.h"
#include "common/totp.h"

namespace sshotp::cli {

inline constexpr std::size_t kMaxOathFileBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxOathLine = 4096;

// An entry pam_sshotp can store.
struct OathEntry {
  std::size_t line = 0;
  std::string user;  // as written: the caller checks it is a name we store
  OtpParams params;
  SecureBytes secret;
  std::optional<std::int64_t> last_used_at;  // LAST-TIME as Unix time, if recorded
  SecretString last_code;                    // LAST-OTP, if it has the entry's digit count
  // Counter-based: the last counter pam_oath accepted, whose code must stay used: COUNTER when
  // the line records a LAST-OTP, else COUNTER - 1 (-1: none). Time-based entries leave it.
  std::int64_t last_counter = -1;
  std::string note;  // a warning about the entry (a short key), or empty
};

// A line that is not carried over. Comments and blank lines are not reported at all.
struct OathSkip {
  std::size_t line = 0;
  std::string user;  // as written (empty unless the line has a known TYPE): check before showing
  std::string reason;
};

struct OathFile {
  std::vector<OathEntry> entries;  // at most one per user, the first in the file
  std::vector<OathSkip> skipped;   // in file order
};

OathFile parse_oath_usersfile(std::string_view text);

}  // namespace sshotp::cli
