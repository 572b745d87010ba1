// SPDX-License-Identifier: BSD-3-Clause
// Keeping a root sshotp-enroll out of cgroups its caller controls. Blocked signals and a real
// uid of 0 (privilege.h) stop kill(2) and SIGSTOP, but not cgroup controllers: on a systemd host
// every user owns a delegated cgroup subtree (user@UID.service), and a process frozen there
// (cgroup.freeze, v1 freezer.state), throttled (cpu.max, io.max, blkio) or hung in a memory
// cgroup with the OOM killer disabled while it holds the store's write lock (or a long read
// snapshot, which blocks WAL checkpoints) makes every login wait out busy_timeout_ms and fail,
// for as long as the user likes. So at the start of every outermost Elevated scope the process
// checks every hierarchy with a real controller (cgroup v2, and every v1 hierarchy but the
// controller-less name= ones) and moves itself into a root-owned leaf `sshotp-enroll` right
// under the hierarchy's root when its cgroup, or any ancestor, or any file in one, is the
// caller's; when the scope ends it moves back (the caller's limits, TasksMax and session
// tracking apply to it again while it acts as them). See "SECURITY MODEL" in sshotp-enroll(8)
// for why this and not a root daemon, and for the residual risk of systemd's
// AttachProcessesToUnit (cgroup_guard.cc).
//
// The parsing and the decision are pure (text in, verdict out, file metadata through
// callbacks), so tests/unit/test_cgroup_guard.cc checks them on sample /proc texts.
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

// A hierarchy that can stall the process, located in this mount namespace.
struct Placement {
  std::string name;      // "cgroup2", "freezer", "cpu,cpuacct": for messages
  std::string top;       // the hierarchy's visible root directory (its mount point)
  std::string relative;  // the current cgroup below `top`: "" or "/a/b"
};
struct Located {
  std::vector<Placement> placements;
  std::vector<std::string> problems;  // hierarchies that matter but cannot be verified
};
// A hierarchy not mounted here is left out only while the process is in its root cgroup:
// hierarchies are global, so a cgroup below the root may be the caller's through a mount
// outside this chroot or mount namespace, and is reported as a problem.
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
// The names in a directory, without "." and ".."; nullopt when it cannot be read.
using List = std::function<std::optional<std::vector<std::string>>(const std::string& dir)>;

// Why the caller (anyone but root) could stall or move the process in `placement`: a directory
// from the current cgroup up to `top` that is not root's, is writable by group or others, or is
// not a directory; or any file in one that is not a regular file owned by root and writable by
// root alone. Every file, not a list of known ones: controllers gain files (memory.high,
// io.max, cpu.idle) and any of them handed to the caller may stall us. Subdirectories are child
// cgroups, which act on their own members only. nullopt: safe.
std::optional<std::string> why_unsafe(const Placement& placement, const Inspect& inspect,
                                      const List& list);

// The leaf a process is moved to: `sshotp-enroll` right under the hierarchy's visible root.
std::string refuge(const Placement& placement);

// Checks the real process and moves it where needed; nullopt when it is now safe, else the
// reason to refuse to run. The cgroup.procs of each cgroup it left is appended to `origins`,
// for return_to_origins(). Needs an effective uid of 0; allocates, so not async-signal-safe.
std::optional<std::string> escape_caller_cgroups(std::vector<std::string>& origins);

// Best effort, while still root: back into the cgroups escape_caller_cgroups() left (the
// caller's limits and session apply to the process again), then `origins` is cleared. A cgroup
// that vanished or no longer takes processes leaves the process in the refuge: harmless.
void return_to_origins(std::vector<std::string>& origins) noexcept;

}  // namespace sshotp::cli::cgroup
