// SPDX-License-Identifier: BSD-3-Clause
// The login paths the benchmark times, and one measured call of a path for one anchor:
// the preparation (resetting failure counters, using the code once before a replay) happens
// outside the timed region; the call itself is checked against the PAM code it must return.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bench/anchor.h"

namespace sshotp::bench {

enum class Path {
  success,  // the right code of a step never used before: a first use that writes
  wrong,    // a well-formed code that matches nothing
  replay,   // the code that has just been accepted, again
  // The wrong path's code typed for a user nobody enrolled (only anchors that claim to refuse
  // that alike: Anchor::refuses_unenrolled_like_wrong).
  unenrolled,
};

const char* path_name(Path path) noexcept;
std::optional<Path> parse_path(std::string_view name) noexcept;
int expected_rc(Path path) noexcept;  // PAM_SUCCESS or PAM_AUTH_ERR

// The next instant of the benchmark's clock: 30 s (one step) after the previous one, so every
// round of calls happens in a step of its own.
std::int64_t next_round_time() noexcept;
// Moves the benchmark's clock to `seconds_ahead` of the real one (7 s into a step) and sets it.
// For the fleet phases: libssl, in the PostgreSQL plugin's libpq, checks the certificates'
// validity with the same time(), and the test certificates are valid from their making for two
// days; six hours ahead is still far enough from the real clock that a module reading it would
// fail every success.
void start_rounds_ahead_of_real_time(std::int64_t seconds_ahead) noexcept;

// Counts a functional failure (a call that did not return what it must); printed at once.
void report_failure(const std::string& what);
int functional_failures() noexcept;

// One call of `path` for user `index` at `unix_time` through the real libpam. `reset` false
// skips the reset before refused calls (for counting one call's syscalls; fewer than
// max_failures such calls never lock the user).
struct Measured {
  std::int64_t nanoseconds;
  int rc;
};
Measured measure(Anchor& anchor, std::size_t index, Path path, std::int64_t unix_time,
                 bool reset = true);

// The user a call of `path` logs in as: user `index`, or for Path::unenrolled a name of the
// same length that no anchor enrolls.
std::string user_for_path(std::size_t index, Path path);
// The code a call of `path` answers with.
std::string code_for_path(std::size_t index, Path path, std::int64_t unix_time);

// Sets the clock, resets (if asked) and, for a replay, uses the code once: what happens before
// the timed call.
void prepare(Anchor& anchor, std::size_t index, Path path, std::int64_t unix_time,
             bool reset = true);

}  // namespace sshotp::bench
