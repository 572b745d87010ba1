// SPDX-License-Identifier: BSD-3-Clause
// Where the process is in each cgroup hierarchy, from /proc/self/cgroup and
// /proc/self/mountinfo texts: pure parsing, so that tests/unit/test_cgroup_guard.cc can check it
// on sample texts (see cgroup_guard.h).
#include <algorithm>
#include <utility>

#include "enroll/setuid/cgroup_guard.h"

namespace sshotp::cli::cgroup {
namespace {

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

// Every hierarchy with a real controller can stall the process: freezer and cgroup.freeze
// stop it, cpu throttles it, memory (a limit near its usage with the OOM killer disabled) hangs
// it at its next page fault, blkio/io throttles its writes, pids fails its allocations. Only
// the controller-less "name=" hierarchies (name=systemd) cannot touch it.
bool matters(const Membership& line) {
  return line.unified || std::any_of(line.controllers.begin(), line.controllers.end(),
                                     [](const std::string& c) { return !c.starts_with("name="); });
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
    if (!matters(line)) continue;
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
      best = Placement{name, mount.mount_point, *relative};
    }
    if (best) {
      found.placements.push_back(std::move(*best));
    } else if (mounted) {
      found.problems.push_back("cannot verify the " + name + " cgroup " + line.path +
                               ": no mount of its hierarchy contains it");
    } else if (line.path != "/") {
      // Hierarchies are global: a chroot or mount namespace without cgroupfs hides them from
      // us, not from the caller, who may own this cgroup through a mount elsewhere.
      found.problems.push_back("cannot verify the " + name + " cgroup " + line.path +
                               ": no mount of its hierarchy is visible");
    }
  }
  return found;
}

}  // namespace sshotp::cli::cgroup
