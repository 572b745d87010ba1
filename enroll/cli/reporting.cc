// SPDX-License-Identifier: BSD-3-Clause
// The CLI's error, audit and value printing (see reporting.h).
#include "enroll/cli/reporting.h"

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "common/audit.h"
#include "enroll/cli/terminal.h"
#include "enroll/program_name.h"

namespace sshotp::cli {

void print_error(std::string_view what, std::string_view why) {
  std::fprintf(stderr, "%s: %.*s: %.*s\n", kProgramName, static_cast<int>(what.size()), what.data(),
               static_cast<int>(why.size()), why.data());
}

Exit usage_error(std::string_view why) {
  std::fprintf(stderr, "%s: %.*s\nTry '%s --help' for more information.\n", kProgramName,
               static_cast<int>(why.size()), why.data(), kProgramName);
  return Exit::usage;
}

void log_action(std::string_view action, std::string_view user, uid_t by_uid,
                std::string_view result, std::string_view detail) {
  std::string line = "action=" + audit_value(action) + " user=" + audit_value(user) +
                     " by_uid=" + std::to_string(by_uid) + " result=" + audit_value(result);
  if (!detail.empty()) line += " " + std::string(detail);
  // `detail` is the caller's to build: sanitise the whole line, as the module's logger does.
  syslog(result == "ok" ? LOG_INFO : LOG_NOTICE, "%s", log_text(line).c_str());
}

std::string iso8601_utc(std::int64_t unix_time) {
  const auto t = static_cast<time_t>(unix_time);
  struct tm tm {};
  char out[32] = {};
  if (gmtime_r(&t, &tm) == nullptr ||
      std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    return std::to_string(unix_time);
  }
  return out;
}

std::string describe_params(const OtpParams& p) {
  return std::string(algorithm_name(p.algorithm)) + ", " + std::to_string(p.digits) + " digits, " +
         (p.kind() == OtpKind::hotp ? std::string("counter-based")
                                    : std::to_string(p.period) + " seconds");
}

void print_secret(const SecretString& text) {
  std::fflush(stdout);
  write_all(STDOUT_FILENO, text.view());
}

}  // namespace sshotp::cli
