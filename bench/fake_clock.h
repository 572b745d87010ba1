// SPDX-License-Identifier: BSD-3-Clause
// The benchmark's clock. pam_sshotp, pam_google_authenticator and liboath (for pam_oath) all read
// the time through libc's time(), called through the PLT. A benchmark executable linked with
// -rdynamic exports its own time(), and the modules libpam dlopens bind to that one, so every
// call can be put in a fresh 30 s step (a real first use that writes) without waiting for it.
#pragma once

#include <cstdint>

namespace sshotp::bench {

void set_fake_time(std::int64_t unix_time) noexcept;
std::int64_t fake_time() noexcept;

}  // namespace sshotp::bench
