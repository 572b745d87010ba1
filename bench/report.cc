// SPDX-License-Identifier: BSD-3-Clause
// `sshotp-bench report RESULTS`: turns the results file into the tables, ratios and target
// verdicts of docs/PERFORMANCE.md (markdown on stdout). Every number comes from the file; a cell
// that was not measured (a quick run, a phase that was skipped) says so instead of guessing.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench/compare.h"
#include "bench/phases.h"

namespace sshotp::bench {
namespace {

using Row = std::vector<std::string>;
constexpr const char* kUs = "pam_sshotp";
constexpr const char* kGa = "google-authenticator";
constexpr const char* kOath = "pam_oath";
constexpr const char* kPermit = "pam_permit";

class Table {
 public:
  explicit Table(const std::string& path) {
    std::ifstream in(path);
    if (!in) die("cannot read " + path);
    for (std::string line; std::getline(in, line);) {
      Row row;
      std::istringstream fields(line);
      for (std::string field; std::getline(fields, field, '\t');) row.push_back(field);
      if (!row.empty()) rows_.push_back(row);
    }
  }

  // The first row whose leading fields equal `key`.
  std::optional<Row> find(const Row& key) const {
    for (const Row& row : rows_) {
      if (row.size() >= key.size() && std::equal(key.begin(), key.end(), row.begin())) return row;
    }
    return std::nullopt;
  }
  std::vector<Row> all(const std::string& kind) const {
    std::vector<Row> out;
    for (const Row& row : rows_) {
      if (row[0] == kind) out.push_back(row);
    }
    return out;
  }
  // Field `index` of the row matching `key`, as a number.
  std::optional<double> number(const Row& key, std::size_t index) const {
    auto row = find(key);
    if (!row || row->size() <= index) return std::nullopt;
    return std::stod((*row)[index]);
  }

 private:
  std::vector<Row> rows_;
};

std::string fmt(std::optional<double> v, int decimals = 0) {
  return v ? format_number(*v, decimals) : "n/m";
}
std::string ms(std::optional<double> us) { return us ? format_number(*us / 1000, 2) : "n/m"; }
std::optional<double> ratio(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b == 0) return std::nullopt;
  return *a / *b;
}
std::string times(std::optional<double> r) { return r ? format_number(*r, 2) + "×" : "n/m"; }

// "median / p90" in ms of a latency-like row: fields median and p90 at `at` and `at + 1`.
std::string cell(const Table& t, const Row& key, std::size_t at) {
  auto median = t.number(key, at);
  auto p90 = t.number(key, at + 1);
  return median ? ms(median) + " / " + ms(p90) : "n/m";
}

std::optional<double> median_of(const Table& t, const std::string& label, const std::string& mod,
                                const std::string& path) {
  return t.number({"latency", label, mod, path}, 5);
}

struct Verdict {
  std::string target, measured, verdict, why;
};

// "## title", then a paragraph saying how to read the section.
void section(const char* title, const char* intro) { std::printf("## %s\n\n%s\n\n", title, intro); }

void print_latency(const Table& t) {
  section(
      "Latency of one call (ms, median / p90)",
      "One warm process; pam_start → pam_authenticate → pam_end per call; every call in a step of "
      "its own (fake clock), so every success is a first use that writes. *No fsync* = the same "
      "under eatmydata. *Cold* = each call in a fresh process (bench/pam-once), which loads the "
      "module and its libraries as each sshd connection does. Instructions per call from "
      "callgrind; durable syncs (fsync + fdatasync) per call from strace.");
  std::printf(
      "| module | success | success, no fsync | success, cold | wrong code | wrong, no fsync | "
      "wrong, cold | replayed code | instructions success / wrong | syncs success / wrong |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const char* mod : {kUs, kGa, kOath, kPermit}) {
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s |\n", mod,
                cell(t, {"latency", "fsync", mod, "success"}, 5).c_str(),
                cell(t, {"latency", "nosync", mod, "success"}, 5).c_str(),
                cell(t, {"cold", "fresh-process", mod, "success"}, 5).c_str(),
                cell(t, {"latency", "fsync", mod, "wrong"}, 5).c_str(),
                cell(t, {"latency", "nosync", mod, "wrong"}, 5).c_str(),
                cell(t, {"cold", "fresh-process", mod, "wrong"}, 5).c_str(),
                cell(t, {"latency", "fsync", mod, "replay"}, 5).c_str(),
                fmt(t.number({"ir", mod, "success"}, 3)).c_str(),
                fmt(t.number({"ir", mod, "wrong"}, 3)).c_str(),
                fmt(t.number({"syncs", mod, "success"}, 3), 1).c_str(),
                fmt(t.number({"syncs", mod, "wrong"}, 3), 1).c_str());
  }
  std::printf("\nRatios of pam_sshotp's medians (below 1 = pam_sshotp is faster):\n\n");
  std::printf("| path | vs google-authenticator | vs pam_oath |\n|---|---|---|\n");
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> paths = {
      {"success", {"latency", "fsync"}},
      {"success, no fsync", {"latency", "nosync"}},
      {"success, cold", {"cold", "fresh-process"}},
      {"wrong code", {"latency", "fsync"}},
      {"wrong code, no fsync", {"latency", "nosync"}},
      {"replayed code", {"latency", "fsync"}}};
  for (const auto& [title, source] : paths) {
    const std::string path = title.rfind("wrong", 0) == 0    ? "wrong"
                             : title.rfind("replay", 0) == 0 ? "replay"
                                                             : "success";
    auto us = t.number({source.first, source.second, kUs, path}, 5);
    std::printf("| %s | %s | %s |\n", title.c_str(),
                times(ratio(us, t.number({source.first, source.second, kGa, path}, 5))).c_str(),
                times(ratio(us, t.number({source.first, source.second, kOath, path}, 5))).c_str());
  }
  for (const char* path : {"success", "wrong"}) {
    std::printf(
        "| %s, instructions | %s | %s |\n", path,
        times(ratio(t.number({"ir", kUs, path}, 3), t.number({"ir", kGa, path}, 3))).c_str(),
        times(ratio(t.number({"ir", kUs, path}, 3), t.number({"ir", kOath, path}, 3))).c_str());
  }
  if (auto f = t.number({"fsync", "fdatasync-4k"}, 3)) {
    std::printf("\nOne 4 KiB write + fdatasync on this disk: %s ms median, %s ms p90.\n",
                ms(f).c_str(), ms(t.number({"fsync", "fdatasync-4k"}, 4)).c_str());
  }
  std::printf("\n");
}

void print_scale(const Table& t) {
  section("Scale: first and last of N enrolled users (ms, median / p90)",
          "google-authenticator keeps one file per user, so N does not enter its cost: not "
          "measured.");
  std::printf("| module | N | success, first | success, last | wrong, first | wrong, last |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const Row& p : t.all("provision")) {
    const std::string& mod = p[1];
    const std::string& n = p[2];
    std::printf("| %s | %s | %s | %s | %s | %s |\n", mod.c_str(), n.c_str(),
                cell(t, {"scale", mod, n, "first", "success"}, 6).c_str(),
                cell(t, {"scale", mod, n, "last", "success"}, 6).c_str(),
                cell(t, {"scale", mod, n, "first", "wrong"}, 6).c_str(),
                cell(t, {"scale", mod, n, "last", "wrong"}, 6).c_str());
  }
  std::printf(
      "\nEach N has its own store and usersfile; the sizes are interleaved call by call. "
      "Enrolling them (pam_sshotp: seal + put() in one transaction):\n\n");
  for (const Row& p : t.all("provision")) {
    std::printf("* %s: %s users in %s s\n", p[1].c_str(), p[3].c_str(), p[4].c_str());
  }
  std::printf("\n");
}

void print_parallel(const Table& t) {
  section(
      "Parallelism: P processes verifying distinct users at once",
      "Each call is a different user's first use; afterwards each success is checked in the "
      "stored state (pam_sshotp: last_step; google-authenticator: its DISALLOW_REUSE line; "
      "pam_oath: the user's last-OTP field). *Lost* = accepted, but not recorded: that code could "
      "be used again.");
  std::printf("| P | module | successes/s | successes | failures | lost updates | seconds |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Row& r : t.all("parallel")) {
    std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", r[2].c_str(), r[1].c_str(), r[8].c_str(),
                r[4].c_str(), r[5].c_str(), r[6].c_str(), r[7].c_str());
  }
  std::printf("\n");
}

// Microseconds in field `field` of the `kind` rows of `variant` (e2e_sample: whole logins;
// e2e_pam: sshd's time inside PAM, 2 = total, 3..5 = pam_start, pam_authenticate, pam_end).
std::optional<Summary> e2e_summary(const Table& t, const std::string& variant,
                                   const std::string& kind = "e2e_sample", std::size_t field = 2) {
  std::vector<std::int64_t> ns;
  for (const Row& r : t.all(kind)) {
    if (r[1] == variant && r.size() > field) {
      ns.push_back(static_cast<std::int64_t>(std::stod(r[field]) * 1000));
    }
  }
  if (ns.empty()) return std::nullopt;
  return summarize(ns);
}

std::optional<double> median_us(const std::optional<Summary>& s) {
  return s ? std::optional<double>(s->median_us) : std::nullopt;
}

// "total (start / authenticate / end)" of sshd's time inside PAM, medians in ms.
std::string pam_in_sshd(const Table& t, const std::string& variant) {
  auto total = e2e_summary(t, variant, "e2e_pam", 2);
  if (!total) return "n/m";
  std::string parts;
  for (std::size_t field = 3; field <= 5; ++field) {
    parts += (field == 3 ? "" : " / ") + ms(median_us(e2e_summary(t, variant, "e2e_pam", field)));
  }
  return ms(total->median_us) + " / " + ms(total->p90_us) + " (" + parts + ")";
}

void print_e2e(const Table& t) {
  std::printf("## End to end: ssh logins through a real sshd on 127.0.0.1\n\n");
  auto with = e2e_summary(t, kUs);
  auto without = e2e_summary(t, kPermit);
  if (!with || !without) {
    std::printf("Not measured in this run.\n\n");
    return;
  }
  std::printf(
      "publickey, then keyboard-interactive through PAM; the ssh client answers the prompt "
      "through SSH_ASKPASS; logins alternate between the two auth stacks. *PAM in sshd*: the time "
      "sshd spent inside pam_start, pam_authenticate and pam_end (its forked authentication "
      "child included), timed from inside sshd by bench/pam_timing_shim.cc, with the "
      "conversation (the client's answer) taken out.\n\n");
  std::printf(
      "| auth stack | logins | median (ms) | p90 (ms) | PAM in sshd, median / p90 (ms) "
      "(pam_start / pam_authenticate / pam_end medians) |\n|---|---|---|---|---|\n");
  std::printf("| pam_sshotp | %zu | %s | %s | %s |\n", with->n, ms(with->median_us).c_str(),
              ms(with->p90_us).c_str(), pam_in_sshd(t, kUs).c_str());
  std::printf("| pam_permit | %zu | %s | %s | %s |\n\n", without->n, ms(without->median_us).c_str(),
              ms(without->p90_us).c_str(), pam_in_sshd(t, kPermit).c_str());
}

Verdict ratio_target(const std::string& title, std::optional<double> r, double limit,
                     const std::string& why_missed) {
  if (!r) return {title, "n/m", "not measured", ""};
  const bool met = *r <= limit;
  return {title, times(r), met ? "met" : "missed", met ? "" : why_missed};
}

std::string sync_story(const Table& t, const std::string& path) {
  auto f = t.number({"fsync", "fdatasync-4k"}, 3);
  std::ostringstream why;
  why << "durable syncs per call: pam_sshotp " << fmt(t.number({"syncs", kUs, path}, 3), 1)
      << ", google-authenticator " << fmt(t.number({"syncs", kGa, path}, 3), 1)
      << "; one fdatasync here: " << ms(f) << " ms; without fsync the ratio is "
      << times(ratio(median_of(t, "nosync", kUs, path), median_of(t, "nosync", kGa, path)))
      << "; instructions ratio "
      << times(ratio(t.number({"ir", kUs, path}, 3), t.number({"ir", kGa, path}, 3)));
  return why.str();
}

Verdict scale_target(const Table& t) {
  std::vector<long> sizes;
  for (const Row& p : t.all("provision")) {
    if (p[1] == kUs) sizes.push_back(std::stol(p[2]));
  }
  if (sizes.size() < 2) return {"1M users ≤ 1.2× the cost at 1k", "n/m", "not measured", ""};
  const std::string small = std::to_string(sizes.front());
  const std::string large = std::to_string(sizes.back());
  std::optional<double> worst;
  std::ostringstream measured;
  for (const char* path : {"success", "wrong"}) {
    measured << path << ":";
    for (const char* which : {"first", "last"}) {
      auto r = ratio(t.number({"scale", kUs, large, which, path}, 6),
                     t.number({"scale", kUs, small, which, path}, 6));
      if (r && (!worst || *r > *worst)) worst = r;
      measured << " " << which << " " << times(r);
    }
    measured << "; ";
  }
  const bool full = sizes.front() == 1000 && sizes.back() == 1000000;
  const std::string title = "1M users ≤ 1.2× the cost at 1k";
  const std::string what = measured.str() + "medians at N=" + large + " over N=" + small;
  if (!worst) return {title, what, "not measured", ""};
  if (!full) return {title, what, "not measured at 1M", "a quick run uses small N"};
  return {title, what, *worst <= 1.2 ? "met" : "missed",
          *worst <= 1.2 ? "" : "see the scale table: the larger store costs more per login"};
}

// "P=1 → P=8: pam_sshotp ×a, google-authenticator ×b": how each one's throughput grew.
std::string scaling_story(const Table& t) {
  std::ostringstream story;
  story << "P=1 → P=8 throughput:";
  for (const char* mod : {kUs, kGa}) {
    auto one = t.find({"parallel", mod, "1"});
    auto eight = t.find({"parallel", mod, "8"});
    auto growth = one && eight ? ratio(std::stod((*eight)[8]), std::stod((*one)[8])) : std::nullopt;
    story << " " << mod << " " << times(growth) << (std::string(mod) == kUs ? "," : "");
  }
  return story.str();
}

Verdict parallel_target(const Table& t) {
  const std::string title = "P=8: successes/s ≥ 2× google-authenticator, 0 failures, 0 lost";
  auto us = t.find({"parallel", kUs, "8"});
  auto ga = t.find({"parallel", kGa, "8"});
  if (!us || !ga) return {title, "n/m", "not measured", ""};
  auto r = ratio(std::stod((*us)[8]), std::stod((*ga)[8]));
  const bool clean = (*us)[5] == "0" && (*us)[6] == "0";
  std::ostringstream measured;
  measured << (*us)[8] << " vs " << (*ga)[8] << "/s = " << times(r) << ", failures " << (*us)[5]
           << ", lost " << (*us)[6];
  const bool met = clean && r && *r >= 2.0;
  std::string why;
  if (!met) {
    why = clean ? scaling_story(t) + "; pam_sshotp makes " +
                      fmt(t.number({"syncs", kUs, "success"}, 3), 1) + " syncs and " +
                      times(ratio(t.number({"ir", kUs, "success"}, 3),
                                  t.number({"ir", kGa, "success"}, 3))) +
                      " google-authenticator's instructions per success (see Findings)"
                : "pam_sshotp failed or lost updates under concurrency: a bug";
  }
  return {title, measured.str(), met ? "met" : "missed", why};
}

// The module's share of a login: what sshd spends inside PAM with pam_sshotp beyond what it
// spends with pam_permit, over the median login. The fresh-process cold call (bench/pam-once)
// is shown beside it: it loads libcrypto too, which sshd has already loaded, so it overstates.
Verdict share_target(const Table& t) {
  const std::string title = "module's share of an sshd login < 1%";
  auto login = e2e_summary(t, kUs);
  auto in_sshd = median_us(e2e_summary(t, kUs, "e2e_pam"));
  auto permit_in_sshd = median_us(e2e_summary(t, kPermit, "e2e_pam"));
  auto cold = t.number({"cold", "fresh-process", kUs, "success"}, 5);
  auto permit_cold = t.number({"cold", "fresh-process", kPermit, "success"}, 5);
  if (!login || !in_sshd || !permit_in_sshd) return {title, "n/m", "not measured", ""};
  const double module_us = *in_sshd - *permit_in_sshd;
  const double share = module_us / login->median_us;
  std::ostringstream measured;
  measured << format_number(share * 100, 2) << "% (PAM time in sshd " << ms(module_us)
           << " ms beyond pam_permit's, login " << ms(login->median_us) << " ms)";
  if (cold) {
    const double cold_us = *cold - permit_cold.value_or(0);
    measured << "; as a fresh-process cold call: "
             << format_number(cold_us / login->median_us * 100, 2) << "% (" << ms(cold_us)
             << " ms)";
  }
  // The floor is stated whether or not the target is met: it says how much of the share is the
  // disk's, which no code change can remove.
  std::ostringstream why;
  auto f = t.number({"fsync", "fdatasync-4k"}, 3);
  if (!f) {
    why << "the floor, one fdatasync, was not measured in this run";
  } else {
    const double floor = *f / login->median_us;
    why << "the floor, one fdatasync (" << ms(f) << " ms here), is "
        << format_number(floor * 100, 2) << "% of a login; pam_sshotp makes "
        << fmt(t.number({"syncs", kUs, "success"}, 3), 1)
        << " per success and loads SQLite and liboath into sshd"
        << (floor < 0.01 ? "" : "; below 1% needs a disk that syncs faster");
  }
  return {title, measured.str(), share < 0.01 ? "met" : "missed", why.str()};
}

void print_targets(const Table& t) {
  std::vector<Verdict> verdicts;
  verdicts.push_back(ratio_target(
      "success ≤ 0.8× google-authenticator",
      ratio(median_of(t, "fsync", kUs, "success"), median_of(t, "fsync", kGa, "success")), 0.8,
      sync_story(t, "success")));
  verdicts.push_back(
      ratio_target("wrong code ≤ 0.2× google-authenticator",
                   ratio(median_of(t, "fsync", kUs, "wrong"), median_of(t, "fsync", kGa, "wrong")),
                   0.2, sync_story(t, "wrong")));
  verdicts.push_back(scale_target(t));
  verdicts.push_back(parallel_target(t));
  verdicts.push_back(share_target(t));
  std::printf(
      "## Targets\n\n| target | measured | verdict | why (if missed) |\n|---|---|---|---|\n");
  for (const Verdict& v : verdicts) {
    std::printf("| %s | %s | **%s** | %s |\n", v.target.c_str(), v.measured.c_str(),
                v.verdict.c_str(), v.why.c_str());
  }
  std::printf("\n");
}

}  // namespace

int run_report(const std::string& results_path) {
  const Table t(results_path);
  print_targets(t);
  print_latency(t);
  print_unenrolled_section(t.all("compare"));
  std::printf("Instructions per call (callgrind), pam_sshotp: wrong code %s, unenrolled %s.\n\n",
              fmt(t.number({"ir", kUs, "wrong"}, 3)).c_str(),
              fmt(t.number({"ir", kUs, "unenrolled"}, 3)).c_str());
  print_scale(t);
  print_parallel(t);
  print_e2e(t);
  return 0;
}

}  // namespace sshotp::bench
