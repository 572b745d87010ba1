// SPDX-License-Identifier: BSD-3-Clause
// Block-wise line reading (see line_source.h).
#include "enroll/import/line_source.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sshotp::cli {
namespace {

constexpr std::size_t kBlockBytes = 64 * 1024;

}  // namespace

LineSource::LineSource(int fd, std::size_t max_line)
    : fd_(fd), max_line_(max_line), block_(std::max(kBlockBytes, 2 * (max_line + 2))) {}

LineSource::Next LineSource::next(std::string_view& line) {
  for (;;) {
    const auto* unread = reinterpret_cast<const char*>(block_.data()) + begin_;
    const std::size_t available = end_ - begin_;
    const auto* newline = static_cast<const char*>(std::memchr(unread, '\n', available));
    if (newline != nullptr || (at_eof_ && available > 0)) {
      // A last line without a newline still counts.
      std::size_t length =
          newline != nullptr ? static_cast<std::size_t>(newline - unread) : available;
      begin_ += newline != nullptr ? length + 1 : length;
      if (length > 0 && unread[length - 1] == '\r') --length;
      if (length > max_line_) return Next::too_long;
      line = std::string_view(unread, length);
      return Next::line;
    }
    if (at_eof_) return Next::end;
    if (available > max_line_ + 1) return Next::too_long;  // no newline in sight
    // Move the partial line to the front (wiping what it leaves behind), then read more.
    std::memmove(block_.data(), block_.data() + begin_, available);
    secure_wipe(block_.data() + available, end_ - available);
    begin_ = 0;
    end_ = available;
    const ssize_t n = read(fd_, block_.data() + end_, block_.size() - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Next::failed;
    if (n == 0) at_eof_ = true;
    end_ += static_cast<std::size_t>(n);
  }
}

}  // namespace sshotp::cli
