// SPDX-License-Identifier: BSD-3-Clause
// Scale: the cost of one login for the first and the last of N enrolled users. pam_sshotp's store
// is filled through the core API in one transaction per size step; pam_oath's usersfile gets N
// lines. google-authenticator keeps one file per user, so N does not enter its cost at all.
#include <unistd.h>

#include <cstdio>
#include <ctime>

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

}  // namespace

void run_scale(const Context& ctx, const std::vector<std::size_t>& sizes, int iterations) {
  const std::string dir = ctx.work + "/scale";
  make_private_dir(dir);
  std::vector<std::unique_ptr<Anchor>> anchors;
  anchors.push_back(make_sshotp_anchor(dir + "/sshotp", ctx.module));
  anchors.push_back(make_oath_anchor(dir + "/oath"));
  std::printf("\nscale, %d calls per cell, microseconds: median / p90\n", iterations);
  std::size_t enrolled = 0;
  for (std::size_t size : sizes) {
    if (size <= enrolled) continue;
    for (auto& anchor : anchors) provision(ctx, *anchor, enrolled, size);
    enrolled = size;
    // Let the enrollment's writeback finish first: on ext4 a commit's fdatasync would
    // otherwise wait for hundreds of megabytes of someone else's dirty data.
    sync();
    for (auto& anchor : anchors) {
      // One module at a time: pam_oath rewrites its whole usersfile (tens of megabytes at 1M)
      // on each success, which would tax pam_sshotp's syncs if the two were interleaved.
      for (const auto& [which, index] :
           {std::pair<const char*, std::size_t>{"first", 0}, {"last", size - 1}}) {
        for (Path path : {Path::success, Path::wrong}) {
          std::vector<std::int64_t> samples;
          for (int round = 0; round < iterations + 1; ++round) {  // round 0 warms the cache
            const std::int64_t ns = measure(*anchor, index, path, next_round_time()).nanoseconds;
            if (round > 0) samples.push_back(ns);
          }
          const Summary s = summarize(samples);
          std::printf("  %-12s N=%-8zu %-5s %-7s %10.1f / %10.1f\n", anchor->name().c_str(), size,
                      which, path_name(path), s.median_us, s.p90_us);
          ctx.results.add("scale", {anchor->name(), std::to_string(size), which, path_name(path)},
                          s);
        }
      }
    }
  }
}

}  // namespace sshotp::bench
