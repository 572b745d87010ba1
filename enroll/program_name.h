// SPDX-License-Identifier: BSD-3-Clause
// The name every message, usage line and syslog line of sshotp-enroll starts with. A leaf header
// of its own, so that the setuid code (setuid/) words its messages without depending on the
// command-line layer above it.
#pragma once

namespace sshotp::cli {

inline constexpr const char* kProgramName = "sshotp-enroll";

}  // namespace sshotp::cli
