// SPDX-License-Identifier: BSD-3-Clause
// Picks the users for the sshd -T checks from the group and passwd databases (see
// users.h).
#include "enroll/sshd/users.h"

#include <grp.h>
#include <pwd.h>

#include <functional>

#include "common/account.h"
#include "enroll/sshd/probe.h"

namespace sshotp::cli {
namespace {

// An ordinary account that exists on Debian and Fedora and is rarely anybody's special case.
constexpr const char* kOrdinaryUser = "nobody";

// Every passwd entry, in file order, until `stop` returns true.
void each_account(const std::function<bool(const passwd&)>& stop) {
  setpwent();
  while (const passwd* pw = getpwent()) {
    if (stop(*pw)) break;
  }
  endpwent();
}

// One implementation of membership for the module and the CLI (common/account.h). Here a
// failed lookup counts as "in the group": this only picks someone to show as an outsider, and
// one whose groups are unknown is no example of anything.
bool in_group(const passwd& pw, gid_t gid) {
  const Account account{pw.pw_name, pw.pw_uid, pw.pw_gid, pw.pw_name, pw.pw_gid};
  auto member = account_in_group(account, gid);
  return !member || *member;
}

std::optional<std::string> find_member(const GroupEntry& group) {
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

std::optional<std::string> find_outsider(const GroupEntry& group) {
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
