// SPDX-License-Identifier: BSD-3-Clause
#include "bench/fake_clock.h"

#include <atomic>
#include <ctime>

namespace {

// Mid-November 2023: any instant works, as long as it is far from the real clock, so a module
// that read the real time instead of this one would fail the success path at once.
std::atomic<std::int64_t> g_now{1700000000};

}  // namespace

// -fvisibility=hidden would keep -rdynamic from exporting it, hence the attribute.
extern "C" __attribute__((visibility("default"))) time_t time(time_t* out) noexcept {
  const auto now = static_cast<time_t>(g_now.load(std::memory_order_relaxed));
  if (out != nullptr) *out = now;
  return now;
}

namespace sshotp::bench {

void set_fake_time(std::int64_t unix_time) noexcept {
  g_now.store(unix_time, std::memory_order_relaxed);
}

std::int64_t fake_time() noexcept { return g_now.load(std::memory_order_relaxed); }

}  // namespace sshotp::bench
