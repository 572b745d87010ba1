// SPDX-License-Identifier: BSD-3-Clause
// The interactive side of sshotp-enroll: writing to and reading lines from the user's terminal
// (or plain stdin/stdout when there is none), with echo control and a clean abort on Ctrl-C.
// Lines are read one byte at a time so that nothing beyond the newline is consumed (a script
// may pipe several answers), and they land directly in a SecretString.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/secret.h"

namespace sshotp::cli {

// While alive, SIGINT, SIGTERM and SIGHUP only raise a flag instead of killing the process, and
// a blocked read returns (no SA_RESTART). The command then aborts without writing anything and
// exits 3, instead of dying half-way.
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
  static bool interrupted() noexcept;
};

// Writes all of `text` to `fd`, retrying after signals; gives up silently when the other end is
// gone (the command's next read or its exit status tells). Unlike stdio, it leaves no copy of a
// secret in a buffer that nobody wipes.
void write_all(int fd, std::string_view text);

enum class ReadStatus { line, end_of_input, interrupted, too_long, failed };

struct LineRead {
  ReadStatus status = ReadStatus::failed;
  SecretString text;  // without the line ending; only meaningful for ReadStatus::line
};

class Terminal {
 public:
  enum class Source {
    controlling,  // /dev/tty for both directions; stdin/stdout when there is no terminal
    standard,     // stdin, with prompts on stderr (a secret piped into `import`)
  };
  explicit Terminal(Source source);
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  bool input_is_tty() const noexcept { return input_is_tty_; }
  void print(std::string_view text);
  // Reads up to the next newline. A longer line than max_bytes is consumed and reported as
  // too_long. With echo off (on a terminal), the typed text is not shown.
  LineRead read_line(std::size_t max_bytes, bool echo);

 private:
  int in_fd_;
  int out_fd_;
  bool owns_tty_ = false;
  bool input_is_tty_ = false;
};

}  // namespace sshotp::cli
