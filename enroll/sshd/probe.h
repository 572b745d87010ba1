// SPDX-License-Identifier: BSD-3-Clause
// Asking sshd itself what it makes of its configuration, the only authority on it: `sshd -t`
// (is the whole configuration valid?) and `sshd -T -C user=...` (which values does a connection
// by that user really get, after first-value-wins, Include order and Match blocks?).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sshotp::cli {

// The sshd binary and the main configuration file it is pointed at (-f).
struct SshdProgram {
  std::string binary;
  std::string main_config;
};

// How sshd -t went: passed, and otherwise what sshd said on stderr.
struct SshdVerdict {
  bool valid = false;
  std::string complaint;
};
Result<SshdVerdict> sshd_test(const SshdProgram& sshd);

// The effective settings for a connection by `user` from 127.0.0.1 (localhost), as `sshd -T`
// prints them: lower-case keyword -> the rest of the line. An error carries sshd's complaint.
using EffectiveSettings = std::map<std::string, std::string>;
Result<EffectiveSettings> sshd_effective(const SshdProgram& sshd, const std::string& user);

// A user name sshd -T -C can be handed without quoting: letters, digits, '.', '_' and '-', not
// starting with '-'. Other names are skipped when picking users to check.
bool plain_user_name(std::string_view user);

}  // namespace sshotp::cli
