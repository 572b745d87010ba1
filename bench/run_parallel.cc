// SPDX-License-Identifier: BSD-3-Clause
// Parallelism: P worker processes (forked, as sshd forks one per connection) verify distinct
// users at the same time, one call per user, all released at once. Afterwards every success is
// checked against the stored state: a success whose use is not recorded is a lost update, i.e.
// a code that could be used again.
#include <security/pam_appl.h>
#include <sys/mman.h>

#include <cstdio>
#include <cstring>
#include <map>

#include "bench/bench_users.h"
#include "bench/fake_clock.h"
#include "bench/pam_call.h"
#include "bench/phases.h"
#include "bench/workers.h"

namespace sshotp::bench {
namespace {

// Per user: the PAM code its call returned, or kNotTried (PAM codes are all below 255).
constexpr unsigned char kNotTried = 255;

struct Tally {
  std::size_t successes = 0;
  std::size_t failures = 0;
  std::size_t lost = 0;
  double seconds = 0;
  std::string failure_codes;  // "rc×count" for each PAM code other than success
};

Tally race(Anchor& anchor, int workers, std::size_t calls, std::int64_t unix_time) {
  std::vector<std::string> users;
  std::vector<std::string> codes;
  for (std::size_t u = 0; u < calls; ++u) {
    users.push_back(user_name(u));
    codes.push_back(code_for(u, unix_time));
  }
  // One byte per user, shared with the workers.
  void* shared = mmap(nullptr, calls, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) die("mmap");
  auto* outcome = static_cast<unsigned char*>(shared);
  std::memset(outcome, kNotTried, calls);
  set_fake_time(unix_time);
  const double seconds = run_released_workers(workers, [&](int w) {
    for (std::size_t u = static_cast<std::size_t>(w); u < calls;
         u += static_cast<std::size_t>(workers)) {
      const PamCallResult r = timed_pam_call(
          PamCall{anchor.confdir().c_str(), Anchor::kService, users[u].c_str(), codes[u].c_str()});
      outcome[u] = static_cast<unsigned char>(r.rc);
    }
  });
  Tally tally;
  tally.seconds = seconds;
  std::map<int, std::size_t> refusals;
  for (std::size_t u = 0; u < calls; ++u) {
    if (outcome[u] == PAM_SUCCESS) {
      ++tally.successes;
      if (!anchor.recorded(u, unix_time)) ++tally.lost;
    } else {
      ++tally.failures;  // refused, or the worker died before trying
      ++refusals[outcome[u]];
    }
  }
  for (const auto& [rc, count] : refusals) {
    tally.failure_codes += " " + (rc == kNotTried ? std::string("not-tried") : std::to_string(rc)) +
                           "×" + std::to_string(count);
  }
  munmap(shared, calls);
  return tally;
}

}  // namespace

void run_parallel(const Context& ctx, const std::vector<int>& workers, std::size_t calls) {
  std::printf("\nparallel: %zu calls, each a distinct user\n", calls);
  std::printf("%-22s %3s %12s %10s %9s %5s %8s\n", "module", "P", "successes/s", "successes",
              "failures", "lost", "seconds");
  for (int p : workers) {
    const std::string dir = ctx.work + "/parallel-" + std::to_string(p);
    make_private_dir(dir);
    std::vector<std::unique_ptr<Anchor>> anchors;
    anchors.push_back(make_sshotp_anchor(dir + "/sshotp", ctx.module));
    anchors.push_back(make_google_authenticator_anchor(dir + "/ga"));
    anchors.push_back(make_oath_anchor(dir + "/oath"));
    for (auto& anchor : anchors) {
      anchor->enroll(0, calls);
      const Tally t = race(*anchor, p, calls, next_round_time());
      const double rate = t.seconds > 0 ? static_cast<double>(t.successes) / t.seconds : 0;
      std::printf("%-22s %3d %12.1f %10zu %9zu %5zu %8.2f\n", anchor->name().c_str(), p, rate,
                  t.successes, t.failures, t.lost, t.seconds);
      std::fflush(stdout);
      ctx.results.add({"parallel", anchor->name(), std::to_string(p), std::to_string(calls),
                       std::to_string(t.successes), std::to_string(t.failures),
                       std::to_string(t.lost), format_number(t.seconds, 3),
                       format_number(rate, 1)});
      // Our module must not lose a login or an update; the others are measured, not judged.
      if (anchor->name() == "pam_sshotp" && (t.failures != 0 || t.lost != 0)) {
        report_failure("pam_sshotp at P=" + std::to_string(p) + ": " + std::to_string(t.failures) +
                       " failures (PAM codes" + t.failure_codes + "), " + std::to_string(t.lost) +
                       " lost updates");
      }
    }
  }
}

}  // namespace sshotp::bench
