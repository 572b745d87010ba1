// SPDX-License-Identifier: BSD-3-Clause
// Scale: the cost of one login for the first and the last of N enrolled users. Each N has its own
// pam_sshotp store (filled through the core API in one transaction) and its own pam_oath
// usersfile of N lines, so the sizes can be interleaved call by call like the modules elsewhere:
// the disk's moods then hit every N alike. google-authenticator keeps one file per user, so N
// does not enter its cost at all.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <memory>

#include "bench/phases.h"

namespace sshotp::bench {
namespace {

double seconds_since(const timespec& start) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec - start.tv_sec) +
         static_cast<double>(now.tv_nsec - start.tv_nsec) / 1e9;
}

void provision(const Context& ctx, Anchor& anchor, std::size_t from, std::size_t to) {
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  anchor.enroll(from, to);
  const double seconds = seconds_since(start);
  std::printf("  enrolled %s users %zu..%zu in %.1f s\n", anchor.name().c_str(), from, to - 1,
              seconds);
  std::fflush(stdout);
  ctx.results.add({"provision", anchor.name(), std::to_string(to), std::to_string(to - from),
                   format_number(seconds, 2)});
}

using MakeAnchor = std::unique_ptr<Anchor> (*)(const Context&, const std::string&);

std::unique_ptr<Anchor> sshotp_at(const Context& ctx, const std::string& dir) {
  return make_sshotp_anchor(dir + "/sshotp", ctx.module);
}
std::unique_ptr<Anchor> oath_at(const Context&, const std::string& dir) {
  return make_oath_anchor(dir + "/oath");
}

// One module at every size: rounds of one call per (size, first/last), the sizes interleaved.
void measure_sizes(const Context& ctx, const std::vector<std::size_t>& sizes, int iterations,
                   MakeAnchor make) {
  std::vector<std::unique_ptr<Anchor>> stores;
  for (std::size_t size : sizes) {
    const std::string dir = ctx.work + "/scale-" + std::to_string(size);
    make_private_dir(dir);
    stores.push_back(make(ctx, dir));
    provision(ctx, *stores.back(), 0, size);
  }
  // Let the enrollment's writeback finish first: on ext4 a commit's fdatasync would otherwise
  // wait for hundreds of megabytes of someone else's dirty data.
  sync();
  for (Path path : {Path::success, Path::wrong}) {
    std::map<std::pair<std::size_t, bool>, std::vector<std::int64_t>> samples;
    for (int round = 0; round < iterations + 1; ++round) {  // round 0 warms the caches
      const std::int64_t t = next_round_time();
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        for (bool last : {false, true}) {
          const std::size_t index = last ? sizes[i] - 1 : 0;
          const std::int64_t ns = measure(*stores[i], index, path, t).nanoseconds;
          if (round > 0) samples[{sizes[i], last}].push_back(ns);
        }
      }
    }
    for (const auto& [key, ns] : samples) {
      const Summary s = summarize(ns);
      const char* which = key.second ? "last" : "first";
      std::printf("  %-12s N=%-8zu %-5s %-7s %10.1f / %10.1f\n", stores[0]->name().c_str(),
                  key.first, which, path_name(path), s.median_us, s.p90_us);
      ctx.results.add("scale",
                      {stores[0]->name(), std::to_string(key.first), which, path_name(path)}, s);
    }
    std::fflush(stdout);
  }
}

}  // namespace

void run_scale(const Context& ctx, const std::vector<std::size_t>& sizes, int iterations) {
  std::printf("\nscale, %d calls per cell, microseconds: median / p90\n", iterations);
  // One module at a time: pam_oath rewrites its whole usersfile (tens of megabytes at 1M) on each
  // success, which would tax pam_sshotp's syncs if the two were interleaved.
  measure_sizes(ctx, sizes, iterations, sshotp_at);
  measure_sizes(ctx, sizes, iterations, oath_at);
}

}  // namespace sshotp::bench
