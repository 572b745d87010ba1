// SPDX-License-Identifier: BSD-3-Clause
// The physical floor: what one durable write (4 KiB overwritten in place, then fdatasync) costs
// on the disk under the work directory. A login that must survive a power cut pays at least one.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "bench/phases.h"

namespace sshotp::bench {

void run_fsync_probe(const Context& ctx, int iterations) {
  const std::string path = ctx.work + "/fsync-probe";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) die("cannot create " + path);
  char block[4096] = {};
  std::vector<std::int64_t> samples;
  for (int i = 0; i < iterations + 1; ++i) {  // the first one allocates the block
    block[0] = static_cast<char>(i);
    timespec start{};
    timespec end{};
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (pwrite(fd, block, sizeof block, 0) != static_cast<ssize_t>(sizeof block) ||
        fdatasync(fd) != 0) {
      die("write/fdatasync " + path);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (i > 0)
      samples.push_back((end.tv_sec - start.tv_sec) * 1000000000 + end.tv_nsec - start.tv_nsec);
  }
  close(fd);
  unlink(path.c_str());
  const Summary s = summarize(samples);
  std::printf("\nfdatasync of 4 KiB: %.1f / %.1f us (median / p90, %zu calls)\n", s.median_us,
              s.p90_us, s.n);
  ctx.results.add("fsync", {"fdatasync-4k"}, s);
}

}  // namespace sshotp::bench
