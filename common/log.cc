// SPDX-License-Identifier: BSD-3-Clause
#include "common/log.h"

#include <cstdarg>
#include <cstdio>

namespace sshotp {

namespace {

__attribute__((format(printf, 3, 0))) void vlogf(Logger& log, int priority, const char* fmt,
                                                   va_list ap) {
  // Log lines are short; a longer one is truncated rather than allocated.
  char line[1024];
  int n = std::vsnprintf(line, sizeof line, fmt, ap);
  if (n < 0) return;
  std::size_t len = static_cast<std::size_t>(n) < sizeof line ? static_cast<std::size_t>(n)
                                                              : sizeof line - 1;
  log.write(priority, std::string_view(line, len));
}

}  // namespace

void logf(Logger& log, int priority, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlogf(log, priority, fmt, ap);
  va_end(ap);
}

void DebugLog::operator()(const char* fmt, ...) const {
  if (!enabled_) return;
  va_list ap;
  va_start(ap, fmt);
  vlogf(log_, LOG_DEBUG, fmt, ap);
  va_end(ap);
}

}  // namespace sshotp
