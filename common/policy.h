// SPDX-License-Identifier: BSD-3-Clause
// Who has to give a code at all: group-based scoping (require_group / exempt_group) and the
// evidence sshd gives that a public key was already accepted (SSH_AUTH_INFO_0).
#pragma once

#include <string>
#include <string_view>

#include "common/account.h"
#include "common/config.h"
#include "common/result.h"

namespace sshotp {

enum class Requirement {
  ask,              // the user must give a code
  exempt,           // member of exempt_group
  not_in_required,  // require_group is set and the user is not a member
};

// "exempt-group" / "not-in-required-group" for the audit line; "ask" never reaches it.
const char* requirement_reason(Requirement r) noexcept;

// A require_group that does not exist is an error (Errc::unavailable): otherwise nobody would be
// a member and everyone would skip the second factor. A missing exempt_group just exempts nobody.
// A failed lookup of either group, or of the account's groups, is Errc::unavailable: read as
// "not a member" it would skip the code (require_group) or exempt nobody (exempt_group) at the
// whim of a directory server, so the caller fails closed instead. Membership is asymmetric:
// require_group counts the canonical and the login entry and the group's member list
// (account_or_login_in_group), since glibc's getgrouplist hides a failing backend behind a short
// list; exempt_group counts only the canonical account's own groups (account_in_group), so a
// short list or an alias can only make a user give a code.
Result<Requirement> code_requirement(const Config& config, const Account& account);

// Whether `account` is in `group`, primary or supplementary. Errc::not_found if the group does
// not exist, Errc::unavailable if a lookup failed.
Result<bool> user_in_group(const Account& account, std::string_view group);

// sshd ≥ 7.x puts one line per completed method into the PAM environment variable
// SSH_AUTH_INFO_0 ("publickey ssh-ed25519 AAAA...\n"). True if one of them is publickey.
bool auth_info_has_publickey(std::string_view auth_info) noexcept;

}  // namespace sshotp
