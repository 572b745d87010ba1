// SPDX-License-Identifier: BSD-3-Clause
// Reads the auth lines of a PAM service file (pam.conf(5) syntax: type, control, module,
// arguments; "[...]" controls may contain spaces; '#' starts a comment; "-type" marks a module
// that may be missing).
#include "enroll/pam_stack_check.h"

#include <fstream>
#include <sstream>
#include <string_view>

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

std::string_view base_name(std::string_view path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

struct AuthLine {
  std::string control;  // "required", "include", "[success=1 default=ignore]", ...
  std::string module;   // path or name as written; for include/substack, the other service
};

// The auth line on `text`, if it is one. "@include NAME" counts as an auth include too (it
// pulls in every type, auth among them).
bool parse_auth_line(const std::string& text, AuthLine& line) {
  std::istringstream words(text.substr(0, text.find('#')));
  std::string type;
  if (!(words >> type)) return false;
  if (type == "@include") {
    line.control = "include";
    return static_cast<bool>(words >> line.module);
  }
  if (type != "auth" && type != "-auth") return false;
  if (!(words >> line.control)) return false;
  if (line.control.starts_with('[')) {
    std::string more;
    while (!line.control.ends_with(']') && words >> more) line.control += " " + more;
  }
  return static_cast<bool>(words >> line.module);
}

}  // namespace

std::vector<std::string> check_pam_service(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {"cannot read " + path + ": check that it asks for pam_sshotp"};
  bool has_sshotp = false;
  std::vector<std::string> warnings;
  std::string text;
  for (unsigned number = 1; std::getline(in, text); ++number) {
    AuthLine line;
    if (!parse_auth_line(text, line)) continue;
    const std::string_view module = base_name(line.module);
    const bool stacked = line.control == "include" || line.control == "substack";
    if (!stacked && module.starts_with("pam_sshotp")) has_sshotp = true;
    if ((stacked && is_password_stack(module)) || (!stacked && module.starts_with("pam_unix"))) {
      warnings.push_back(path + " line " + std::to_string(number) + " still asks for a password (" +
                         line.module + "): comment it out, pam_sshotp replaces it");
    }
  }
  if (!has_sshotp) {
    warnings.insert(warnings.begin(),
                    path + " has no 'auth ... pam_sshotp.so' line: sshd will not ask for a code");
  }
  return warnings;
}

}  // namespace sshotp::cli
