// SPDX-License-Identifier: BSD-3-Clause
#include "tests/support/syslog_capture.h"

#include <syslog.h>

#include <cstdarg>
#include <cstdio>

namespace sshotp::test {

std::vector<LogLine>& captured_syslog() {
  static std::vector<LogLine> lines;
  return lines;
}

}  // namespace sshotp::test

namespace {

__attribute__((format(printf, 2, 0))) void capture(int priority, const char* fmt, va_list ap) {
  char line[4096];
  std::vsnprintf(line, sizeof line, fmt, ap);
  sshotp::test::captured_syslog().push_back({LOG_PRI(priority), line});
}

}  // namespace

// libpam's pam_vsyslog ends in syslog() (__syslog_chk under _FORTIFY_SOURCE). Exported with
// -rdynamic, these definitions take the module's lines here instead of to /dev/log.
extern "C" __attribute__((visibility("default"))) void __syslog_chk(int priority, int,
                                                                     const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  capture(priority, fmt, ap);
  va_end(ap);
}
extern "C" __attribute__((visibility("default"))) void syslog(int priority, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  capture(priority, fmt, ap);
  va_end(ap);
}
