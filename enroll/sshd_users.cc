// SPDX-License-Identifier: BSD-3-Clause
// Picks the users for the sshd -T checks from the group and passwd databases (see
// sshd_users.h).
#include "enroll/sshd_users.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

#include "enroll/sshd_probe.h"

namespace sshotp::cli {
namespace {

// An ordinary account that exists on Debian and Fedora and is rarely anybody's special case.
constexpr const char* kOrdinaryUser = "nobody";

struct Group {
  gid_t gid = 0;
  std::vector<std::string> members;  // the supplementary members listed in the group entry
};

Result<std::optional<Group>> find_group(const std::string& name) {
  std::vector<char> buf(16384);
  struct group entry {};
  struct group* found = nullptr;
  int rc = 0;
  while ((rc = getgrnam_r(name.c_str(), &entry, buf.data(), buf.size(), &found)) == ERANGE &&
         buf.size() < (1u << 24)) {
    buf.resize(buf.size() * 2);
  }
  if (rc != 0) return make_error(Errc::unavailable, "group " + name + ": " + std::strerror(rc));
  if (found == nullptr) return std::optional<Group>();
  Group group{entry.gr_gid, {}};
  for (char** m = entry.gr_mem; m != nullptr && *m != nullptr; ++m) group.members.emplace_back(*m);
  return std::optional<Group>(std::move(group));
}

// Every passwd entry, in file order, until `stop` returns true.
void each_account(const std::function<bool(const passwd&)>& stop) {
  setpwent();
  while (const passwd* pw = getpwent()) {
    if (stop(*pw)) break;
  }
  endpwent();
}

bool in_group(const passwd& pw, gid_t gid) {
  std::vector<gid_t> groups(64);
  int count = static_cast<int>(groups.size());
  while (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<std::size_t>(count) + 64);
    count = static_cast<int>(groups.size());
  }
  groups.resize(static_cast<std::size_t>(count));
  return std::find(groups.begin(), groups.end(), gid) != groups.end();
}

std::optional<std::string> find_member(const Group& group) {
  // A stale name in the group entry (no such account) would not match "Match Group" in sshd.
  for (const std::string& m : group.members) {
    if (plain_user_name(m) && getpwnam(m.c_str()) != nullptr) return m;
  }
  std::optional<std::string> member;
  each_account([&](const passwd& pw) {
    if (pw.pw_gid == group.gid && plain_user_name(pw.pw_name)) member = pw.pw_name;
    return member.has_value();
  });
  return member;
}

std::optional<std::string> find_outsider(const Group& group) {
  std::optional<std::string> outsider;
  auto outside = [&](const passwd& pw) {
    if (plain_user_name(pw.pw_name) && !in_group(pw, group.gid)) outsider = pw.pw_name;
    return outsider.has_value();
  };
  if (const passwd* nobody = getpwnam(kOrdinaryUser); nobody != nullptr && outside(*nobody)) {
    return outsider;
  }
  each_account(outside);
  return outsider;
}

}  // namespace

Result<std::vector<CheckedUser>> users_to_check(const std::optional<std::string>& group_name,
                                                std::vector<std::string>& notes) {
  if (!group_name)
    return std::vector<CheckedUser>{{kOrdinaryUser, Audience::asked_for_code, "any user"}};
  auto group = find_group(*group_name);
  if (!group) return std::move(group).error();
  if (!group->has_value()) {
    return make_error(Errc::invalid_argument, "group " + *group_name + " does not exist");
  }
  std::vector<CheckedUser> users;
  if (auto member = find_member(**group)) {
    users.push_back({*member, Audience::asked_for_code, "member of " + *group_name});
  } else {
    notes.push_back("group " + *group_name +
                    " has no members yet, so sshd was not asked what a member gets");
  }
  if (auto outsider = find_outsider(**group)) {
    users.push_back({*outsider, Audience::outside_group, "not in " + *group_name});
  } else {
    notes.push_back("every user is in group " + *group_name +
                    ", so sshd was not asked what others get");
  }
  return users;
}

}  // namespace sshotp::cli
