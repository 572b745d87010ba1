// SPDX-License-Identifier: BSD-3-Clause
// The benchmark's users: user i is "bench0000042"-style and has a secret derived from i, so a
// million of them can be enrolled, and the code of any one computed, without keeping a million
// secrets around. (Secrets that anyone can derive are fine for a benchmark and for nothing else.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/secret.h"
#include "common/store.h"

namespace sshotp::bench {

inline constexpr unsigned kPeriod = 30;  // every anchor uses 30 s steps, 6 digits, SHA-1

std::string user_name(std::size_t index);
SecureBytes user_secret(std::size_t index);

// The code an authenticator app shows user `index` at `unix_time`.
std::string code_for(std::size_t index, std::int64_t unix_time);

// User `index`'s enrollment as pam_sshotp stores it: the secret sealed with `key` (the real key
// of the store under test), created at the benchmark's clock, never used.
Enrollment sealed_enrollment(const SecureBytes& key, std::size_t index);

// A well-formed code that matches none of the steps around `unix_time` any anchor accepts.
std::string wrong_code_for(std::size_t index, std::int64_t unix_time);

}  // namespace sshotp::bench
