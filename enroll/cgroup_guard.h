// SPDX-License-Identifier: BSD-3-Clause
// Keeping a root sshotp-enroll out of cgroups its caller controls. Blocked signals and a real
// uid of 0 (privilege.h) stop kill(2) and SIGSTOP, but not the cgroup freezer, nor cpu.max: on a
// systemd host every user owns a delegated cgroup subtree (user@UID.service), and a process
// frozen there while it holds the store's write lock (or a long read snapshot, which blocks WAL
// checkpoints) makes every login wait out busy_timeout_ms and fail, for as long as the user
// likes. So before anything touches the store the process checks every hierarchy that can
// freeze or throttle it (cgroup v2; v1 freezer and cpu), and moves itself into a root-owned leaf
// `sshotp-enroll` right under the hierarchy's root when its cgroup, or any ancestor, is the
// caller's. See "SECURITY MODEL" in sshotp-enroll(8) for why this and not a root daemon.
//
// The parsing and the decision are pure (text in, verdict out, file metadata through a
// callback), so tests/unit/test_cgroup_guard.cc checks them on sample /proc texts.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sshotp::cli::cgroup {

// One line of /proc/self/cgroup: "0::/path" (v2, unified) or "N:ctrl,ctrl:/path" (v1).
struct Membership {
  bool unified = false;
  std::vector<std::string> controllers;  // v1 only; "name=systemd" kept as it is
  std::string path;
};
std::vector<Membership> parse_memberships(std::string_view proc_self_cgroup);

// A cgroup or cgroup2 line of /proc/self/mountinfo; other file systems are left out.
struct Mount {
  bool unified = false;
  std::string root;         // field 4: the mounted subtree, relative to the cgroup namespace
  std::string mount_point;  // field 5, octal escapes (\040) decoded
  std::vector<std::string> super_options;  // after the separator: "rw", "freezer", "cpu", ...
};
std::vector<Mount> parse_mounts(std::string_view proc_self_mountinfo);

// A hierarchy that can freeze or throttle the process, located in this mount namespace.
struct Placement {
  std::string name;      // "cgroup2", "freezer", "cpu,cpuacct": for messages
  std::string top;       // the hierarchy's visible root directory (its mount point)
  std::string relative;  // the current cgroup below `top`: "" or "/a/b"
  std::vector<std::string> control_files;  // those that freeze, throttle or move a process
};
struct Located {
  std::vector<Placement> placements;
  std::vector<std::string> problems;  // hierarchies that matter but cannot be verified
};
// Hierarchies nobody mounted are left out: nothing on the host can freeze through them.
Located locate(std::span<const Membership> memberships, std::span<const Mount> mounts);

// What lstat(2) says about a path; exists = false for ENOENT.
struct Node {
  bool exists = false;
  bool directory = false;
  bool regular = false;
  uid_t uid = 0;
  mode_t mode = 0;
};
using Inspect = std::function<Node(const std::string& path)>;

// Why the caller (anyone but root) could freeze, throttle or move the process in `placement`:
// a directory from the current cgroup up to `top`, or a control file in one, that is not
// root's, is writable by group or others, or is not what it should be. nullopt: safe.
std::optional<std::string> why_unsafe(const Placement& placement, const Inspect& inspect);

// The leaf a process is moved to: `sshotp-enroll` right under the hierarchy's visible root.
std::string refuge(const Placement& placement);

// Checks the real process and moves it where needed; nullopt when it is now safe, else the
// reason to refuse to run. Needs an effective uid of 0; allocates, so not async-signal-safe.
std::optional<std::string> escape_caller_cgroups();

}  // namespace sshotp::cli::cgroup
