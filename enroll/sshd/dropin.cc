// SPDX-License-Identifier: BSD-3-Clause
// The text of the sshd drop-in and the settings it stands for (see dropin.h). The comments
// are part of the product: they end up in /etc/ssh/sshd_config.d, where the next administrator
// reads them, and examples/sshd_config.d/ holds exactly this output.
#include "enroll/sshd/dropin.h"

namespace sshotp::cli {
namespace {

constexpr std::size_t kMaxGroupName = 64;

constexpr SshdDirective kUsePam{"UsePAM", "yes"};
constexpr SshdDirective kNoPasswords{"PasswordAuthentication", "no"};
constexpr SshdDirective kKbdInteractive{"KbdInteractiveAuthentication", "yes"};
constexpr SshdDirective kNoKbdInteractive{"KbdInteractiveAuthentication", "no"};
constexpr SshdDirective kKeyThenCode{"AuthenticationMethods", "publickey,keyboard-interactive:pam"};

bool group_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

std::string line(const SshdDirective& d, std::string_view indent = "") {
  std::string text(indent);
  text.append(d.keyword).append(" ").append(d.value).append("\n");
  return text;
}

std::string header(const std::optional<std::string>& group) {
  std::string text = "# sshd drop-in for pam_sshotp, written by `sshotp-enroll sshd-config";
  if (group) {
    text += " --group " + *group + "`.\n# Members of the group " + *group +
            R"( log in with a public key first, then a one-time code
# (PAM keyboard-interactive); everyone else with a public key alone.
)";
  } else {
    text += R"(`: every user logs in
# with a public key first, then a one-time code (PAM keyboard-interactive).
)";
  }
  return text + R"(#
# Install it as /etc/ssh/sshd_config.d/20-sshotp.conf with `sshotp-enroll sshd-config
# --install`, which checks the whole configuration with sshd -t and sshd -T and puts the
# previous file back if sshd disagrees. Then reload sshd (systemctl reload ssh) and log in
# from a second terminal before closing the session you have.
#
# sshd keeps the FIRST value it reads for each keyword. Debian's sshd_config includes
# sshd_config.d/*.conf before its own "KbdInteractiveAuthentication no", so this file wins
# over the main file, but a line above that Include or an earlier drop-in (10-*.conf) wins
# over this file. See what sshd really uses:
#   sshd -T -C user=alice,host=localhost,addr=127.0.0.1 | grep -E \
#     '^(authenticationmethods|kbdinteractiveauthentication|passwordauthentication|usepam) '
)";
}

std::string global_settings() {
  return R"(
# The code is asked through PAM's keyboard-interactive conversation.
)" + line(kUsePam) +
         R"(
# With UsePAM, password authentication runs the same PAM stack inside sshd and would
# compare the "password" with the code. Never turn it on with pam_sshotp.
)" + line(kNoPasswords);
}

std::string root_note(const std::optional<std::string>& group) {
  const std::string when = group ? " if it is a member of " + *group : "";
  return R"(
# sshd lets root use keyboard-interactive only with "PermitRootLogin yes". Under the default
# "prohibit-password" root's key is accepted but its code never is: root cannot log in over
# SSH with this file)" +
         when + R"(.
# Log in as yourself and use sudo instead ("PermitRootLogin no"), or let root in with key and
# code by uncommenting this (safe only while PasswordAuthentication stays no):
#PermitRootLogin yes
)";
}

constexpr const char* kPenaltiesNote = R"(
# OpenSSH 9.8 and later refuse new connections for a while from an address whose connections
# end without a login (PerSourcePenalties): a key accepted and then no right code counts.
# Exempt your administrators' networks, so that a few mistyped codes cannot shut you out.
# It stays commented because sshd before 9.8 (Debian 12 has 9.2) rejects the keyword:
#PerSourcePenaltyExemptList 192.0.2.0/24
)";

std::string methods_for_everyone() {
  return R"(
# Both steps, in this order: the key must be accepted before a code is asked, so the PAM
# stack is never reachable without a valid key.
)" + line(kKbdInteractive) +
         line(kKeyThenCode);
}

std::string methods_for_group(const std::string& group) {
  return R"(
# Outside the group keyboard-interactive stays off (sshd's default is on), so that nobody
# reaches the PAM stack, which asks for the code alone, without a key.
)" + line(kNoKbdInteractive) +
         R"(
# Members: both steps, in this order. The key must be accepted before a code is asked, so
# the PAM stack is never reachable without a valid key. The Match block ends with this
# file; it does not carry over into the main sshd_config.
Match Group )" +
         group + "\n" + line(kKbdInteractive, "    ") + line(kKeyThenCode, "    ");
}

}  // namespace

Status check_group_name(std::string_view group) {
  if (group.empty()) return make_error(Errc::invalid_argument, "the group name is empty");
  if (group.size() > kMaxGroupName) {
    return make_error(Errc::invalid_argument, "the group name is too long");
  }
  if (group.front() == '-' || group.front() == '.') {
    return make_error(Errc::invalid_argument, "a group name cannot start with '-' or '.'");
  }
  for (char c : group) {
    if (!group_name_char(c)) {
      return make_error(Errc::invalid_argument,
                        "a group name may only hold letters, digits, '_', '.' and '-'");
    }
  }
  return Ok{};
}

std::string render_sshd_dropin(const std::optional<std::string>& group) {
  return header(group) + global_settings() + root_note(group) + kPenaltiesNote +
         (group ? methods_for_group(*group) : methods_for_everyone());
}

std::vector<SshdDirective> intended_settings(Audience audience) {
  if (audience == Audience::outside_group) return {kUsePam, kNoPasswords, kNoKbdInteractive};
  return {kUsePam, kNoPasswords, kKbdInteractive, kKeyThenCode};
}

}  // namespace sshotp::cli
