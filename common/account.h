// SPDX-License-Identifier: BSD-3-Clause
// Accounts and groups from the system databases (NSS: files, SSSD, winbind, LDAP...), the one
// place the module and sshotp-enroll look them up.
//
// Canonical names: a directory may answer to several spellings of one account (SSSD and
// winbind are case-insensitive, "alice" and "alice@EXAMPLE.COM" are one user, two passwd lines
// may share a uid). The store is keyed by name, so every spelling must land on one key: the name
// getpwuid gives for the account's uid, which is also what sshotp-enroll's self-service enrolls
// (it only knows the caller's uid).
//
// Errors: only "no such entry" (the *_r call returns 0 with a NULL result) is an answer. Any
// other failure (EIO, a timeout, an unreachable server, a record too large even for the biggest
// buffer we allow) is Errc::unavailable, and callers fail closed on it: read as "no such user"
// or "not a member" it would let a directory outage switch the second factor off.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sshotp {

struct Account {
  std::string name;  // canonical: the passwd name of `uid`
  uid_t uid = 0;
  gid_t gid = 0;  // primary group
  // The entry as named at login (getpwnam of the name typed). sshd's "Match Group" and
  // initgroups go by this one, and an alias sharing the uid may have other groups.
  std::string login_name;
  gid_t login_gid = 0;
};

// Resolves `name` (getpwnam_r), then maps its uid back (getpwuid_r) to the canonical name.
// Errc::not_found if there is no such account; Errc::unavailable on a lookup error.
Result<Account> canonical_account(std::string_view name);

struct GroupEntry {
  gid_t gid = 0;
  std::vector<std::string> members;  // the supplementary members listed in the entry
};

// The group called `name`, or nothing if there is none; Errc::unavailable on a lookup error.
Result<std::optional<GroupEntry>> find_group(std::string_view name);

// Whether `gid` is among the canonical account's groups (its primary group, or getgrouplist of
// its name). Errc::unavailable if the list cannot be had. Beware: glibc's getgrouplist skips a
// backend that fails, so a "no" may only mean SSSD/LDAP is down; a "yes" is reliable.
Result<bool> account_in_group(const Account& account, gid_t gid);

// Membership for require_group, where a false "no" skips the second factor: a member if ANY of
// the canonical or the login entry has `group` as primary group, the group's member list
// names either, or getgrouplist of either lists it. The member list comes from getgrnam_r,
// which does report backend errors, so a member stays a member when getgrouplist comes back
// short. Errc::unavailable only if nothing said yes and a getgrouplist call failed.
Result<bool> account_or_login_in_group(const Account& account, const GroupEntry& group);

}  // namespace sshotp
