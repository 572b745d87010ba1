// SPDX-License-Identifier: BSD-3-Clause
// Where measurements go: one tab-separated line per result in a file that every phase (and the
// shell script, for callgrind and sshd) appends to, and that `sshotp-bench report` turns into
// docs/PERFORMANCE.md. Also the summary statistics (median, p90) of a set of timings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sshotp::bench {

struct Summary {
  std::size_t n = 0;
  double median_us = 0;
  double p90_us = 0;
};

Summary summarize(std::vector<std::int64_t> nanoseconds);

// p50 and p99 (nearest rank) of a set of timings, in microseconds (the fleet targets are p99s).
struct Tail {
  std::size_t n = 0;
  double p50_us = 0;
  double p99_us = 0;
};
Tail tail_of(std::vector<std::int64_t> nanoseconds);

// Appends one line of fields to the results file (flushed at once, so a run that dies keeps
// what it measured). An empty path keeps nothing.
class Results {
 public:
  explicit Results(std::string path) : path_(std::move(path)) {}
  void add(const std::vector<std::string>& fields) const;
  void add(const std::string& kind, const std::vector<std::string>& keys, const Summary& s) const;

 private:
  std::string path_;
};

std::string format_number(double value, int decimals);

}  // namespace sshotp::bench
