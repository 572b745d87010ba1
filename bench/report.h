// SPDX-License-Identifier: BSD-3-Clause
// What the files of `sshotp-bench report` share: the results file read back as rows, the names
// of the four modules, and the cell formats every table uses. The report is split by what it
// prints (report.cc puts the sections in order; report_targets.cc, report_latency.cc,
// report_scale_parallel.cc and report_sshd.cc each print theirs), and all of them read the same
// rows and must write "n/m" for the same missing cells, so those live here and nowhere else.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "bench/results.h"

namespace sshotp::bench::report {

using Row = std::vector<std::string>;

// The module names as phases.h's anchors write them into the results file.
inline constexpr const char* kUs = "pam_sshotp";
inline constexpr const char* kGa = "google-authenticator";
inline constexpr const char* kOath = "pam_oath";
inline constexpr const char* kPermit = "pam_permit";

// A results file (results.h): one row of tab-separated fields per line, the kind first.
class Table {
 public:
  explicit Table(const std::string& path);

  // The first row whose leading fields equal `key`.
  std::optional<Row> find(const Row& key) const;
  std::vector<Row> all(const std::string& kind) const;
  // Field `index` of the row matching `key`, as a number.
  std::optional<double> number(const Row& key, std::size_t index) const;

 private:
  std::vector<Row> rows_;
};

// Every cell that was not measured (a quick run, a skipped phase) reads "n/m", never a guess.
std::string fmt(std::optional<double> v, int decimals = 0);
std::string ms(std::optional<double> us);  // microseconds shown as milliseconds
std::optional<double> ratio(std::optional<double> a, std::optional<double> b);
std::string times(std::optional<double> r);  // "1.23×"

// "median / p90" in ms of a latency-like row: fields median and p90 at `at` and `at + 1`.
std::string cell(const Table& t, const Row& key, std::size_t at);
// The warm median of one module and path in the latency variant `label` (fsync, nosync).
std::optional<double> median_of(const Table& t, const std::string& label, const std::string& mod,
                                const std::string& path);

// "## title", then a paragraph saying how to read the section.
void section(const char* title, const char* intro);

// The sshd logins of bench/e2e.sh (report_sshd.cc); also what the targets' share of a login is
// computed from. Microseconds in field `field` of the `kind` rows of `variant` (e2e_sample: whole
// logins; e2e_pam: sshd's time inside PAM, 2 = total, 3..5 = pam_start, pam_authenticate,
// pam_end).
std::optional<Summary> e2e_summary(const Table& t, const std::string& variant,
                                   const std::string& kind = "e2e_sample", std::size_t field = 2);
std::optional<double> median_us(const std::optional<Summary>& s);

// The sections, in the order report.cc prints them.
void print_targets(const Table& t);   // report_targets.cc
void print_latency(const Table& t);   // report_latency.cc
void print_scale(const Table& t);     // report_scale_parallel.cc
void print_parallel(const Table& t);  // report_scale_parallel.cc
void print_e2e(const Table& t);       // report_sshd.cc
void print_fleet(const Table& t);     // report_fleet.cc

}  // namespace sshotp::bench::report
