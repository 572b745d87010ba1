// SPDX-License-Identifier: BSD-3-Clause
#include "bench/results.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench/anchor.h"

namespace sshotp::bench {

Summary summarize(std::vector<std::int64_t> nanoseconds) {
  Summary s;
  s.n = nanoseconds.size();
  if (s.n == 0) return s;
  std::sort(nanoseconds.begin(), nanoseconds.end());
  const auto at = [&](std::size_t i) { return static_cast<double>(nanoseconds[i]) / 1000.0; };
  s.median_us = s.n % 2 == 1 ? at(s.n / 2) : (at(s.n / 2 - 1) + at(s.n / 2)) / 2;
  // Nearest rank: the smallest sample with at least 90% of the samples at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(s.n)));
  s.p90_us = at(std::max<std::size_t>(rank, 1) - 1);
  return s;
}

Tail tail_of(std::vector<std::int64_t> ns) {
  Tail t;
  t.n = ns.size();
  if (ns.empty()) return t;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(ns.size()))) - 1;
    return static_cast<double>(ns[std::min(i, ns.size() - 1)]) / 1000.0;
  };
  t.p50_us = at(0.50);
  t.p99_us = at(0.99);
  return t;
}

std::string format_number(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void Results::add(const std::vector<std::string>& fields) const {
  if (path_.empty()) return;
  std::FILE* out = std::fopen(path_.c_str(), "a");
  if (out == nullptr) die("cannot append to " + path_);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::fprintf(out, "%s%s", i == 0 ? "" : "\t", fields[i].c_str());
  }
  std::fputc('\n', out);
  std::fclose(out);
}

void Results::add(const std::string& kind, const std::vector<std::string>& keys,
                  const Summary& s) const {
  std::vector<std::string> fields{kind};
  fields.insert(fields.end(), keys.begin(), keys.end());
  fields.push_back(std::to_string(s.n));
  fields.push_back(format_number(s.median_us, 1));
  fields.push_back(format_number(s.p90_us, 1));
  add(fields);
}

}  // namespace sshotp::bench
