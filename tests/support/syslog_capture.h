// SPDX-License-Identifier: BSD-3-Clause
// What the module sends to syslog, kept in memory for module tests that check their log lines.
// Linking syslog_capture.cc into a test program (built with -rdynamic) replaces syslog() and
// __syslog_chk for the dlopen'ed module too, so those lines never reach /dev/log.
#pragma once

#include <string>
#include <vector>

namespace sshotp::test {

struct LogLine {
  int priority;      // the level alone (LOG_DEBUG, LOG_INFO, ...), without the facility
  std::string text;  // as formatted, with libpam's "pam_sshotp(service:auth): " prefix
};

// Every line since the program started or since the last clear().
std::vector<LogLine>& captured_syslog();

}  // namespace sshotp::test
