// SPDX-License-Identifier: BSD-3-Clause
// Where the core reports what it decided. The module plugs in pam_syslog, the CLI stderr/syslog,
// the tests a capturing logger. Callers must never format a secret or a typed code into a line.
#pragma once

#include <syslog.h>

#include <string_view>

namespace sshotp {

class Logger {
 public:
  virtual ~Logger() = default;
  // priority is a syslog level (LOG_ERR, LOG_NOTICE, ...); the facility is the sink's business.
  virtual void write(int priority, std::string_view message) = 0;
};

// printf-style helper; the format attribute lets -Wformat=2 check every call site.
void logf(Logger& log, int priority, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

// The `debug` setting's LOG_DEBUG lines, so that a call site is one line and costs one branch
// when debug is off. The rule above holds here too: names, states and outcomes, never a code,
// a secret, a recovery code or key material.
class DebugLog {
 public:
  DebugLog(Logger& log, bool enabled) : log_(log), enabled_(enabled) {}
  // printf-style; argument 1 is `this`, hence 2 and 3.
  void operator()(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  // For a call site that has work to do before its line: skip it when debug is off.
  bool enabled() const noexcept { return enabled_; }

 private:
  Logger& log_;
  bool enabled_;
};

// Drops everything; for callers that have nowhere to report.
class NullLogger final : public Logger {
 public:
  void write(int, std::string_view) override {}
};

}  // namespace sshotp
