// SPDX-License-Identifier: BSD-3-Clause
// The benchmark's phases. Each builds fresh anchors in its own subdirectory of the work
// directory, interleaves the modules call by call (so a disk hiccup hits all of them alike),
// prints a table and appends its results.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "bench/anchor.h"
#include "bench/measure.h"
#include "bench/results.h"

namespace sshotp::bench {

struct Context {
  std::string work;      // private directory for the anchors' state (on the disk under test)
  std::string module;    // the built pam_sshotp.so
  std::string pam_once;  // the built bench/pam-once, for the cold runs
  Results results{""};
};

// One anchor by name (pam_sshotp, google-authenticator, pam_oath, pam_permit), in work/subdir.
std::unique_ptr<Anchor> make_anchor(const Context& ctx, const std::string& subdir,
                                    const std::string& name);
// All of them (pam_permit optional), each with user 0 enrolled.
std::vector<std::unique_ptr<Anchor>> make_anchors(const Context& ctx, const std::string& subdir,
                                                  bool with_permit);

// Median and p90 per anchor and path, in one warm process (`label` names the variant, e.g.
// "fsync" or "nosync" when run under eatmydata).
void run_latency(const Context& ctx, const std::vector<Path>& paths, int iterations,
                 const std::string& label);
// The same, but every call in a fresh process (bench/pam-once), as each sshd connection is.
void run_cold(const Context& ctx, const std::vector<Path>& paths, int iterations);
// `calls` calls of one anchor and path; bench/run.sh runs it under callgrind and strace with two
// call counts and takes the difference, so set-up and warm-up cancel out.
void run_once(const Context& ctx, const std::string& anchor, Path path, int calls);
// First and last of N enrolled users, for each N in `sizes` (pam_sshotp and pam_oath).
void run_scale(const Context& ctx, const std::vector<std::size_t>& sizes, int iterations);
// P processes verifying distinct users at once: throughput, failures, lost updates.
void run_parallel(const Context& ctx, const std::vector<int>& workers, std::size_t calls);
// The cost of one 4 KiB write + fdatasync on the work directory's disk.
void run_fsync_probe(const Context& ctx, int iterations);
// Markdown tables, ratios and targets from a results file; returns the exit status.
int run_report(const std::string& results_path);

}  // namespace sshotp::bench
