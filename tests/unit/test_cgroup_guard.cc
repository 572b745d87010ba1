// SPDX-License-Identifier: BSD-3-Clause
// The cgroup guard of sshotp-enroll (enroll/setuid/cgroup_guard.h) on sample /proc/self/cgroup and
// /proc/self/mountinfo texts: a systemd cgroup v2 host, a hybrid v1+v2 host (as the CI machine
// is), containers with a cgroup namespace or a bind-mounted subtree, and what cannot be
// verified; then the safety verdict on made-up file metadata. tests/cli/test_cgroup_freeze.sh
// freezes a real process.
#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "enroll/setuid/cgroup_guard.h"
// Last: cmocka defines macros (fail, skip) that clash with standard headers.
#include "tests/support/cmocka.h"

using namespace sshotp::cli::cgroup;

namespace {

constexpr std::string_view kHybridCgroup =
    "9:name=systemd:/\n8:pids:/\n6:freezer:/user/alice\n4:memory:/process_api/a0bd\n"
    "2:cpu,cpuacct:/user/alice/x\n1:cpuset:/\n0::/alice\n";
constexpr std::string_view kHybridMountinfo =
    "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "37 30 0:34 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n";

constexpr std::string_view kSystemdCgroup =
    "0::/user.slice/user-1000.slice/user@1000.service/app.slice/run-1.scope\n";
constexpr std::string_view kSystemdMountinfo =
    "24 1 0:21 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";

void test_parse_memberships(void**) {
  auto lines = parse_memberships(kHybridCgroup);
  assert_int_equal(lines.size(), 7);
  assert_false(lines[0].unified);
  assert_int_equal(lines[0].controllers.size(), 1);
  assert_string_equal(lines[0].controllers[0].c_str(), "name=systemd");
  assert_int_equal(lines[4].controllers.size(), 2);
  assert_string_equal(lines[4].controllers[1].c_str(), "cpuacct");
  assert_string_equal(lines[4].path.c_str(), "/user/alice/x");
  assert_true(lines[6].unified);
  assert_string_equal(lines[6].path.c_str(), "/alice");
  // A path may hold ':' (only the first two split); junk lines are skipped.
  lines = parse_memberships("0::/a:b\ngarbage\n\n3:freezer\n");
  assert_int_equal(lines.size(), 1);
  assert_string_equal(lines[0].path.c_str(), "/a:b");
}

void test_parse_mounts(void**) {
  auto mounts = parse_mounts(kHybridMountinfo);
  assert_int_equal(mounts.size(), 6);  // ext4 and tmpfs left out
  assert_string_equal(mounts[0].mount_point.c_str(), "/sys/fs/cgroup/cpu,cpuacct");
  assert_false(mounts[0].unified);
  assert_int_equal(mounts[0].super_options.size(), 3);
  assert_true(mounts[5].unified);
  assert_string_equal(mounts[5].root.c_str(), "/");
  // Optional fields of any number before "-"; octal escapes in the mount point.
  mounts = parse_mounts("5 1 0:3 / /my\\040cg rw shared:1 master:2 - cgroup2 none rw\n");
  assert_int_equal(mounts.size(), 1);
  assert_string_equal(mounts[0].mount_point.c_str(), "/my cg");
  assert_int_equal(parse_mounts("5 1 0:3 / /x rw shared:1 cgroup2 none rw\n").size(), 0);
}

void test_locate_hybrid(void**) {
  auto lines = parse_memberships(kHybridCgroup);
  auto mounts = parse_mounts(kHybridMountinfo);
  Located found = locate(lines, mounts);
  assert_int_equal(found.problems.size(), 0);
  // Every hierarchy with a controller (memory stalls a process too); name=systemd alone has
  // none, and pids is not mounted (its cgroup is the root: nothing to verify).
  assert_int_equal(found.placements.size(), 5);
  const char* const names[] = {"freezer", "memory", "cpu,cpuacct", "cpuset", "cgroup2"};
  for (std::size_t i = 0; i < 5; ++i) {
    assert_string_equal(found.placements[i].name.c_str(), names[i]);
  }
  const Placement& freezer = found.placements[0];
  assert_string_equal(freezer.top.c_str(), "/sys/fs/cgroup/freezer");
  assert_string_equal(freezer.relative.c_str(), "/user/alice");
  assert_string_equal(refuge(freezer).c_str(), "/sys/fs/cgroup/freezer/sshotp-enroll");
  assert_string_equal(found.placements[1].relative.c_str(), "/process_api/a0bd");
  assert_string_equal(found.placements[2].top.c_str(), "/sys/fs/cgroup/cpu,cpuacct");
  const Placement& unified = found.placements[4];
  assert_string_equal(unified.top.c_str(), "/sys/fs/cgroup/unified");
  assert_string_equal(unified.relative.c_str(), "/alice");
}

void test_locate_odd_hosts(void**) {
  // No cgroupfs mounted (a chroot, a mount namespace): hierarchies are global, so a cgroup
  // below a root may still be the caller's, and cannot be verified; root cgroups are fine.
  const auto no_cgroupfs = parse_mounts("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
  auto lines = parse_memberships(kHybridCgroup);
  Located found = locate(lines, no_cgroupfs);
  assert_int_equal(found.placements.size(), 0);
  assert_int_equal(found.problems.size(), 4);  // freezer, memory, cpu,cpuacct, cgroup2
  assert_non_null(std::strstr(found.problems[0].c_str(), "no mount of its hierarchy is visible"));
  lines = parse_memberships("9:name=systemd:/user/x\n3:memory:/\n0::/\n");
  found = locate(lines, no_cgroupfs);
  assert_int_equal(found.placements.size(), 0);
  assert_int_equal(found.problems.size(), 0);
  // A container with a cgroup namespace: its root is "/" in both texts.
  lines = parse_memberships("0::/\n");
  found = locate(lines, parse_mounts("9 8 0:30 / /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n"));
  assert_int_equal(found.placements.size(), 1);
  assert_string_equal(found.placements[0].relative.c_str(), "");
  // Without one: a subtree bind-mounted, whose root is a prefix of the path.
  lines = parse_memberships("0::/docker/abc/sub\n");
  found = locate(lines, parse_mounts("9 8 0:30 /docker/abc /sys/fs/cgroup ro - cgroup2 c rw\n"));
  assert_int_equal(found.placements.size(), 1);
  assert_string_equal(found.placements[0].top.c_str(), "/sys/fs/cgroup");
  assert_string_equal(found.placements[0].relative.c_str(), "/sub");
  // "/docker/abcdef" is not below "/docker/abc"; a mount of another subtree cannot be checked,
  // nor can a path above the cgroup namespace's root.
  lines = parse_memberships("0::/docker/abcdef\n");
  found = locate(lines, parse_mounts("9 8 0:30 /docker/abc /sys/fs/cgroup ro - cgroup2 c rw\n"));
  assert_int_equal(found.placements.size(), 0);
  assert_int_equal(found.problems.size(), 1);
  lines = parse_memberships("0::/../../user.slice\n");
  found = locate(lines, parse_mounts(kSystemdMountinfo));
  assert_int_equal(found.problems.size(), 1);
  // Of several mounts the one of the whole hierarchy wins.
  lines = parse_memberships(kSystemdCgroup);
  found = locate(lines, parse_mounts("9 8 0:21 /user.slice /mnt/u rw - cgroup2 c rw\n"
                                     "24 1 0:21 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"));
  assert_int_equal(found.placements.size(), 1);
  assert_string_equal(found.placements[0].top.c_str(), "/sys/fs/cgroup");
}

// Made-up metadata: every directory holds `files` and a child cgroup `child.slice`; all root's
// with mode 0755 (directories) and 0644 (files) unless overridden.
struct FakeTree {
  std::vector<std::string> files{"cgroup.procs", "cgroup.threads", "cgroup.freeze", "cpu.max",
                                 "cpu.idle",     "memory.high",    "io.max"};
  std::map<std::string, Node> overrides;
  std::vector<std::string> missing;
  std::vector<std::string> unreadable;
  Node operator()(const std::string& path) const {
    for (const auto& m : missing) {
      if (path == m) return Node{};
    }
    if (auto it = overrides.find(path); it != overrides.end()) return it->second;
    const std::string name = path.substr(path.rfind('/') + 1);
    const bool file = std::find(files.begin(), files.end(), name) != files.end();
    return Node{true, !file, file, 0, static_cast<mode_t>(file ? 0644 : 0755)};
  }
  std::optional<std::vector<std::string>> list(const std::string& dir) const {
    if (std::find(unreadable.begin(), unreadable.end(), dir) != unreadable.end()) {
      return std::nullopt;
    }
    auto names = files;
    names.emplace_back("child.slice");
    return names;
  }
};

std::optional<std::string> verdict(const Placement& placement, const FakeTree& tree) {
  return why_unsafe(placement, tree, [&](const std::string& dir) { return tree.list(dir); });
}

Placement systemd_placement() {
  auto lines = parse_memberships(kSystemdCgroup);
  Located found = locate(lines, parse_mounts(kSystemdMountinfo));
  assert_int_equal(found.placements.size(), 1);
  return found.placements[0];
}

void test_verdicts(void**) {
  const Placement placement = systemd_placement();
  const std::string service = "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service";
  const std::string scope = service + "/app.slice/run-1.scope";
  FakeTree tree;
  tree.missing = {"/sys/fs/cgroup/cgroup.freeze"};  // the root has none: fine
  assert_false(verdict(placement, tree).has_value());
  // systemd's delegation: the user owns the service's directory and its files.
  FakeTree delegated = tree;
  delegated.overrides[service] = Node{true, true, false, 1000, 0755};
  auto reason = verdict(placement, delegated);
  assert_true(reason.has_value());
  assert_non_null(std::strstr(reason->c_str(), "user@1000.service is owned by uid 1000"));
  // Any one file handed over stalls the process: the freeze, or a throttle (io.max,
  // memory.high, cpu.idle) that no fixed list of "dangerous" files named.
  for (const char* file : {"/cgroup.freeze", "/io.max", "/memory.high", "/cpu.idle"}) {
    FakeTree one = tree;
    one.overrides[scope + file] = Node{true, false, true, 1000, 0644};
    reason = verdict(placement, one);
    assert_true(reason.has_value());
    assert_non_null(std::strstr(reason->c_str(), file));
  }
  // A child cgroup of the user's is theirs to control, and does not reach us.
  FakeTree child = tree;
  child.overrides[scope + "/child.slice"] = Node{true, true, false, 1000, 0755};
  assert_false(verdict(placement, child).has_value());
  // A directory writable by a group, a world-writable file, a symlink, an unlistable directory.
  FakeTree group_writable = tree;
  group_writable.overrides["/sys/fs/cgroup/user.slice"] = Node{true, true, false, 0, 0775};
  assert_true(verdict(placement, group_writable).has_value());
  FakeTree world_procs = tree;
  world_procs.overrides[service + "/cgroup.procs"] = Node{true, false, true, 0, 0666};
  assert_true(verdict(placement, world_procs).has_value());
  FakeTree linked = tree;
  linked.overrides[service] = Node{true, false, false, 0, 0777};
  assert_true(verdict(placement, linked).has_value());
  FakeTree unlistable = tree;
  unlistable.unreadable.push_back(service);
  assert_true(verdict(placement, unlistable).has_value());
  // A vanished directory (the cgroup was removed under us) cannot be vouched for.
  FakeTree vanished = tree;
  vanished.missing.push_back(service);
  assert_true(verdict(placement, vanished).has_value());
}

// Cgroup v1: the files are regular files (tasks, freezer.state), and a user-owned memory
// cgroup (limit near usage, OOM killer off) hangs the process as surely as the freezer.
void test_verdicts_v1(void**) {
  Located found = locate(parse_memberships(kHybridCgroup), parse_mounts(kHybridMountinfo));
  const Placement& memory = found.placements[1];
  const std::string dir = "/sys/fs/cgroup/memory/process_api/a0bd";
  FakeTree tree;
  tree.files = {"cgroup.procs",       "tasks",
                "notify_on_release",  "memory.limit_in_bytes",
                "memory.oom_control", "cgroup.event_control"};
  // cgroup.event_control was world-writable (0222) on older kernels; it acts on nobody.
  tree.overrides[dir + "/cgroup.event_control"] = Node{true, false, true, 0, 0222};
  assert_false(verdict(memory, tree).has_value());
  for (const char* file : {"/memory.oom_control", "/memory.limit_in_bytes", "/tasks"}) {
    FakeTree handed = tree;
    handed.overrides[dir + file] = Node{true, false, true, 1000, 0644};
    auto reason = verdict(memory, handed);
    assert_true(reason.has_value());
    assert_non_null(std::strstr(reason->c_str(), "is owned by uid 1000"));
  }
  // Not root's, cgroup.event_control is as bad as any.
  FakeTree event = tree;
  event.overrides[dir + "/cgroup.event_control"] = Node{true, false, true, 1000, 0222};
  assert_true(verdict(memory, event).has_value());
  FakeTree freezer = tree;
  freezer.files = {"cgroup.procs", "tasks", "freezer.state"};
  freezer.overrides["/sys/fs/cgroup/freezer/user/alice/freezer.state"] =
      Node{true, false, true, 1000, 0644};
  assert_true(verdict(found.placements[0], freezer).has_value());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_memberships), cmocka_unit_test(test_parse_mounts),
      cmocka_unit_test(test_locate_hybrid),     cmocka_unit_test(test_locate_odd_hosts),
      cmocka_unit_test(test_verdicts),          cmocka_unit_test(test_verdicts_v1),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
