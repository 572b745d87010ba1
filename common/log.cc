// SPDX-License-Identifier: BSD-3-Clause
#include "common/log.h"

#include <cstdarg>
#include <cstdio>

namespace sshotp {

void logf(Logger& log, int priority, const char* fmt, ...) {
  // Log lines are short; a longer one is truncated rather than allocated.
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  std::size_t len = static_cast<std::size_t>(n) < sizeof line ? static_cast<std::size_t>(n)
                                                              : sizeof line - 1;
  log.write(priority, std::string_view(line, len));
}

}  // namespace sshotp
