// SPDX-License-Identifier: BSD-3-Clause
// Where a command's words go, in one format for every command:
//   stderr:  sshotp-enroll: <what>: <why>
//   syslog:  action=import user=alice by_uid=0 result=ok
// and the few ways a command prints values (dates, TOTP parameters, a secret for the user).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/secret.h"
#include "common/totp.h"
#include "enroll/cli/exit_status.h"

namespace sshotp::cli {

// "sshotp-enroll: <what>: <why>" on stderr. Never pass a secret or a code.
void print_error(std::string_view what, std::string_view why);
// A usage error: the message plus a pointer to --help; returns Exit::usage for `return`.
Exit usage_error(std::string_view why);

// One syslog line (LOG_AUTHPRIV) per administrative action, whatever its outcome. `detail`,
// if any, is appended as given: further key=value fields, never a secret.
void log_action(std::string_view action, std::string_view user, uid_t by_uid,
                std::string_view result, std::string_view detail = {});

// Seconds since the epoch as ISO 8601 UTC, e.g. 2024-05-01T12:00:00Z.
std::string iso8601_utc(std::int64_t unix_time);

// "SHA1, 6 digits, 30 seconds", or for a counter-based (HOTP) enrollment
// "SHA1, 6 digits, counter-based".
std::string describe_params(const OtpParams& params);

// Writes `text` to standard output after whatever stdio has buffered there.
void print_secret(const SecretString& text);

}  // namespace sshotp::cli
