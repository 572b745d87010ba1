// SPDX-License-Identifier: BSD-3-Clause
// The sshd drop-in that turns pam_sshotp on: its text (a pure function of the optional group, so
// that it can be compared byte for byte with the shipped examples), and the effective values
// `sshd -T` must report once it is in place. Both come from the same directives, so what is
// written and what is checked cannot drift apart.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sshotp::cli {

inline constexpr const char* kDropinName = "20-sshotp.conf";

// One sshd_config keyword and its value, spelt as in sshd_config(5).
struct SshdDirective {
  std::string_view keyword;
  std::string_view value;
};

// A group name we are willing to write after "Match Group": letters, digits, '_', '.' and '-',
// not starting with '-' or '.', at most 64 bytes. sshd reads that field as a pattern list, so
// commas, wildcards, '!', spaces, quotes and newlines (another line in the file) are refused.
Status check_group_name(std::string_view group);

// The whole drop-in, with comments: the code for every user, or with `group` only for its
// members (the two directives inside "Match Group"). `group` must pass check_group_name.
std::string render_sshd_dropin(const std::optional<std::string>& group);

// What the drop-in means for one user, as `sshd -T` must report it: for a user it asks for a
// code (everyone, or a member of the group), or for a user outside the group.
enum class Audience { asked_for_code, outside_group };
std::vector<SshdDirective> intended_settings(Audience audience);

}  // namespace sshotp::cli
