// SPDX-License-Identifier: BSD-3-Clause
// Fleet latency: the SQLite host and each fleet host (PostgreSQL direct over TLS, through
// PgBouncer) at each size and each P. P forked workers (one per sshd connection being served)
// run their share of the calls, each call a success for one user and a wrong code for another,
// taking turns to go first, so both paths meet the machine in the same moments. Every call is
// timed on its own (p50, p99); calls/s is all calls over the wall time of the whole run.
#include <security/pam_appl.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <numeric>

#include "bench/bench_users.h"
#include "bench/fake_clock.h"
#include "bench/fleet.h"
#include "bench/pam_call.h"
#include "bench/workers.h"

namespace sshotp::bench {
namespace {

constexpr std::size_t kWarmupPerWorker = 1;  // each worker's first calls load the module

// One call's outcome, shared with the workers.
struct Slot {
  std::int64_t success_ns;
  std::int64_t wrong_ns;
  int success_rc;
  int wrong_rc;
};

// Which users call k uses: users are paired (2v succeeds, 2v+1 gets a wrong code, so no success
// ever finds failures to reset), v spread over the whole table by a stride, and worker k % P
// only ever sees the v with v % P == k % P: no two workers share a user, and each user's steps
// only grow. `pass` is how many times the calls have wrapped around the users.
struct Plan {
  std::size_t users;   // H: pairs in use, a multiple of P
  std::size_t stride;  // S: = 1 mod P, coprime with H (so slot -> v is one-to-one)
  std::size_t v(std::size_t k) const { return (k % users) * stride % users; }
  std::size_t pass(std::size_t k) const { return k / users; }
};

Plan plan_for(std::size_t enrolled, int workers) {
  const auto p = static_cast<std::size_t>(workers);
  Plan plan{enrolled / 2 / p * p, 1};
  if (plan.users == 0) die("fleet: too few users for " + std::to_string(workers) + " workers");
  for (std::size_t s = 1 + p * 7919; plan.stride == 1; s += p) {
    if (std::gcd(s, plan.users) == 1) plan.stride = s % plan.users;
  }
  return plan;
}

double seconds_between(const timespec& a, const timespec& b) {
  return static_cast<double>(b.tv_sec - a.tv_sec) +
         static_cast<double>(b.tv_nsec - a.tv_nsec) / 1e9;
}

void worker(const Anchor& anchor, const Plan& plan, std::size_t calls, int workers, int w,
            std::int64_t base, Slot* slots) {
  for (std::size_t k = static_cast<std::size_t>(w); k < calls;
       k += static_cast<std::size_t>(workers)) {
    const std::size_t good = 2 * plan.v(k);
    const std::size_t bad = good + 1;
    const std::int64_t t = base + static_cast<std::int64_t>(plan.pass(k) * kPeriod);
    set_fake_time(t);
    const std::string good_user = user_name(good);
    const std::string bad_user = user_name(bad);
    const std::string good_code = code_for(good, t);
    const std::string bad_code = wrong_code_for(bad, t);
    const PamCall success{anchor.confdir().c_str(), Anchor::kService, good_user.c_str(),
                          good_code.c_str()};
    const PamCall wrong{anchor.confdir().c_str(), Anchor::kService, bad_user.c_str(),
                        bad_code.c_str()};
    PamCallResult s;
    PamCallResult f;
    if (k % 2 == 0) {
      s = timed_pam_call(success);
      f = timed_pam_call(wrong);
    } else {
      f = timed_pam_call(wrong);
      s = timed_pam_call(success);
    }
    slots[k] = Slot{s.nanoseconds, f.nanoseconds, s.rc, f.rc};
  }
}

void measure_host(const Context& ctx, Anchor& anchor, std::size_t enrolled, int workers,
                  std::size_t calls) {
  const Plan plan = plan_for(enrolled, workers);
  // The steps of this run come after every step used before, for every user.
  std::int64_t base = next_round_time();
  for (std::size_t pass = 0; pass <= plan.pass(calls); ++pass) next_round_time();
  void* shared = mmap(nullptr, calls * sizeof(Slot), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) die("mmap");
  auto* slots = static_cast<Slot*>(shared);
  std::fill(slots, slots + calls, Slot{0, 0, -1, -1});
  const double seconds = run_released_workers(
      workers, [&](int w) { worker(anchor, plan, calls, workers, w, base, slots); });
  std::vector<std::int64_t> success;
  std::vector<std::int64_t> wrong;
  std::size_t bad = 0;
  for (std::size_t k = 0; k < calls; ++k) {
    if (slots[k].success_rc != PAM_SUCCESS || slots[k].wrong_rc != PAM_AUTH_ERR) {
      if (++bad <= 3) {
        report_failure(anchor.name() + " at P=" + std::to_string(workers) + ", call " +
                       std::to_string(k) + ": success returned " +
                       std::to_string(slots[k].success_rc) + ", wrong returned " +
                       std::to_string(slots[k].wrong_rc));
      }
    }
    if (k / static_cast<std::size_t>(workers) < kWarmupPerWorker) continue;
    success.push_back(slots[k].success_ns);
    wrong.push_back(slots[k].wrong_ns);
  }
  munmap(shared, calls * sizeof(Slot));
  if (bad > 3) report_failure(anchor.name() + ": " + std::to_string(bad) + " bad calls in all");
  const double rate = seconds > 0 ? static_cast<double>(2 * calls) / seconds : 0;
  for (const auto& [path, samples] : {std::pair{"success", &success}, std::pair{"wrong", &wrong}}) {
    const Tail t = tail_of(*samples);
    std::printf("%-12s %8zu %3d %-8s %6zu %10.2f %10.2f %10.1f\n", anchor.name().c_str(), enrolled,
                workers, path, t.n, t.p50_us / 1000, t.p99_us / 1000, rate);
    ctx.results.add({"fleet", anchor.name(), std::to_string(enrolled), std::to_string(workers),
                     path, std::to_string(t.n), format_number(t.p50_us, 1),
                     format_number(t.p99_us, 1), format_number(rate, 1),
                     format_number(seconds, 3)});
  }
  std::fflush(stdout);
}

}  // namespace

void run_fleet_latency(const Context& ctx, const std::vector<FleetHost>& hosts,
                       const std::vector<std::size_t>& sizes, const std::vector<int>& workers,
                       std::size_t calls) {
  const std::string dir = ctx.work + "/fleet";
  make_private_dir(dir);
  std::vector<std::unique_ptr<Anchor>> anchors;
  anchors.push_back(make_sshotp_anchor(dir + "/sqlite", ctx.module));
  for (const FleetHost& host : hosts) {
    anchors.push_back(make_fleet_anchor(host, dir + "/" + host.name, ctx.module));
  }
  std::printf("\nfleet latency: %zu calls of each path per cell, ms\n", calls);
  std::printf("%-12s %8s %3s %-8s %6s %10s %10s %10s\n", "host", "users", "P", "path", "n", "p50",
              "p99", "calls/s");
  std::size_t enrolled = 0;
  for (std::size_t size : sizes) {
    if (size <= enrolled) die("fleet: sizes must grow");
    // One SQLite store; one database for every fleet host (they all reach the same one).
    for (std::size_t a = 0; a < std::min<std::size_t>(anchors.size(), 2); ++a) {
      timespec start{};
      timespec end{};
      clock_gettime(CLOCK_MONOTONIC, &start);
      anchors[a]->enroll(enrolled, size);
      clock_gettime(CLOCK_MONOTONIC, &end);
      const double took = seconds_between(start, end);
      std::printf("(%s: enrolled users %zu..%zu in %.1f s)\n", a == 0 ? "sqlite" : "postgresql",
                  enrolled, size, took);
      ctx.results.add({"fleet_fill", a == 0 ? "sqlite" : "postgresql", std::to_string(enrolled),
                       std::to_string(size), format_number(took, 1)});
    }
    enrolled = size;
    for (int p : workers) {
      for (auto& anchor : anchors) measure_host(ctx, *anchor, enrolled, p, calls);
    }
  }
}

}  // namespace sshotp::bench
