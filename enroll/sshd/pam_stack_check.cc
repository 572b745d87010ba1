// SPDX-License-Identifier: BSD-3-Clause
// Looks at the auth lines of a PAM service file (read by pam_service_file.h).
#include "enroll/sshd/pam_stack_check.h"

#include <fstream>
#include <sstream>
#include <string_view>

#include "enroll/cli/pam_service_file.h"

namespace sshotp::cli {
namespace {

// Stacks that ask for the Unix password: Debian's, Fedora/RHEL's, Arch's.
constexpr std::string_view kPasswordStacks[] = {"common-auth", "password-auth", "system-auth",
                                                "system-remote-login", "system-login"};

bool is_password_stack(std::string_view name) {
  for (std::string_view stack : kPasswordStacks) {
    if (name == stack) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> check_pam_service(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {"cannot read " + path + ": check that it asks for pam_sshotp"};
  std::ostringstream text;
  text << in.rdbuf();
  bool has_sshotp = false;
  std::vector<std::string> warnings;
  for (const PamLine& line : parse_pam_service(text.str())) {
    if (!line.is_auth()) continue;
    const std::string_view module = base_name(line.module);
    const bool stacked = line.is_stacked();
    if (line.is_sshotp_auth()) has_sshotp = true;
    if ((stacked && is_password_stack(module)) || (!stacked && module.starts_with("pam_unix"))) {
      warnings.push_back(path + " line " + std::to_string(line.number) +
                         " still asks for a password (" + line.module +
                         "): comment it out, pam_sshotp replaces it");
    }
  }
  if (!has_sshotp) {
    warnings.insert(warnings.begin(),
                    path + " has no 'auth ... pam_sshotp.so' line: sshd will not ask for a code");
  }
  return warnings;
}

}  // namespace sshotp::cli
