// SPDX-License-Identifier: BSD-3-Clause
// The current time, read in exactly one place. Production code calls ::time(); the module tests
// interpose their own time() in the test executable (exported with -rdynamic), so the shipped
// .so needs no test hook to be driven at any instant.
#pragma once

#include <ctime>
#include <cstdint>

namespace sshotp {

inline std::int64_t now_unix() noexcept { return static_cast<std::int64_t>(::time(nullptr)); }

}  // namespace sshotp
