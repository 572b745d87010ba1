// SPDX-License-Identifier: BSD-3-Clause
// The documented exit statuses of sshotp-enroll. The numbers are part of the interface: scripts
// test them, and --help and sshotp-enroll(8) list them.
#pragma once

namespace sshotp::cli {

enum class Exit : int {
  ok = 0,
  error = 1,         // store, key or config problem (the message names the path and reason)
  usage = 2,         // unknown option or command, missing argument, bad value or input format
  verification = 3,  // wrong confirmation code three times, or the user aborted
  permission = 4,    // the caller may not act on that user
  not_enrolled = 5,  // the user has no enrollment
};

inline int exit_status(Exit e) noexcept { return static_cast<int>(e); }

}  // namespace sshotp::cli
