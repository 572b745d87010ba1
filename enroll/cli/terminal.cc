// SPDX-License-Identifier: BSD-3-Clause
// Terminal I/O and interrupt handling for the interactive commands (see terminal.h).
#include "enroll/cli/terminal.h"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>

namespace sshotp::cli {
namespace {

volatile sig_atomic_t g_interrupted = 0;

void on_interrupt(int) { g_interrupted = 1; }

constexpr std::array<int, 3> kAbortSignals = {SIGINT, SIGTERM, SIGHUP};
std::array<struct sigaction, kAbortSignals.size()> g_previous{};

// Turns echo off for its lifetime, restoring the terminal's previous state even on an abort.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (tcgetattr(fd_, &saved_) != 0) return;
    struct termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  int fd_;
  struct termios saved_ {};
  bool active_ = false;
};

}  // namespace

InterruptScope::InterruptScope() {
  g_interrupted = 0;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked read() must return EINTR
  for (std::size_t i = 0; i < kAbortSignals.size(); ++i) {
    sigaction(kAbortSignals[i], &action, &g_previous[i]);
  }
}

InterruptScope::~InterruptScope() {
  for (std::size_t i = 0; i < kAbortSignals.size(); ++i) {
    sigaction(kAbortSignals[i], &g_previous[i], nullptr);
  }
}

bool InterruptScope::interrupted() noexcept { return g_interrupted != 0; }

Terminal::Terminal(Source source) : in_fd_(STDIN_FILENO), out_fd_(STDOUT_FILENO) {
  if (source == Source::standard) {
    out_fd_ = STDERR_FILENO;  // stdout stays clean for the command's result
  } else {
    int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty >= 0) {
      in_fd_ = out_fd_ = tty;
      owns_tty_ = true;
    }
  }
  input_is_tty_ = isatty(in_fd_) == 1;
}

Terminal::~Terminal() {
  if (owns_tty_) close(in_fd_);
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere left to write to
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Terminal::print(std::string_view text) { write_all(out_fd_, text); }

LineRead Terminal::read_line(std::size_t max_bytes, bool echo) {
  std::optional<EchoOff> quiet;
  if (!echo && input_is_tty_) quiet.emplace(in_fd_);
  LineRead result;
  bool overlong = false;
  bool got_any = false;
  char c = 0;  // one byte of the secret at a time; wiped below
  for (;;) {
    if (InterruptScope::interrupted()) {
      result.status = ReadStatus::interrupted;
      break;
    }
    ssize_t n = read(in_fd_, &c, 1);
    if (n < 0 && errno == EINTR) continue;  // the loop head decides whether it was an abort
    if (n < 0) {
      result.status = ReadStatus::failed;
      break;
    }
    if (n == 0 || c == '\n') {
      // A last line without a newline still counts (printf '%s' "$KEY" | ...).
      if (n == 0 && !got_any) {
        result.status = ReadStatus::end_of_input;
      } else {
        result.status = overlong ? ReadStatus::too_long : ReadStatus::line;
      }
      break;
    }
    got_any = true;
    if (result.text.size() < max_bytes) {
      result.text.push_back(c);
    } else {
      overlong = true;
    }
  }
  secure_wipe(&c, sizeof c);
  if (quiet) print("\n");  // the user's Enter was not echoed either
  if (result.status != ReadStatus::line) {
    result.text.wipe();
  } else if (!result.text.empty() && result.text.view().back() == '\r') {
    SecretString trimmed(result.text.view().substr(0, result.text.size() - 1));
    result.text = std::move(trimmed);
  }
  return result;
}

}  // namespace sshotp::cli
