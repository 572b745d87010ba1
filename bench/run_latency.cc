// SPDX-License-Identifier: BSD-3-Clause
// Latency phases: warm (every call in this process), cold (every call in a fresh bench/pam-once
// process) and once (for callgrind). The unenrolled path is compared with the wrong one.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>

#include "bench/bench_users.h"
#include "bench/compare.h"
#include "bench/fake_clock.h"
#include "bench/phases.h"

namespace sshotp::bench {
namespace {

constexpr int kWarmupRounds = 3;

using Caller = std::function<std::int64_t(Anchor&, Path, std::int64_t)>;
using Samples = std::map<std::pair<std::string, Path>, std::vector<std::int64_t>>;

// The paths of each loop of rounds: one each, except that Path::unenrolled shares the rounds of
// Path::wrong when both are asked for (taking turns to go first), so that the two paths it is
// compared with meet the machine in the same moments.
std::vector<std::vector<Path>> round_groups(const std::vector<Path>& paths) {
  auto asked = [&](Path p) { return std::find(paths.begin(), paths.end(), p) != paths.end(); };
  const bool paired = asked(Path::wrong) && asked(Path::unenrolled);
  std::vector<std::vector<Path>> groups;
  for (Path path : paths) {
    if (paired && path == Path::unenrolled) continue;
    groups.push_back(paired && path == Path::wrong
                         ? std::vector<Path>{Path::wrong, Path::unenrolled}
                         : std::vector<Path>{path});
  }
  return groups;
}

// Is an unenrolled user refused "after the same work" as a wrong code? Printed and kept as a
// "compare" row (compare.h has its fields) for the report.
void compare_unenrolled(const Context& ctx, const std::string& kind, const std::string& label,
                        const Anchor& anchor, const Samples& samples) {
  const auto wrong = samples.find({anchor.name(), Path::wrong});
  const auto unenrolled = samples.find({anchor.name(), Path::unenrolled});
  if (wrong == samples.end() || unenrolled == samples.end()) return;
  const Comparison c = compare_samples(wrong->second, unenrolled->second);
  std::printf(
      "%s: unenrolled - wrong = %+.1f us of medians (95%% bootstrap CI %+.1f .. %+.1f), "
      "Mann-Whitney U = %.1f of %zu pairs, p = %.3f\n",
      anchor.name().c_str(), c.median_difference_us, c.ci_low_us, c.ci_high_us, c.u, c.n_a * c.n_b,
      c.p_value);
  ctx.results.add(comparison_row(kind + " " + label, anchor.name(), summarize(wrong->second),
                                 summarize(unenrolled->second), c));
}

// Rounds of one call per anchor, the order rotating each round; the first rounds are warm-up.
void interleave(const Context& ctx, const std::vector<Path>& paths, int iterations,
                const std::string& kind, const std::string& label, const Caller& call) {
  auto anchors = make_anchors(ctx, kind + "-" + label, true);
  std::printf("\n%s latency (%s), %d calls per cell, microseconds: median / p90\n", kind.c_str(),
              label.c_str(), iterations);
  std::printf("%-22s", "module");
  for (Path path : paths) std::printf(" %20s", path_name(path));
  std::printf("\n");
  Samples samples;
  for (const std::vector<Path>& group : round_groups(paths)) {
    for (int round = 0; round < kWarmupRounds + iterations; ++round) {
      const std::int64_t t = next_round_time();
      for (std::size_t g = 0; g < group.size(); ++g) {
        const Path path = group[(static_cast<std::size_t>(round) + g) % group.size()];
        for (std::size_t k = 0; k < anchors.size(); ++k) {
          Anchor& anchor = *anchors[(static_cast<std::size_t>(round) + k) % anchors.size()];
          if (!anchor.verifies_codes() && path != Path::success) continue;
          if (path == Path::unenrolled && !anchor.refuses_unenrolled_like_wrong()) continue;
          const std::int64_t ns = call(anchor, path, t);
          if (round >= kWarmupRounds) samples[{anchor.name(), path}].push_back(ns);
        }
      }
    }
  }
  for (const auto& anchor : anchors) {
    std::printf("%-22s", anchor->name().c_str());
    for (Path path : paths) {
      const auto found = samples.find({anchor->name(), path});
      if (found == samples.end()) {
        std::printf(" %20s", "-");
        continue;
      }
      const Summary s = summarize(found->second);
      std::printf(" %9.1f / %8.1f", s.median_us, s.p90_us);
      ctx.results.add(kind, {label, anchor->name(), path_name(path)}, s);
    }
    std::printf("\n");
  }
  for (const auto& anchor : anchors) {
    if (anchor->refuses_unenrolled_like_wrong())
      compare_unenrolled(ctx, kind, label, *anchor, samples);
  }
  std::fflush(stdout);
}

// Runs bench/pam-once for one call: the code goes in on stdin, "rc nanoseconds" comes back.
std::int64_t call_in_fresh_process(const Context& ctx, Anchor& anchor, Path path,
                                   std::int64_t unix_time) {
  prepare(anchor, 0, path, unix_time);
  const std::string user = user_for_path(0, path);
  const std::string code = code_for_path(0, path, unix_time);
  int to_child[2];
  int from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) die("pipe");
  const std::string when = std::to_string(unix_time);
  const pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    close(to_child[1]);
    close(from_child[0]);
    execl(ctx.pam_once.c_str(), "pam-once", anchor.confdir().c_str(), Anchor::kService,
          user.c_str(), when.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  const std::string line = code + "\n";
  (void)!write(to_child[1], line.data(), line.size());
  close(to_child[1]);
  char buf[128] = {};
  std::size_t got = 0;
  for (ssize_t n;
       got < sizeof buf - 1 && (n = read(from_child[0], buf + got, sizeof buf - 1 - got)) > 0;) {
    got += static_cast<std::size_t>(n);
  }
  close(from_child[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  int rc = -1;
  long long ns = 0;
  const int expected = anchor.verifies_codes() ? expected_rc(path) : 0;
  if (std::sscanf(buf, "%d %lld", &rc, &ns) != 2 || rc != expected) {
    report_failure("pam-once " + anchor.name() + " " + path_name(path) + " returned \"" +
                   std::string(buf, got) + "\", expected rc " + std::to_string(expected));
  }
  return ns;
}

}  // namespace

std::unique_ptr<Anchor> make_anchor(const Context& ctx, const std::string& subdir,
                                    const std::string& name) {
  const std::string dir = ctx.work + "/" + subdir;
  make_private_dir(dir);
  if (name == "pam_sshotp") return make_sshotp_anchor(dir + "/sshotp", ctx.module);
  if (name == "google-authenticator") return make_google_authenticator_anchor(dir + "/ga");
  if (name == "pam_oath") return make_oath_anchor(dir + "/oath");
  if (name == "pam_permit") return make_permit_anchor(dir + "/permit");
  die("no anchor named " + name);
}

std::vector<std::unique_ptr<Anchor>> make_anchors(const Context& ctx, const std::string& subdir,
                                                  bool with_permit) {
  std::vector<std::unique_ptr<Anchor>> anchors;
  for (const char* name : {"pam_sshotp", "google-authenticator", "pam_oath", "pam_permit"}) {
    if (!with_permit && std::string(name) == "pam_permit") continue;
    anchors.push_back(make_anchor(ctx, subdir, name));
    anchors.back()->enroll(0, 1);
  }
  return anchors;
}

void run_latency(const Context& ctx, const std::vector<Path>& paths, int iterations,
                 const std::string& label) {
  interleave(ctx, paths, iterations, "latency", label,
             [](Anchor& anchor, Path path, std::int64_t t) {
               return measure(anchor, 0, path, t).nanoseconds;
             });
}

void run_cold(const Context& ctx, const std::vector<Path>& paths, int iterations) {
  interleave(ctx, paths, iterations, "cold", "fresh-process",
             [&ctx](Anchor& anchor, Path path, std::int64_t t) {
               return call_in_fresh_process(ctx, anchor, path, t);
             });
}

void run_once(const Context& ctx, const std::string& name, Path path, int calls) {
  // Nothing but the measured calls may touch the disk: no resets, no replay's first use.
  if (path == Path::replay) die("once: replay would count the first use too");
  if (calls >= 100) die("once: 100 wrong codes would lock the user out (max_failures)");
  auto anchor = make_anchor(ctx, "once", name);
  anchor->enroll(0, 1);
  for (int i = 0; i < calls; ++i) measure(*anchor, 0, path, next_round_time(), false);
}

}  // namespace sshotp::bench
