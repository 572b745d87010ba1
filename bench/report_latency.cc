// SPDX-License-Identifier: BSD-3-Clause
// The report's "Latency of one call" section: the per-module table of warm, no-fsync and cold
// medians with instructions and syncs per call, pam_sshotp's ratios to the two competitors, and
// the fsync probe. The probe closes the section because it is the floor under the success
// column: one durable write, which no module that survives a power cut can skip.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "bench/report.h"

namespace sshotp::bench::report {

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
  // Each row's title names its path; the pair says which rows of the results file it reads.
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

}  // namespace sshotp::bench::report
