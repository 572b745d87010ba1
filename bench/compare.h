// SPDX-License-Identifier: BSD-3-Clause
// Whether two sets of timings differ, e.g. a refusal of an unenrolled user against that of a
// wrong code (README: "the same refusal, after the same work"): the difference of the medians
// with a bootstrap confidence interval, and the Mann-Whitney U test, which ranks the samples and
// so assumes nothing about the shape of the distributions (latencies have long right tails).
// Also the results-file row of such a comparison and the report section made of those rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/results.h"

namespace sshotp::bench {

struct Comparison {
  std::size_t n_a = 0;
  std::size_t n_b = 0;
  double median_difference_us = 0;  // median of b minus median of a
  double ci_low_us = 0;             // 95% percentile-bootstrap interval of that difference
  double ci_high_us = 0;
  double u = 0;        // Mann-Whitney U of b (the number of pairs in which b is slower; ties 1/2)
  double p_value = 1;  // two-sided; normal approximation with tie and continuity corrections
};

// Reproducible: the bootstrap draws from a fixed seed.
Comparison compare_samples(const std::vector<std::int64_t>& a_ns,
                           const std::vector<std::int64_t>& b_ns);

// compare VARIANT MODULE n_wrong median p90 n_unenrolled median p90 difference ci_low ci_high
// U p: wrong code (a) against an unenrolled user (b), times in microseconds.
std::vector<std::string> comparison_row(const std::string& variant, const std::string& module,
                                        const Summary& wrong, const Summary& unenrolled,
                                        const Comparison& c);
// The report's section on the "compare" rows of a results file (markdown on stdout).
void print_unenrolled_section(const std::vector<std::vector<std::string>>& compare_rows);

}  // namespace sshotp::bench
