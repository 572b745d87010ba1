// SPDX-License-Identifier: BSD-3-Clause
#include "common/account.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sshotp {
namespace {

// glibc's default for these calls is 1 KiB; 16 KiB covers ordinary entries in one call. AD
// groups with thousands of members run to hundreds of KiB, so the buffer doubles on ERANGE, up
// to a bound that keeps a hostile or broken directory from exhausting memory.
constexpr std::size_t kFirstBuffer = 16 * 1024;
constexpr std::size_t kMaxBuffer = 8 * 1024 * 1024;
// getgrouplist: Linux allows 65536 supplementary groups (NGROUPS_MAX); no list is longer.
constexpr int kMaxGroups = 65536;

// Calls lookup(buffer, size) until it stops asking for a bigger buffer. Returns its code
// (0, or an errno value); ERANGE past kMaxBuffer is returned as it is, an error like any other.
template <typename Lookup>
int with_growing_buffer(std::vector<char>& buf, Lookup lookup) {
  buf.resize(kFirstBuffer);
  for (;;) {
    const int rc = lookup(buf.data(), buf.size());
    if (rc != ERANGE || buf.size() >= kMaxBuffer) return rc;
    buf.resize(buf.size() * 2);
  }
}

Error lookup_error(const std::string& what, int rc) {
  return make_error(Errc::unavailable, "cannot look up " + what + ": " + std::strerror(rc));
}

}  // namespace

Result<Account> canonical_account(std::string_view name) {
  const std::string wanted(name);
  std::vector<char> buf;
  struct passwd pw {};
  struct passwd* found = nullptr;
  int rc = with_growing_buffer(buf, [&](char* b, std::size_t n) {
    return getpwnam_r(wanted.c_str(), &pw, b, n, &found);
  });
  if (rc != 0) return lookup_error("user '" + wanted + "'", rc);
  if (found == nullptr) return make_error(Errc::not_found, "no such user '" + wanted + "'");
  const uid_t uid = pw.pw_uid;
  const gid_t login_gid = pw.pw_gid;

  rc = with_growing_buffer(buf, [&](char* b, std::size_t n) {
    return getpwuid_r(uid, &pw, b, n, &found);
  });
  if (rc != 0) return lookup_error("uid " + std::to_string(uid), rc);
  // The directory just named this uid and now denies it: inconsistent (or changing under us),
  // which is no ground to pick either spelling.
  if (found == nullptr || pw.pw_name == nullptr || pw.pw_name[0] == '\0') {
    return make_error(Errc::unavailable, "user '" + wanted + "' has uid " + std::to_string(uid) +
                                             ", which has no passwd entry");
  }
  // The primary group is the canonical entry's: getgrouplist is asked about that name.
  return Account{pw.pw_name, uid, pw.pw_gid, wanted, login_gid};
}

Result<std::optional<GroupEntry>> find_group(std::string_view name) {
  const std::string wanted(name);
  std::vector<char> buf;
  struct group gr {};
  struct group* found = nullptr;
  const int rc = with_growing_buffer(buf, [&](char* b, std::size_t n) {
    return getgrnam_r(wanted.c_str(), &gr, b, n, &found);
  });
  if (rc != 0) return lookup_error("group '" + wanted + "'", rc);
  if (found == nullptr) return std::optional<GroupEntry>();
  GroupEntry entry{gr.gr_gid, {}};
  for (char** m = gr.gr_mem; m != nullptr && *m != nullptr; ++m) entry.members.emplace_back(*m);
  return std::optional<GroupEntry>(std::move(entry));
}

namespace {

// Whether getgrouplist(user, primary) lists `gid`.
Result<bool> grouplist_has(const std::string& user, gid_t primary, uid_t uid, gid_t gid) {
  std::vector<gid_t> groups(64);
  int count = static_cast<int>(groups.size());
  // -1 means "the list is longer": count then holds the length needed. glibc gives no other
  // error here (a backend that fails is skipped), so a bounded retry is all there is to do.
  while (getgrouplist(user.c_str(), primary, groups.data(), &count) < 0) {
    if (count <= static_cast<int>(groups.size()) || count > kMaxGroups) {
      return make_error(Errc::unavailable,
                        "cannot list the groups of uid " + std::to_string(uid));
    }
    groups.resize(static_cast<std::size_t>(count));
  }
  groups.resize(static_cast<std::size_t>(count));
  return std::find(groups.begin(), groups.end(), gid) != groups.end();
}

}  // namespace

Result<bool> account_in_group(const Account& account, gid_t gid) {
  if (account.gid == gid) return true;
  return grouplist_has(account.name, account.gid, account.uid, gid);
}

Result<bool> account_or_login_in_group(const Account& account, const GroupEntry& group) {
  const std::string& login = account.login_name.empty() ? account.name : account.login_name;
  if (account.gid == group.gid || account.login_gid == group.gid) return true;
  for (const std::string& m : group.members) {
    if (m == account.name || m == login) return true;
  }
  // Both lists are asked even after an error: a "yes" from either settles it, and only a
  // failure with no "yes" anywhere is an error (read as "no" it would skip the code).
  auto canonical = grouplist_has(account.name, account.gid, account.uid, group.gid);
  if (canonical && *canonical) return true;
  auto as_typed = login == account.name
                      ? canonical
                      : grouplist_has(login, account.login_gid, account.uid, group.gid);
  if (as_typed && *as_typed) return true;
  if (!canonical) return std::move(canonical).error();
  if (!as_typed) return std::move(as_typed).error();
  return false;
}

}  // namespace sshotp
