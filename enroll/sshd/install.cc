// SPDX-License-Identifier: BSD-3-Clause
// The --install flow of sshotp-enroll sshd-config (see install.h): pick the users to ask
// sshd about, write the drop-in, ask sshd, explain any disagreement, and undo on failure.
#include "enroll/sshd/install.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "enroll/cli/reporting.h"
#include "enroll/setuid/privilege.h"
#include "enroll/sshd/culprits.h"
#include "enroll/sshd/dropin.h"
#include "enroll/sshd/file_replace.h"
#include "enroll/sshd/pam_stack_check.h"
#include "enroll/sshd/probe.h"
#include "enroll/sshd/users.h"

namespace sshotp::cli {
namespace {

constexpr const char* kWhat = "sshd-config";

void warn(const std::string& text) { print_error(kWhat, "warning: " + text); }

// "FILE line N 'TEXT'", and the Match it sits under.
std::string where(const KeywordLine& l) {
  return l.file + " line " + std::to_string(l.number) + " '" + l.text + "'" +
         (l.match.empty() ? "" : " under '" + l.match + "'");
}

// Why `keyword` is not `wanted`: the lines that can override the drop-in, or why none applies.
std::string explain(const ConfigReading& reading, const SshdLayout& layout,
                    const std::string& dropin, const std::string& keyword,
                    std::string_view wanted) {
  if (!reading.dropin_included) {
    return layout.main_config + " does not include " + dropin + " (it needs 'Include " +
           layout.config_dir + "/*.conf' near its top)";
  }
  std::string text;
  for (const KeywordLine& l : likely_culprits(reading, keyword, wanted)) {
    text += (text.empty() ? "overridden by " : "; or by ") + where(l);
  }
  if (text.empty()) {
    std::string unread;
    for (const std::string& file : reading.unreadable)
      unread += (unread.empty() ? "" : ", ") + file;
    return "no line in the configuration explains it" +
           (unread.empty() ? "" : " (could not read " + unread + ")");
  }
  return text + " (sshd keeps the first value it reads; Match blocks override global values)";
}

// What sshd reports for one user, as one line: "authenticationmethods any, usepam yes, ...".
std::string summary(const EffectiveSettings& settings) {
  std::string text;
  for (const char* key : {"authenticationmethods", "kbdinteractiveauthentication",
                          "passwordauthentication", "usepam"}) {
    const auto found = settings.find(key);
    text += (text.empty() ? "" : ", ") + std::string(key) + " " +
            (found == settings.end() ? "?" : found->second);
  }
  return text;
}

// Everything that went wrong, as sentences; empty when sshd agrees with the drop-in everywhere.
struct Verification {
  std::vector<std::string> problems;
  std::vector<std::string> report;  // one summary line per user checked
};

void compare(const SshdLayout& layout, const std::string& dropin, const CheckedUser& who,
             const EffectiveSettings& settings, Verification& v) {
  std::optional<ConfigReading> reading;
  for (const SshdDirective& d : intended_settings(who.audience)) {
    const std::string keyword = ascii_lower(d.keyword);
    const auto found = settings.find(keyword);
    const std::string got = found == settings.end() ? "(nothing)" : found->second;
    if (ascii_lower(got) == ascii_lower(d.value)) continue;
    if (!reading) reading = read_sshd_config(layout.main_config, dropin);
    v.problems.push_back("for " + who.name + " (" + who.role + ") sshd uses '" + keyword + " " +
                         got + "', not '" + std::string(d.value) +
                         "': " + explain(*reading, layout, dropin, keyword, d.value));
  }
}

Verification verify(const SshdLayout& layout, const std::string& dropin,
                    const std::vector<CheckedUser>& users) {
  Verification v;
  const SshdProgram sshd{layout.sshd, layout.main_config};
  auto verdict = sshd_test(sshd);
  if (!verdict) {
    v.problems.push_back("cannot run sshd: " + verdict.error().message);
    return v;
  }
  if (!verdict->valid) {
    v.problems.push_back("sshd -t rejects the configuration: " + verdict->complaint);
    for (const Override& o : global_overrides(read_sshd_config(layout.main_config, dropin))) {
      v.problems.push_back(where(o.theirs) + " comes first and wins over '" + o.ours.text +
                           "' (sshd keeps the first value it reads)");
    }
    return v;
  }
  for (const CheckedUser& who : users) {
    auto settings = sshd_effective(sshd, who.name);
    if (!settings) {
      v.problems.push_back("for " + who.name + ": " + settings.error().message);
      continue;
    }
    compare(layout, dropin, who, *settings, v);
    v.report.push_back(who.name + " (" + who.role + "): " + summary(*settings));
  }
  return v;
}

// Under "PermitRootLogin prohibit-password" (printed as without-password by older sshd) root
// never completes keyboard-interactive, so a root asked for a code cannot log in over SSH.
void warn_if_root_is_shut_out(const SshdLayout& layout, const std::string& dropin) {
  auto root = sshd_effective({layout.sshd, layout.main_config}, "root");
  if (!root) return;
  const auto methods = root->find("authenticationmethods");
  const auto permit = root->find("permitrootlogin");
  if (methods == root->end() || permit == root->end() || permit->second == "yes") return;
  if (methods->second.find("keyboard-interactive") == std::string::npos) return;
  warn("root can no longer log in over SSH: it must give a code, and with 'permitrootlogin " +
       permit->second + "' sshd never lets root finish keyboard-interactive (see " + dropin + ")");
}

Exit roll_back(const FileSnapshot& before, const Verification& v) {
  for (const std::string& problem : v.problems) print_error(kWhat, problem);
  if (auto st = restore_file(before); !st) {
    print_error(kWhat, "could not put the previous file back: " + st.error().message +
                           "; fix it by hand before sshd reloads");
  } else if (before.existed) {
    print_error(kWhat, "restored the previous " + before.path);
  } else {
    print_error(kWhat, "removed " + before.path + " again");
  }
  log_action(kWhat, "", invoking_uid(), "rolled-back");
  return Exit::error;
}

Exit fail(const Error& error) {
  print_error(kWhat, error.message);
  log_action(kWhat, "", invoking_uid(), "error");
  return Exit::error;
}

}  // namespace

Exit install_sshd_dropin(const SshdLayout& layout, const std::optional<std::string>& group,
                         std::string_view text) {
  std::vector<std::string> notes;
  auto users = users_to_check(group, notes);
  if (!users) return fail(users.error());
  const std::string dropin = layout.config_dir + "/" + kDropinName;
  auto before = snapshot_file(dropin);
  if (!before) return fail(before.error());
  if (auto st = replace_file(dropin, text, 0644); !st) return fail(st.error());
  const Verification v = verify(layout, dropin, *users);
  if (!v.problems.empty()) return roll_back(*before, v);
  std::printf("wrote %s\nsshd -t: the configuration is valid\n", dropin.c_str());
  for (const std::string& line : v.report) std::printf("%s\n", line.c_str());
  std::printf(
      "Reload sshd to apply it (systemctl reload ssh), then log in from a second terminal "
      "before closing this one.\n");
  std::fflush(stdout);
  for (const std::string& note : notes) warn(note);
  warn_if_root_is_shut_out(layout, dropin);
  for (const std::string& w : check_pam_service(layout.pam_service)) warn(w);
  log_action(kWhat, "", invoking_uid(), "ok");
  return Exit::ok;
}

}  // namespace sshotp::cli
