// SPDX-License-Identifier: BSD-3-Clause
// Cross-host contention: processes taking turns between the fleet's hosts (two configs, one key,
// one database) log in as a few hot users at once. Every process tries, step after step, the
// right code of the step for each "accept" user, so all but one of the tries of a step must be
// refused as replays; and a wrong code for one of the "failure" users, which nobody ever logs in
// as successfully, so every refusal must show in its stored failure count. Afterwards: double
// accepts (a step accepted twice, by the driver's count; bench/fleet.sh checks the committed
// consumes from the database's own record) and lost updates (a failure count below the
// refusals the processes were given) must both be 0.
#include <security/pam_appl.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdio>

#include "bench/bench_users.h"
#include "bench/fake_clock.h"
#include "bench/fleet.h"
#include "bench/pam_call.h"
#include "bench/workers.h"

namespace sshotp::bench {
namespace {

// Out of the way of the latency phase's users (bench_accounts.cc knows ten million).
constexpr std::size_t kFirstHot = 9000000;
constexpr int kAcceptUsers = 4;
constexpr int kFailureUsers = 4;
// Below max_failures (100): a lockout would refuse without counting, and reset the count.
constexpr int kMostFailuresPerUser = 99;

std::size_t accept_user(int a) { return kFirstHot + static_cast<std::size_t>(a); }
std::size_t failure_user(int f) { return kFirstHot + 100 + static_cast<std::size_t>(f); }

// Counters shared with the processes, updated atomically; after them in the same mapping, the
// acceptances of each step and accept user (rounds × kAcceptUsers ints).
struct Shared {
  long refusals_accept;
  long refusals_failure[kFailureUsers];
  long unexpected;
};

int* per_step(Shared* s) { return reinterpret_cast<int*>(s + 1); }

void add(long& counter) { __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED); }
void add(int& counter) { __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED); }

int call(const Anchor& host, std::size_t user, const std::string& code) {
  const std::string name = user_name(user);
  return timed_pam_call(
             PamCall{host.confdir().c_str(), Anchor::kService, name.c_str(), code.c_str()})
      .rc;
}

void process(const Anchor& host, int i, int rounds, std::int64_t base, Shared* s) {
  for (int r = 0; r < rounds; ++r) {
    const std::int64_t t = base + static_cast<std::int64_t>(r) * kPeriod;
    set_fake_time(t);
    for (int k = 0; k < kAcceptUsers; ++k) {
      const int a = (i + k) % kAcceptUsers;  // the processes start on different users
      const int rc = call(host, accept_user(a), code_for(accept_user(a), t));
      if (rc == PAM_SUCCESS) {
        add(per_step(s)[r * kAcceptUsers + a]);
      } else if (rc == PAM_AUTH_ERR) {
        add(s->refusals_accept);
      } else {
        add(s->unexpected);
      }
    }
    const int f = (i + r) % kFailureUsers;
    const int rc = call(host, failure_user(f), wrong_code_for(failure_user(f), t));
    if (rc == PAM_AUTH_ERR) {
      add(s->refusals_failure[f]);
    } else {
      add(s->unexpected);
    }
  }
}

// One run: `processes` processes on the hot users for `rounds` steps, from their fresh state.
void contend(const Context& ctx, const std::vector<std::unique_ptr<Anchor>>& anchors, int processes,
             int rounds) {
  for (int a = 0; a < kAcceptUsers; ++a) anchors[0]->reset(accept_user(a));
  for (int f = 0; f < kFailureUsers; ++f) anchors[0]->reset(failure_user(f));
  const std::int64_t base = next_round_time();
  for (int r = 0; r < rounds; ++r) next_round_time();

  const std::size_t bytes =
      sizeof(Shared) + sizeof(int) * static_cast<std::size_t>(rounds * kAcceptUsers);
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) die("mmap");
  auto* s = static_cast<Shared*>(mem);  // zeroed by mmap
  const double seconds = run_released_workers(processes, [&](int i) {
    process(*anchors[static_cast<std::size_t>(i) % anchors.size()], i, rounds, base, s);
  });

  long accepts = 0;
  long double_accepts = 0;
  for (int i = 0; i < rounds * kAcceptUsers; ++i) {
    accepts += per_step(s)[i];
    if (per_step(s)[i] > 1) double_accepts += per_step(s)[i] - 1;
  }
  long refusals_failure = 0;
  long lost = 0;
  for (int f = 0; f < kFailureUsers; ++f) {
    refusals_failure += s->refusals_failure[f];
    const auto row = fleet_stored(*anchors[0], failure_user(f));
    const long stored = row ? static_cast<long>(row->lockout.failures) : 0;
    if (stored < s->refusals_failure[f]) lost += s->refusals_failure[f] - stored;
    if (stored > s->refusals_failure[f]) {
      report_failure("contention: " + user_name(failure_user(f)) + " has " +
                     std::to_string(stored) + " failures stored, " +
                     std::to_string(s->refusals_failure[f]) + " refusals given");
    }
  }
  const long calls = static_cast<long>(processes) * rounds * (kAcceptUsers + 1);
  const double rate = seconds > 0 ? static_cast<double>(calls) / seconds : 0;
  std::string names;
  for (const auto& anchor : anchors) names += (names.empty() ? "" : "+") + anchor->name();
  std::printf("\ncontention: %d processes over %s, %d steps, %d hot users accepting, %d failing\n",
              processes, names.c_str(), rounds, kAcceptUsers, kFailureUsers);
  std::printf(
      "  %ld calls in %.2f s (%.1f calls/s): %ld accepts, %ld replay refusals, %ld wrong-code"
      " refusals, %ld other results; double accepts %ld, lost failure counts %ld\n",
      calls, seconds, rate, accepts, s->refusals_accept, refusals_failure, s->unexpected,
      double_accepts, lost);
  ctx.results.add({"contention", names, std::to_string(processes), std::to_string(rounds),
                   std::to_string(calls), std::to_string(accepts), std::to_string(double_accepts),
                   std::to_string(s->refusals_accept), std::to_string(refusals_failure),
                   std::to_string(lost), std::to_string(s->unexpected), format_number(seconds, 3),
                   format_number(rate, 1)});
  if (double_accepts != 0 || lost != 0 || s->unexpected != 0) {
    report_failure("contention: " + std::to_string(double_accepts) + " double accepts, " +
                   std::to_string(lost) + " lost failure counts, " + std::to_string(s->unexpected) +
                   " unexpected results");
  }
  munmap(mem, bytes);
}

}  // namespace

void run_fleet_contention(const Context& ctx, const std::vector<FleetHost>& hosts,
                          const std::vector<int>& processes, int rounds) {
  if (hosts.empty()) die("contention needs at least one fleet host");
  const std::string dir = ctx.work + "/contention";
  make_private_dir(dir);
  // Two "hosts" at least: with one fleet host given, a second config of the same connection.
  std::vector<std::unique_ptr<Anchor>> anchors;
  for (std::size_t h = 0; h < std::max<std::size_t>(2, hosts.size()); ++h) {
    FleetHost host = hosts[h % hosts.size()];
    host.name = "host" + std::to_string(h + 1) + "-" + host.name;
    anchors.push_back(make_fleet_anchor(host, dir + "/" + host.name, ctx.module));
  }
  for (int p : processes) {
    // Fewer steps for more processes: each failure user must stay below max_failures.
    const int steps = std::min(rounds, kMostFailuresPerUser * kFailureUsers / p);
    if (steps < 1) die("contention: too many processes for max_failures");
    contend(ctx, anchors, p, steps);
  }
}

}  // namespace sshotp::bench
