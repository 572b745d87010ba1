// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-bench report RESULTS`: turns the results file into the tables, ratios and target
// verdicts of docs/PERFORMANCE.md (markdown on stdout). Every number comes from the file; a cell
// that was not measured (a quick run, a phase that was skipped) says so instead of guessing.
// This file reads the file back, formats the cells and sets the order of the sections; each
// section is printed by the file named after it (report.h). What the figures mean is written up
// by hand in bench/FINDINGS.md, not here: the report prints only what one run measured.
#include "bench/report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "bench/compare.h"
#include "bench/phases.h"

namespace sshotp::bench {
namespace report {

Table::Table(const std::string& path) {
  std::ifstream in(path);
  if (!in) die("cannot read " + path);
  for (std::string line; std::getline(in, line);) {
    Row row;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, '\t');) row.push_back(field);
    if (!row.empty()) rows_.push_back(row);
  }
}

std::optional<Row> Table::find(const Row& key) const {
  for (const Row& row : rows_) {
    if (row.size() >= key.size() && std::equal(key.begin(), key.end(), row.begin())) return row;
  }
  return std::nullopt;
}

std::vector<Row> Table::all(const std::string& kind) const {
  std::vector<Row> out;
  for (const Row& row : rows_) {
    if (row[0] == kind) out.push_back(row);
  }
  return out;
}

std::optional<double> Table::number(const Row& key, std::size_t index) const {
  auto row = find(key);
  if (!row || row->size() <= index) return std::nullopt;
  return std::stod((*row)[index]);
}

std::string fmt(std::optional<double> v, int decimals) {
  return v ? format_number(*v, decimals) : "n/m";
}
std::string ms(std::optional<double> us) { return us ? format_number(*us / 1000, 2) : "n/m"; }
std::optional<double> ratio(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b == 0) return std::nullopt;
  return *a / *b;
}
std::string times(std::optional<double> r) { return r ? format_number(*r, 2) + "×" : "n/m"; }

std::string cell(const Table& t, const Row& key, std::size_t at) {
  auto median = t.number(key, at);
  auto p90 = t.number(key, at + 1);
  return median ? ms(median) + " / " + ms(p90) : "n/m";
}

std::optional<double> median_of(const Table& t, const std::string& label, const std::string& mod,
                                const std::string& path) {
  return t.number({"latency", label, mod, path}, 5);
}

void section(const char* title, const char* intro) { std::printf("## %s\n\n%s\n\n", title, intro); }

}  // namespace report

int run_report(const std::string& results_path) {
  using namespace report;
  const Table t(results_path);
  // The verdicts first, then the tables they are drawn from: one call, then many users, many
  // processes, and whole logins through sshd.
  print_targets(t);
  print_latency(t);
  print_unenrolled_section(t.all("compare"));
  std::printf("Instructions per call (callgrind), pam_sshotp: wrong code %s, unenrolled %s.\n\n",
              fmt(t.number({"ir", kUs, "wrong"}, 3)).c_str(),
              fmt(t.number({"ir", kUs, "unenrolled"}, 3)).c_str());
  print_scale(t);
  print_parallel(t);
  print_e2e(t);
  print_fleet(t);
  return 0;
}

}  // namespace sshotp::bench
