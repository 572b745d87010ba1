// SPDX-License-Identifier: BSD-3-Clause
// Which users to ask `sshd -T` about after installing the drop-in: with a group, one member
// (who must be asked for a code) and one user outside it (who must not be able to reach the PAM
// stack without a key); without one, an ordinary user stands for everybody. Group membership is
// what sshd's "Match Group" uses too: the user's full group list (getgrouplist).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "enroll/sshd/dropin.h"

namespace sshotp::cli {

struct CheckedUser {
  std::string name;
  Audience audience;
  std::string role;  // for messages: "any user", "member of otpusers", "not in otpusers"
};

// Fails if `group` does not exist. When the group has no member (or everybody is in it), that
// side cannot be checked: a sentence saying so is added to `notes`.
Result<std::vector<CheckedUser>> users_to_check(const std::optional<std::string>& group,
                                                std::vector<std::string>& notes);

}  // namespace sshotp::cli
