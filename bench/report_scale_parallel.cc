// SPDX-License-Identifier: BSD-3-Clause
// The report's "Scale" and "Parallelism" sections: how a call's cost moves with the number of
// enrolled users (run_scale.cc) and with the number of processes verifying at once
// (run_parallel.cc). Both tables print their rows as the phases wrote them, in the phases'
// order, so a quick run's smaller N or fewer workers show up as fewer rows, not as gaps.
#include <cstdio>
#include <string>

#include "bench/report.h"

namespace sshotp::bench::report {

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

// Fields of a "parallel" row: module, P, calls, successes, failures, lost, seconds, successes/s.
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

}  // namespace sshotp::bench::report
