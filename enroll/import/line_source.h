// SPDX-License-Identifier: BSD-3-Clause
// Lines from a file descriptor, read in 64 KiB blocks into wiping memory. Terminal::read_line
// reads one byte per system call so as never to consume more than one answer; a batch of a
// million lines needs the opposite trade-off. The lines carry secrets, so the block buffer
// wipes itself, and a line handed out stays valid only until the next call.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/secret.h"

namespace sshotp::cli {

class LineSource {
 public:
  enum class Next {
    line,      // `line` holds the next line, without its "\n" or "\r\n"
    end,       // no more input
    too_long,  // a line longer than max_line: the input is unusable
    failed,    // read(2) failed; errno says why
  };

  LineSource(int fd, std::size_t max_line);
  Next next(std::string_view& line);

 private:
  int fd_;
  std::size_t max_line_;
  SecureBytes block_;
  std::size_t begin_ = 0;  // the unread bytes are block_[begin_, end_)
  std::size_t end_ = 0;
  bool at_eof_ = false;
};

}  // namespace sshotp::cli
