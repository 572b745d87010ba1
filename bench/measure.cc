// SPDX-License-Identifier: BSD-3-Clause
#include "bench/measure.h"

#include <security/pam_appl.h>

#include <cstdio>
#include <ctime>

#include "bench/bench_users.h"
#include "bench/fake_clock.h"
#include "bench/pam_call.h"

namespace sshotp::bench {
namespace {

int g_failures = 0;
std::int64_t g_round_time = 1700000007;  // 7 s into a step; any offset would do

PamCall call_of(const Anchor& anchor, const std::string& user, const std::string& code) {
  return PamCall{anchor.confdir().c_str(), Anchor::kService, user.c_str(),
                 anchor.verifies_codes() ? code.c_str() : nullptr};
}

}  // namespace

const char* path_name(Path path) noexcept {
  switch (path) {
    case Path::success:
      return "success";
    case Path::wrong:
      return "wrong";
    case Path::replay:
      return "replay";
    case Path::unenrolled:
      break;
  }
  return "unenrolled";
}

std::optional<Path> parse_path(std::string_view name) noexcept {
  for (Path path : {Path::success, Path::wrong, Path::replay, Path::unenrolled}) {
    if (name == path_name(path)) return path;
  }
  return std::nullopt;
}

int expected_rc(Path path) noexcept { return path == Path::success ? PAM_SUCCESS : PAM_AUTH_ERR; }

std::int64_t next_round_time() noexcept { return g_round_time += kPeriod; }

void start_rounds_ahead_of_real_time(std::int64_t seconds_ahead) noexcept {
  timespec real{};
  clock_gettime(CLOCK_REALTIME, &real);
  const std::int64_t t = static_cast<std::int64_t>(real.tv_sec) + seconds_ahead;
  g_round_time = t - t % kPeriod + 7;
  set_fake_time(g_round_time);
}

void report_failure(const std::string& what) {
  ++g_failures;
  if (g_failures <= 20) std::fprintf(stderr, "FUNCTIONAL FAILURE: %s\n", what.c_str());
}

int functional_failures() noexcept { return g_failures; }

std::string user_for_path(std::size_t index, Path path) {
  const std::string enrolled = user_name(index);
  return path == Path::unenrolled ? "ghost" + enrolled.substr(5) : enrolled;
}

std::string code_for_path(std::size_t index, Path path, std::int64_t unix_time) {
  return path == Path::wrong || path == Path::unenrolled ? wrong_code_for(index, unix_time)
                                                         : code_for(index, unix_time);
}

void prepare(Anchor& anchor, std::size_t index, Path path, std::int64_t unix_time, bool reset) {
  set_fake_time(unix_time);
  if (path == Path::success) return;  // the fresh step is the fresh state
  // For Path::unenrolled this resets the enrolled user `index` all the same: the store has had
  // the same write just before the call as on the wrong path it is compared with.
  if (reset) anchor.reset(index);
  if (path == Path::replay) {
    const std::string user = user_name(index);
    const std::string code = code_for(index, unix_time);
    const PamCallResult first = timed_pam_call(call_of(anchor, user, code));
    if (first.rc != PAM_SUCCESS) {
      report_failure(anchor.name() + ": the use before the replay returned " +
                     std::to_string(first.rc));
    }
  }
}

Measured measure(Anchor& anchor, std::size_t index, Path path, std::int64_t unix_time, bool reset) {
  prepare(anchor, index, path, unix_time, reset);
  const std::string user = user_for_path(index, path);
  const std::string code = code_for_path(index, path, unix_time);
  const PamCallResult result = timed_pam_call(call_of(anchor, user, code));
  const int expected = anchor.verifies_codes() ? expected_rc(path) : PAM_SUCCESS;
  if (result.rc != expected) {
    report_failure(anchor.name() + " " + path_name(path) + " for " + user + " returned " +
                   std::to_string(result.rc) + ", expected " + std::to_string(expected));
  } else if (anchor.verifies_codes() && result.prompts != 1) {
    report_failure(anchor.name() + " asked " + std::to_string(result.prompts) +
                   " questions instead of one");
  }
  return {result.nanoseconds, result.rc};
}

}  // namespace sshotp::bench
