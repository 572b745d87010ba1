// SPDX-License-Identifier: BSD-3-Clause
// The report's "End to end" section: whole ssh logins through a real sshd (bench/e2e.sh), with
// pam_sshotp and with pam_permit, and the time sshd spent inside PAM in each
// (bench/pam_timing_shim.cc). Unlike the other phases, e2e.sh appends one row per login rather
// than a summary, so the medians are taken here; the module's share of a login
// (report_targets.cc) is computed from the same rows.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/report.h"

namespace sshotp::bench::report {
namespace {

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

}  // namespace

std::optional<Summary> e2e_summary(const Table& t, const std::string& variant,
                                   const std::string& kind, std::size_t field) {
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

}  // namespace sshotp::bench::report
