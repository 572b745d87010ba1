// SPDX-License-Identifier: BSD-3-Clause
#include "bench/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <tuple>
#include <utility>

#include "bench/results.h"

namespace sshotp::bench {
namespace {

constexpr int kResamples = 2000;

double median_us(const std::vector<std::int64_t>& ns) { return summarize(ns).median_us; }

std::vector<std::int64_t> resample(const std::vector<std::int64_t>& ns, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> pick(0, ns.size() - 1);
  std::vector<std::int64_t> out(ns.size());
  for (std::int64_t& v : out) v = ns[pick(rng)];
  return out;
}

// U of b against a, and its two-sided p-value under "neither tends to be larger".
std::pair<double, double> mann_whitney(const std::vector<std::int64_t>& a,
                                       const std::vector<std::int64_t>& b) {
  std::vector<std::pair<std::int64_t, bool>> all;  // (value, from b)
  for (std::int64_t v : a) all.emplace_back(v, false);
  for (std::int64_t v : b) all.emplace_back(v, true);
  std::sort(all.begin(), all.end());
  const auto n = static_cast<double>(all.size());
  double rank_sum_b = 0;
  double tie_term = 0;  // sum of t^3 - t over groups of t equal values
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double average_rank = (static_cast<double>(i + j) + 1) / 2;  // ranks i+1 .. j
    for (std::size_t k = i; k < j; ++k) {
      if (all[k].second) rank_sum_b += average_rank;
    }
    const auto t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  const auto na = static_cast<double>(a.size());
  const auto nb = static_cast<double>(b.size());
  const double u = rank_sum_b - nb * (nb + 1) / 2;
  const double variance = na * nb / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  if (variance <= 0) return {u, 1.0};
  const double z = std::max(0.0, std::abs(u - na * nb / 2) - 0.5) / std::sqrt(variance);
  return {u, std::erfc(z / std::sqrt(2.0))};
}

}  // namespace

Comparison compare_samples(const std::vector<std::int64_t>& a_ns,
                           const std::vector<std::int64_t>& b_ns) {
  Comparison c;
  c.n_a = a_ns.size();
  c.n_b = b_ns.size();
  if (a_ns.empty() || b_ns.empty()) return c;
  c.median_difference_us = median_us(b_ns) - median_us(a_ns);
  std::mt19937_64 rng(20240229);
  std::vector<double> differences;
  differences.reserve(kResamples);
  for (int i = 0; i < kResamples; ++i) {
    differences.push_back(median_us(resample(b_ns, rng)) - median_us(resample(a_ns, rng)));
  }
  std::sort(differences.begin(), differences.end());
  c.ci_low_us = differences[kResamples * 25 / 1000];
  c.ci_high_us = differences[kResamples * 975 / 1000 - 1];
  std::tie(c.u, c.p_value) = mann_whitney(a_ns, b_ns);
  return c;
}

std::vector<std::string> comparison_row(const std::string& variant, const std::string& module,
                                        const Summary& wrong, const Summary& unenrolled,
                                        const Comparison& c) {
  return {"compare",
          variant,
          module,
          std::to_string(wrong.n),
          format_number(wrong.median_us, 1),
          format_number(wrong.p90_us, 1),
          std::to_string(unenrolled.n),
          format_number(unenrolled.median_us, 1),
          format_number(unenrolled.p90_us, 1),
          format_number(c.median_difference_us, 1),
          format_number(c.ci_low_us, 1),
          format_number(c.ci_high_us, 1),
          format_number(c.u, 1),
          format_number(c.p_value, 4)};
}

void print_unenrolled_section(const std::vector<std::vector<std::string>>& rows) {
  std::printf(
      "## Unenrolled user against wrong code\n\n"
      "The README says an unenrolled user gets \"the same prompt and the same refusal, after the "
      "same work\". Both paths are timed in the same rounds (taking turns to go first, each after "
      "the same reset write) and must return PAM_AUTH_ERR after one prompt. *Difference*: median "
      "of unenrolled minus median of wrong, with a 95%% bootstrap interval; *p*: two-sided "
      "Mann-Whitney U test. Microseconds.\n\n");
  if (rows.empty()) {
    std::printf("Not measured.\n\n");
    return;
  }
  std::printf(
      "| variant | module | wrong code: calls, median / p90 | unenrolled: calls, median / p90 | "
      "difference [95%% CI] | U | p | reading |\n|---|---|---|---|---|---|---|---|\n");
  for (const auto& r : rows) {
    if (r.size() < 14) continue;
    const double low = std::stod(r[10]);
    const double high = std::stod(r[11]);
    // Both tests must agree before the report says the paths differ, or that they do not.
    const bool significant = std::stod(r[13]) < 0.05;
    const bool interval_excludes_zero = low > 0 || high < 0;
    const char* reading = significant != interval_excludes_zero ? "inconclusive"
                          : !significant                        ? "no difference detected"
                          : std::stod(r[9]) > 0                 ? "differs: unenrolled is slower"
                                                                : "differs: unenrolled is faster";
    std::printf("| %s | %s | %s, %s / %s | %s, %s / %s | %s [%s, %s] | %s | %s | %s |\n",
                r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(), r[5].c_str(), r[6].c_str(),
                r[7].c_str(), r[8].c_str(), r[9].c_str(), r[10].c_str(), r[11].c_str(),
                r[12].c_str(), r[13].c_str(), reading);
  }
  std::printf("\n");
}

}  // namespace sshotp::bench
