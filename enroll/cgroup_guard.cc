// SPDX-License-Identifier: BSD-3-Clause
// Finding the cgroups the process is in, deciding whether its caller controls any of them, and
// moving it out (see cgroup_guard.h).
//
// Why a move is final: to move a process between cgroup v2 cgroups, the writer needs write
// access to cgroup.procs of the destination and of the common ancestor of source and
// destination. Our refuge hangs right below the hierarchy's root, so that common ancestor is
// the root (or a root-owned cgroup on the way down), whose cgroup.procs is root's: the caller
// cannot move us back into their subtree, and the kernel checks this with the credentials of
// whoever opened cgroup.procs, not ours. Cgroup v1 has no common-ancestor rule: there, moving a
// process only takes write access to the destination's cgroup.procs and an effective uid equal
// to the target's real or saved uid. While sshotp-enroll acts as its caller its real uid is
// theirs, so a v1 move back is possible then; that is why privilege.cc runs this check again at
// the start of every Elevated scope, once the real uid is 0 and no user may move the process.
#include "enroll/cgroup_guard.h"

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

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

// The kernel writes space, tab, newline and backslash in mountinfo paths as \ooo.
std::string unescape_octal(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto octal = [&](std::size_t k) { return text[k] >= '0' && text[k] <= '7'; };
    if (text[i] == '\\' && i + 3 < text.size() && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out.push_back(static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                      (text[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool has(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The files through which a process in that cgroup is frozen, throttled or moved. v2: freezing
// and cpu.max/cpu.weight; v1: the freezer's state and the cpu controller's quota and shares.
std::vector<std::string> control_files(const Membership& line) {
  if (line.unified) {
    return {"cgroup.procs", "cgroup.threads", "cgroup.freeze",
            "cpu.max",      "cpu.weight",     "cpu.weight.nice"};
  }
  std::vector<std::string> files{"cgroup.procs", "tasks"};
  if (has(line.controllers, "freezer")) files.emplace_back("freezer.state");
  if (has(line.controllers, "cpu")) {
    for (const char* f : {"cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares"}) {
      files.emplace_back(f);
    }
  }
  return files;
}

// Whether `mount` shows the hierarchy of `line`: cgroup2 for v2, and for v1 a cgroup mount
// whose super options name every controller of the line.
bool same_hierarchy(const Membership& line, const Mount& mount) {
  if (line.unified || mount.unified) return line.unified && mount.unified;
  return std::all_of(line.controllers.begin(), line.controllers.end(),
                     [&](const std::string& c) { return has(mount.super_options, c); });
}

// The path of `path` below `root` ("" for root itself), or nullopt when it is not below it.
std::optional<std::string> below(std::string_view path, std::string_view root) {
  if (root == "/") return std::string(path == "/" ? "" : path);
  if (!path.starts_with(root)) return std::nullopt;
  const std::string_view rest = path.substr(root.size());
  if (!rest.empty() && rest.front() != '/') return std::nullopt;  // /docker/abcdef vs /abc
  return std::string(rest);
}

std::string describe(const std::string& path, const Node& node) {
  if (!node.exists) return path + " is gone";
  if (node.uid != 0) return path + " is owned by uid " + std::to_string(node.uid);
  return path + " is writable by group or others (mode " + std::to_string((node.mode >> 6) & 7) +
         std::to_string((node.mode >> 3) & 7) + std::to_string(node.mode & 7) + ")";
}

bool roots_alone(const Node& node) { return node.uid == 0 && (node.mode & 022) == 0; }

Node lstat_node(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    // Only "not there" counts as absent; anything else (EACCES, EIO) cannot be vouched for.
    if (errno == ENOENT) return Node{};
    return Node{true, false, false, static_cast<uid_t>(-1), 0};
  }
  return Node{true, S_ISDIR(st.st_mode), S_ISREG(st.st_mode), st.st_uid, st.st_mode};
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

// Into `sshotp-enroll` below the hierarchy's root: created root-owned 0755 if missing, checked
// whether or not we made it (lstat: a directory, root's, not writable by others), then the
// whole process moved by writing "0" to its cgroup.procs.
std::optional<std::string> move_to_refuge(const Placement& placement) {
  const std::string dir = refuge(placement);
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return "cannot create " + dir + ": " + std::strerror(errno);
  }
  const Node node = lstat_node(dir);
  if (!node.exists || !node.directory || !roots_alone(node)) {
    return node.directory || !node.exists ? describe(dir, node) : dir + " is not a directory";
  }
  const std::string procs = dir + "/cgroup.procs";
  const int fd = open(procs.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return "cannot open " + procs + ": " + std::strerror(errno);
  const bool moved = write(fd, "0", 1) == 1;
  const int error = errno;
  close(fd);
  if (!moved) return "cannot move the process into " + dir + ": " + std::strerror(error);
  return std::nullopt;
}

}  // namespace

std::vector<Membership> parse_memberships(std::string_view text) {
  std::vector<Membership> lines;
  for (std::string_view line : split(text, '\n')) {
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    Membership m;
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    m.unified = line.substr(0, first) == "0" && controllers.empty();
    if (!m.unified) {
      for (std::string_view c : split(controllers, ',')) {
        if (!c.empty()) m.controllers.emplace_back(c);
      }
    }
    m.path = line.substr(second + 1);
    lines.push_back(std::move(m));
  }
  return lines;
}

std::vector<Mount> parse_mounts(std::string_view text) {
  std::vector<Mount> mounts;
  for (std::string_view line : split(text, '\n')) {
    const auto fields = split(line, ' ');
    // ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
    const auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 6 || dash == fields.end() || dash - fields.begin() < 6 ||
        fields.end() - dash != 4) {
      continue;
    }
    const std::string_view type = dash[1];
    if (type != "cgroup" && type != "cgroup2") continue;
    Mount mount;
    mount.unified = type == "cgroup2";
    mount.root = unescape_octal(fields[3]);
    mount.mount_point = unescape_octal(fields[4]);
    for (std::string_view o : split(dash[3], ',')) mount.super_options.emplace_back(o);
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

Located locate(std::span<const Membership> memberships, std::span<const Mount> mounts) {
  Located found;
  for (const Membership& line : memberships) {
    const bool matters =
        line.unified || has(line.controllers, "freezer") || has(line.controllers, "cpu");
    if (!matters) continue;
    std::string name = "cgroup2";
    if (!line.unified) {
      name.clear();
      for (const auto& c : line.controllers) name += (name.empty() ? "" : ",") + c;
    }
    // A path above the namespace's root ("/../..") or with odd parts cannot be walked.
    const bool clean = line.path.starts_with("/") && line.path.find("/..") == std::string::npos &&
                       line.path.find("/./") == std::string::npos;
    bool mounted = false;
    std::optional<Placement> best;
    for (const Mount& mount : mounts) {
      if (!same_hierarchy(line, mount)) continue;
      mounted = true;
      auto relative = clean ? below(line.path, mount.root) : std::nullopt;
      if (!relative) continue;
      // The mount of the whole (visible) hierarchy beats one of a subtree: more to check.
      if (best && best->relative.size() >= relative->size()) continue;
      best = Placement{name, mount.mount_point, *relative, control_files(line)};
    }
    if (best) {
      found.placements.push_back(std::move(*best));
    } else if (mounted) {
      found.problems.push_back("cannot verify the " + name + " cgroup " + line.path +
                               ": no mount of its hierarchy contains it");
    }
  }
  return found;
}

std::optional<std::string> why_unsafe(const Placement& placement, const Inspect& inspect) {
  std::string relative = placement.relative;
  for (;;) {
    const std::string dir = placement.top + relative;
    const Node node = inspect(dir);
    if (!node.exists || !node.directory || !roots_alone(node)) {
      return node.exists && !node.directory ? dir + " is not a directory" : describe(dir, node);
    }
    for (const std::string& file : placement.control_files) {
      const std::string path = dir + "/" + file;
      const Node f = inspect(path);
      if (!f.exists) continue;  // the root has no cgroup.freeze; older kernels lack some
      if (!f.regular) return path + " is not a regular file";
      if (!roots_alone(f)) return describe(path, f);
    }
    if (relative.empty()) return std::nullopt;
    relative.erase(relative.rfind('/'));
  }
}

std::string refuge(const Placement& placement) {
  return placement.top + (placement.top.ends_with('/') ? "" : "/") + std::string(kRefuge);
}

std::optional<std::string> escape_caller_cgroups() {
  Located found;
  if (auto problem = locate_self(found)) return problem;
  bool moved = false;
  for (const Placement& placement : found.placements) {
    auto reason = why_unsafe(placement, lstat_node);
    if (!reason) continue;
    if (auto failure = move_to_refuge(placement)) {
      return "the process is in a cgroup its caller controls (" + *reason +
             ") and cannot leave it (" + *failure + ")";
    }
    moved = true;
  }
  if (!moved) return std::nullopt;
  // Read back where the kernel put us, and check it all again.
  if (auto problem = locate_self(found)) return problem;
  for (const Placement& placement : found.placements) {
    if (auto reason = why_unsafe(placement, lstat_node)) {
      return "the process is in a cgroup its caller controls (" + *reason + "), even after moving";
    }
  }
  return std::nullopt;
}

}  // namespace sshotp::cli::cgroup
