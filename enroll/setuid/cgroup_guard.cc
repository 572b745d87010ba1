// SPDX-License-Identifier: BSD-3-Clause
// Deciding whether the caller controls any cgroup of the process, moving it out for the length
// of an Elevated scope and back afterwards (see cgroup_guard.h; parsing: cgroup_locate.cc).
//
// Why the caller cannot move us back by themselves: to move a process between cgroup v2
// cgroups, the writer needs write access to cgroup.procs of the destination and of the common
// ancestor of source and destination. Our refuge hangs right below the hierarchy's root, so that
// common ancestor is the root (or a root-owned cgroup on the way down), whose cgroup.procs is
// root's, and the kernel checks this with the credentials of whoever opened cgroup.procs, not
// ours. Cgroup v1 has no common-ancestor rule: there, moving a process only takes write access
// to the destination's cgroup.procs and an effective uid equal to the target's real or saved
// uid. While sshotp-enroll acts as its caller its real uid is theirs, so a v1 move back is
// possible then; that is one reason privilege.cc runs this check at the start of every
// outermost Elevated scope, once the real uid is 0 and no user may move the process.
//
// Residual risk (v2): the caller need not write cgroup.procs themselves. systemd's PID 1 offers
// AttachProcessesToUnit, which moves a process into a unit the caller owns (their delegated
// user@UID.service) if the process's uid is theirs; PID 1 checks the uid and writes
// cgroup.procs in two separate steps. A request whose check passed just before Elevated's
// setresuid(0) can land after our re-check, while the store's lock is held. Keeping the real
// and saved uid 0 for the whole run would close this, but the process acts as its caller
// through the real uid too (access(2), and programs that drop euid to ruid): a larger change,
// not made yet. See "Residual risks" in sshotp-enroll(8).
#include "enroll/setuid/cgroup_guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace sshotp::cli::cgroup {
namespace {

constexpr std::string_view kRefuge = "sshotp-enroll";

std::string describe(const std::string& path, const Node& node) {
  if (!node.exists) return path + " is gone";
  if (node.uid != 0) return path + " is owned by uid " + std::to_string(node.uid);
  return path + " is writable by group or others (mode " + std::to_string((node.mode >> 6) & 7) +
         std::to_string((node.mode >> 3) & 7) + std::to_string(node.mode & 7) + ")";
}

bool roots_alone(const Node& node) { return node.uid == 0 && (node.mode & 022) == 0; }

// A file in a cgroup directory that nobody but root can use to stall or move the process.
// cgroup.event_control (v1 memory) was world-writable on older kernels: it only registers
// eventfd notifications, which act on nobody.
bool harmless_file(const std::string& name, const Node& node) {
  if (node.uid != 0) return false;
  return (node.mode & 022) == 0 || name == "cgroup.event_control";
}

Node lstat_node(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    // Only "not there" counts as absent; anything else (EACCES, EIO) cannot be vouched for.
    if (errno == ENOENT) return Node{};
    return Node{true, false, false, static_cast<uid_t>(-1), 0};
  }
  return Node{true, S_ISDIR(st.st_mode), S_ISREG(st.st_mode), st.st_uid, st.st_mode};
}

std::optional<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return std::nullopt;
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  const bool complete = errno == 0;
  closedir(dir);
  if (!complete) return std::nullopt;
  return names;
}

// The whole of a /proc file into `text`; 0 or an errno value.
int read_file(const char* path, std::string& text) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buffer[4096];
  int error = 0;
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  return error;
}

// Where the process is now, from the live /proc files.
std::optional<std::string> locate_self(Located& found) {
  std::string cgroups;
  std::string mountinfo;
  // Without /proc there is no telling where we are: refuse rather than guess.
  if (const int error = read_file("/proc/self/mountinfo", mountinfo)) {
    return std::string("cannot read /proc/self/mountinfo: ") + std::strerror(error);
  }
  if (const int error = read_file("/proc/self/cgroup", cgroups)) {
    // A kernel without cgroups has no such file (and /proc is there): nothing can freeze us.
    if (error == ENOENT) return std::nullopt;
    return std::string("cannot read /proc/self/cgroup: ") + std::strerror(error);
  }
  const auto memberships = parse_memberships(cgroups);
  const auto mounts = parse_mounts(mountinfo);
  found = locate(memberships, mounts);
  if (!found.problems.empty()) return found.problems.front();
  return std::nullopt;
}

// Writes "0" (the writer's whole process) to `procs`; 0 or an errno value. No allocation:
// return_to_origins() runs it in a destructor.
int move_into(const char* procs) noexcept {
  const int fd = open(procs, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  const bool moved = write(fd, "0", 1) == 1;
  const int error = moved ? 0 : errno;
  close(fd);
  return error;
}

// Into `sshotp-enroll` below the hierarchy's root: created if missing and set to root's 0755
// whatever the umask (the setuid process runs under 077), checked whether or not we made it
// (lstat: a directory, root's, not writable by others), then the whole process moved.
std::optional<std::string> move_to_refuge(const Placement& placement) {
  const std::string dir = refuge(placement);
  if (mkdir(dir.c_str(), 0755) == 0) {
    const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const bool set = fd >= 0 && fchmod(fd, 0755) == 0;
    const int error = errno;
    if (fd >= 0) close(fd);
    if (!set) return "cannot set the mode of " + dir + ": " + std::strerror(error);
  } else if (errno != EEXIST) {
    return "cannot create " + dir + ": " + std::strerror(errno);
  }
  const Node node = lstat_node(dir);
  if (!node.exists || !node.directory || !roots_alone(node)) {
    return node.directory || !node.exists ? describe(dir, node) : dir + " is not a directory";
  }
  if (const int error = move_into((dir + "/cgroup.procs").c_str())) {
    return "cannot move the process into " + dir + ": " + std::strerror(error);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> why_unsafe(const Placement& placement, const Inspect& inspect,
                                      const List& list) {
  std::string relative = placement.relative;
  for (;;) {
    const std::string dir = placement.top + relative;
    const Node node = inspect(dir);
    if (!node.exists || !node.directory || !roots_alone(node)) {
      return node.exists && !node.directory ? dir + " is not a directory" : describe(dir, node);
    }
    const auto names = list(dir);
    if (!names) return "cannot list " + dir;
    for (const std::string& name : *names) {
      const std::string path = dir + "/" + name;
      const Node f = inspect(path);
      if (!f.exists || f.directory) continue;  // a child cgroup, or one removed meanwhile
      if (!f.regular) return path + " is not a regular file";
      if (!harmless_file(name, f)) return describe(path, f);
    }
    if (relative.empty()) return std::nullopt;
    relative.erase(relative.rfind('/'));
  }
}

std::string refuge(const Placement& placement) {
  return placement.top + (placement.top.ends_with('/') ? "" : "/") + std::string(kRefuge);
}

std::optional<std::string> escape_caller_cgroups(std::vector<std::string>& origins) {
  Located found;
  if (auto problem = locate_self(found)) return problem;
  bool moved = false;
  for (const Placement& placement : found.placements) {
    auto reason = why_unsafe(placement, lstat_node, list_dir);
    if (!reason) continue;
    if (auto failure = move_to_refuge(placement)) {
      return "the process is in a cgroup its caller controls (" + *reason +
             ") and cannot leave it (" + *failure + ")";
    }
    origins.push_back(placement.top + placement.relative + "/cgroup.procs");
    moved = true;
  }
  if (!moved) return std::nullopt;
  // Read back where the kernel put us, and check it all again.
  if (auto problem = locate_self(found)) return problem;
  for (const Placement& placement : found.placements) {
    if (auto reason = why_unsafe(placement, lstat_node, list_dir)) {
      return "the process is in a cgroup its caller controls (" + *reason + "), even after moving";
    }
  }
  return std::nullopt;
}

void return_to_origins(std::vector<std::string>& origins) noexcept {
  // Failure is fine: ENOENT (the cgroup was removed), EBUSY (v2: it gained children with
  // controllers), EOPNOTSUPP (a threaded cgroup) all leave us in the refuge, root's.
  for (const std::string& procs : origins) move_into(procs.c_str());
  origins.clear();
}

}  // namespace sshotp::cli::cgroup
